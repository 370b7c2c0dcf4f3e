// Small file systems for the disk and data-folder faults: a tmpfs of a given size (or read-only) mounted
// on a folder. Mounting needs root (CAP_SYS_ADMIN); where it is not permitted the tests skip with a line.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** Whether this process may mount a tmpfs (tried once, on a scratch folder). */
export function canMount(): { ok: true } | { ok: false; why: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'coupond-mount-probe-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', dir], { stdio: 'pipe' });
    execFileSync('umount', [dir], { stdio: 'pipe' });
    return { ok: true };
  } catch (e) {
    const err = e as { stderr?: Buffer; message: string };
    return { ok: false, why: (err.stderr?.toString() || err.message).trim().split('\n')[0]! };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Mounts a tmpfs on `dir` (created if missing); `options` such as `size=8m` or `ro`. */
export function mountTmpfs(dir: string, options: string): void {
  fs.mkdirSync(dir, { recursive: true });
  execFileSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', dir], { stdio: 'pipe' });
}

export function remount(dir: string, options: string): void {
  execFileSync('mount', ['-o', `remount,${options}`, dir], { stdio: 'pipe' });
}

export function unmount(dir: string): void {
  try {
    execFileSync('umount', ['-l', dir], { stdio: 'pipe' });
  } catch {
    // not mounted
  }
}
