// SQLite lock fault (docs/reliability.md "SQLite lock"): while a real `coupond serve` takes traffic, another
// process (a node child with better-sqlite3, as an operator's sqlite3 shell or a backup tool would) holds
// the database's write lock for longer than the server's time bound. The server must keep the event loop
// free (/health fast, reads served), answer the writes it could not do in time 503 DATABASE_UNAVAILABLE
// (never 500, nothing half-written), do the others once the lock is released, and keep every invariant.
// Knobs: LOCK_HOLD_MS (6000), LOCK_BOUND_MS (the server's COUPOND_STATEMENT_TIMEOUT_MS, 3000).
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../support/build-test-app.js';
import { createSeries } from '../support/factories.js';
import { checkInvariants } from '../support/invariants.js';
import { spawnServer, type ServerProcess } from '../support/spawn-server.js';
import { onPostgres } from '../support/test-database.js';
import { RACE_ENV } from '../race/world.js';

const HOLD_MS = Number(process.env.LOCK_HOLD_MS ?? 6000);
const BOUND_MS = Number(process.env.LOCK_BOUND_MS ?? 3000);
const WRITERS = 8;
const READERS = 4;
const require = createRequire(import.meta.url);

if (onPostgres)
  console.log('sqlite-lock faults: skipped, TEST_DATABASE_URL is set (this fault is SQLite only)');

let t: TestApp;
let server: ServerProcess | undefined;
let seriesId: number;
beforeAll(async () => {
  if (onPostgres) return;
  t = await buildTestApp({ env: RACE_ENV });
  seriesId = (await createSeries(t, { description: 'lock', isMultipleVouchersPerUserAllowed: true })).id;
  server = await spawnServer({ ...t.db.env, ...RACE_ENV, COUPOND_STATEMENT_TIMEOUT_MS: String(BOUND_MS) });
}, 180_000);
afterAll(async () => {
  await server?.stop();
  await t?.close();
});

