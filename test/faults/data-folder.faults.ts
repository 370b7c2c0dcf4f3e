// Data-folder faults (docs/reliability.md "Disk full"): `coupond serve` on a data folder that is
// read-only, or missing and impossible to create, stops at once with one line naming the folder (exit
// status 1, no stack trace). A missing folder whose parent is writable is created and the server starts.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { coupondArgs } from '../support/coupond-command.js';
import { spawnServer } from '../support/spawn-server.js';
import { createTestDatabase, TEST_DATABASE_URL, onPostgres } from '../support/test-database.js';
import { canMount, mountTmpfs, unmount } from './tmpfs.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'coupond-datadir-'));
const mounts: string[] = [];
const mount = canMount();
if (!mount.ok)
  console.log(`data-folder faults: skipped, mounting a tmpfs is not permitted here (${mount.why})`);

afterAll(() => {
  for (const m of mounts) unmount(m);
  fs.rmSync(root, { recursive: true, force: true });
});

// The data folder holds uploads and the jwt-secret on PostgreSQL too: the check runs on both databases.
const env = (dataDir: string): Record<string, string> => ({
  PATH: process.env.PATH ?? '',
  COUPOND_DATA_DIR: dataDir,
  PORT: '0',
  // The folder is checked before the database is opened: these start-ups never reach PostgreSQL.
  ...(TEST_DATABASE_URL ? { DATABASE_URL: TEST_DATABASE_URL, DATABASE_SCHEMA: 'never_created' } : {}),
});

function serve(dataDir: string) {
  const t0 = Date.now();
  const r = spawnSync(process.execPath, coupondArgs('serve'), {
    env: env(dataDir),
    encoding: 'utf8',
    timeout: 90_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, ms: Date.now() - t0 };
}

function expectOneLine(r: ReturnType<typeof serve>, dataDir: string, words: string) {
  console.log(`  exit ${r.status} after ${r.ms} ms: ${JSON.stringify(r.stderr)}`);
  expect(r.status).toBe(1);
  const lines = r.stderr.trimEnd().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toContain(dataDir);
  expect(lines[0]).toContain(words);
  expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
}

describe(`the data folder at start-up (${onPostgres ? 'postgres' : 'sqlite'})`, () => {
  it.skipIf(!mount.ok)('stops with one line naming a read-only data folder', () => {
    const dir = path.join(root, 'readonly');
    mountTmpfs(dir, 'size=1m,ro');
    mounts.push(dir);
    expectOneLine(serve(dir), dir, 'is not writable (EROFS)');
  });

  it.skipIf(!mount.ok)('stops with one line naming a missing data folder that cannot be created', () => {
    const parent = path.join(root, 'readonly-parent');
    mountTmpfs(parent, 'size=1m,ro');
    mounts.push(parent);
    const dir = path.join(parent, 'data');
    expectOneLine(serve(dir), dir, 'does not exist and cannot be created (EROFS)');
  });

  it('creates a missing data folder whose parent is writable, and serves', async () => {
    const dir = path.join(root, 'new', 'data');
    const db = await createTestDatabase(); // its own SQLite file or PostgreSQL schema, dropped at the end
    const server = await spawnServer({ ...db.env, COUPOND_DATA_DIR: dir });
    try {
      expect((await fetch(`${server.url}/health`)).status).toBe(200);
      expect(fs.existsSync(dir)).toBe(true);
    } finally {
      await server.stop();
      await db.drop();
    }
  });
});
