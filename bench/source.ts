// Which code a run measured: the commit, whether src/ had uncommitted changes, and a hash of src/ taken
// at the start and the end (servers start during the run and load src/ as it is then).
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { ROOT } from './processes.js';

export interface SourceState {
  commit: string;
  /** Files under src/ that differ from the commit. */
  uncommitted: number;
  /** sha256 of every file under src/ (path and content), first 12 hex digits. */
  srcHash: string;
}

function hashTree(dir: string, hash: ReturnType<typeof createHash>): void {
  for (const entry of fs
    .readdirSync(dir, { withFileTypes: true })
    .sort((a, b) => a.name.localeCompare(b.name))) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) hashTree(full, hash);
    else if (entry.isFile())
      hash.update(path.relative(ROOT, full)).update('\0').update(fs.readFileSync(full));
  }
}

export function sourceState(): SourceState {
  const git = (...args: string[]) => {
    try {
      return execFileSync('git', args, { cwd: ROOT, encoding: 'utf8' }).trim();
    } catch {
      return '';
    }
  };
  const hash = createHash('sha256');
  hashTree(path.join(ROOT, 'src'), hash);
  return {
    commit: git('rev-parse', '--short', 'HEAD') || 'unknown',
    uncommitted: git('status', '--porcelain', '--', 'src').split('\n').filter(Boolean).length,
    srcHash: hash.digest('hex').slice(0, 12),
  };
}
