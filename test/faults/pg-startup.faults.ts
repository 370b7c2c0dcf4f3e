// Start-up with PostgreSQL unreachable (docs/reliability.md "PostgreSQL faults"): `coupond serve` tries
// again every second for COUPOND_DB_CONNECT_TIMEOUT_S, logging each try, then exits non-zero with one line
// naming the server. Needs no PostgreSQL at all (nothing listens on the port), so it runs on both runs.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { coupondArgs } from '../support/coupond-command.js';
import { freePort } from '../support/spawn-server.js';

describe('start-up while PostgreSQL is unreachable', () => {
  it('retries for COUPOND_DB_CONNECT_TIMEOUT_S, logging each try, then exits non-zero naming the server', async () => {
    const port = await freePort(); // closed: nothing listens there
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'coupond-startup-'));
    const started = Date.now();
    const { code, out } = await new Promise<{ code: number | null; out: string }>((resolve) => {
      let text = '';
      const child = spawn(process.execPath, coupondArgs('serve'), {
        env: {
          PATH: process.env.PATH ?? '',
          DATABASE_URL: `postgres://coupond:secret@127.0.0.1:${port}/coupond`,
          COUPOND_DB_CONNECT_TIMEOUT_S: '3',
          COUPOND_DATA_DIR: dataDir,
          PORT: String(0),
          LOG_LEVEL: 'info',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      child.stdout.on('data', (d: Buffer) => (text += d.toString()));
      child.stderr.on('data', (d: Buffer) => (text += d.toString()));
      const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
      child.on('exit', (c) => {
        clearTimeout(timer);
        resolve({ code: c, out: text });
      });
    });
    fs.rmSync(dataDir, { recursive: true, force: true });
    const tries = out.split('\n').filter((l) => l.includes('database not reachable'));
    const last = out
      .split('\n')
      .find((l) => l.startsWith('coupond: '))
      ?.trim();
    console.log(
      `[faults] start-up against a closed port: exit ${code} after ${Date.now() - started} ms, ${tries.length} logged tries; ${last}`,
    );
    expect(code, out).not.toBe(0);
    expect(code).not.toBeNull();
    expect(tries.length, out).toBeGreaterThanOrEqual(2);
    expect(last, out).toContain(`127.0.0.1:${port}`);
    expect(last).toContain('COUPOND_DB_CONNECT_TIMEOUT_S');
    expect(out).not.toContain('secret'); // the URL's password is never printed
  });
});