/** A child process that takes the write lock (BEGIN IMMEDIATE), says so, holds it `ms`, then rolls back. */
function holdLock(file: string, ms: number) {
  const script = `
    const Db = require(process.argv[1]);
    const db = new Db(process.argv[2]);
    db.pragma('busy_timeout = 10000');
    db.exec('begin immediate');
    process.stdout.write('locked\\n');
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, Number(process.argv[3]));
    db.exec('rollback');
    db.close();
    process.stdout.write('released\\n');
  `;
  const child = spawn(process.execPath, ['-e', script, require.resolve('better-sqlite3'), file, String(ms)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  const waiters: { word: string; resolve(t: number): void }[] = [];
  child.stdout!.on('data', (d: Buffer) => {
    out += d.toString();
    for (const w of waiters) if (out.includes(w.word)) w.resolve(Date.now());
  });
  const waitFor = (word: string) =>
    new Promise<number>((resolve, reject) => {
      waiters.push({ word, resolve });
      child.once('exit', (c) =>
        out.includes(word) ? resolve(Date.now()) : reject(new Error(`holder exited ${c}`)),
      );
    });
  return { locked: waitFor('locked'), released: waitFor('released') };
}

interface Answer {
  kind: 'write' | 'read' | 'health';
  start: number;
  end: number;
  status: number;
  reason?: string;
  retryAfter?: string | null;
  mobile?: string;
  code?: string;
}

describe('SQLite write lock held by another process past the time bound', () => {
  it.skipIf(onPostgres)(
    'keeps /health and reads fast, answers late writes 503 (never 500), loses no answered write',
    async () => {
      const url = server!.url;
      const auth = t.client.basic;
      const answers: Answer[] = [];
      let stop = false;
      let n = 0;
      const writer = async () => {
        while (!stop) {
          const mobile = String(9_500_000_000 + ++n);
          const start = Date.now();
          const r = await fetch(`${url}/v2/coupon/issue`, {
            method: 'POST',
            headers: { authorization: auth, 'content-type': 'application/json' },
            body: JSON.stringify({ seriesId, customer: { mobile } }),
          });
          const body = (await r.json()) as any;
          answers.push({
            kind: 'write',
            start,
            end: Date.now(),
            status: r.status,
            reason: body?.errors?.[0]?.reason ?? body?.reason,
            retryAfter: r.headers.get('retry-after'),
            mobile,
            code: r.status === 200 ? body.code : undefined,
          });
        }
      };
      const reader = async () => {
        while (!stop) {
          const start = Date.now();
          const r = await fetch(`${url}/v2/coupon/series`, { headers: { authorization: auth } });
          await r.arrayBuffer();
          answers.push({ kind: 'read', start, end: Date.now(), status: r.status });
          await new Promise((res) => setTimeout(res, 20));
        }
      };
      const health = async () => {
        while (!stop) {
          const start = Date.now();
          const r = await fetch(`${url}/health`);
          await r.arrayBuffer();
          answers.push({ kind: 'health', start, end: Date.now(), status: r.status });
          await new Promise((res) => setTimeout(res, 50));
        }
      };
      const clients = [
        ...Array.from({ length: WRITERS }, writer),
        ...Array.from({ length: READERS }, reader),
        health(),
      ];
      await new Promise((res) => setTimeout(res, 1500));
      const holder = holdLock(path.join(t.db.dataDir, 'coupond.db'), HOLD_MS);
      const lockedAt = await holder.locked;
      const releasedAt = await holder.released;
      await new Promise((res) => setTimeout(res, 2500));
      stop = true;
      await Promise.all(clients);

      const during = (a: Answer) => a.start >= lockedAt && a.end <= releasedAt;
      const byStatus = (kind: Answer['kind']) => {
        const m: Record<string, number> = {};
        for (const a of answers.filter((x) => x.kind === kind)) m[a.status] = (m[a.status] ?? 0) + 1;
        return m;
      };
      const maxMs = (xs: Answer[]) => Math.max(0, ...xs.map((a) => a.end - a.start));
      const writes = answers.filter((a) => a.kind === 'write');
      const refused = writes.filter((a) => a.status === 503);
      const healthDuring = answers.filter((a) => a.kind === 'health' && during(a));
      const readsDuring = answers.filter((a) => a.kind === 'read' && during(a));
      const writesAfter = writes.filter((a) => a.start > releasedAt && a.status === 200);
      console.log(
        [
          `lock held ${releasedAt - lockedAt} ms (bound ${BOUND_MS} ms); ${answers.length} requests`,
          `  writes by status ${JSON.stringify(byStatus('write'))}; 503 after ${Math.min(...refused.map((a) => a.end - a.start))}–${maxMs(refused)} ms`,
          `  reads by status ${JSON.stringify(byStatus('read'))}; during the lock ${readsDuring.length}, slowest ${maxMs(readsDuring)} ms`,
          `  /health during the lock: ${healthDuring.length}, slowest ${maxMs(healthDuring)} ms`,
          `  writes answered 200 after the release: ${writesAfter.length}`,
        ].join('\n'),
      );

      // Never a 500, or anything but done (200) or not done in time (503).
      expect(answers.filter((a) => a.status !== 200 && !(a.kind === 'write' && a.status === 503))).toEqual(
        [],
      );
      // The event loop stayed free: /health and reads answered fast while the lock was held.
      expect(healthDuring.length).toBeGreaterThan(10);
      expect(maxMs(healthDuring)).toBeLessThan(500);
      expect(readsDuring.length).toBeGreaterThan(10);
      expect(maxMs(readsDuring)).toBeLessThan(500);
      // The lock outlived the bound: writes waiting for it were refused, each only after the bound.
      expect(refused.length).toBeGreaterThan(0);
      for (const a of refused) {
        expect(a.reason).toBe('DATABASE_UNAVAILABLE');
        expect(a.retryAfter).toMatch(/^\d+$/);
        expect(a.end - a.start).toBeGreaterThanOrEqual(BOUND_MS - 50);
      }
      expect(writesAfter.length).toBeGreaterThan(0);

      // Every answered write is in the database; no refused one left anything behind.
      const db = t.app.engine.kysely;
      const issued = new Set(
        (
          await sql<{ code: string }>`select code from coupon where series_id = ${seriesId}`.execute(db)
        ).rows.map((r) => r.code),
      );
      const ok = writes.filter((a) => a.status === 200);
      expect(ok.filter((a) => !issued.has(a.code!)).map((a) => a.mobile)).toEqual([]);
      const refusedMobiles = refused.map((a) => a.mobile!);
      const leftovers = (
        await sql<{
          mobile: string;
        }>`select mobile from customer where mobile in (${sql.join(refusedMobiles)})`.execute(db)
      ).rows;
      expect(leftovers).toEqual([]);
      expect(issued.size).toBe(ok.length);
      const report = await checkInvariants(db, t.client.orgId);
      console.log(`  invariants: ${report.checked.length} checked, ${report.violations.length} violations`);
      expect(report.violations).toEqual([]);
    },
  );
});
