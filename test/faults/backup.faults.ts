// Backup under load (docs/reliability.md "Backup and restore"): `coupond backup --to FILE` runs while a real
// `coupond serve` answers a steady stream of redemptions. The copy, restored into a new data folder as a
// user would (README), holds every invariant, and its redemptions are exactly those answered before the
// backup began plus possibly some answered after (up to the snapshot): every one answered before is
// there, none that was never answered. A server starts on the restored folder and serves.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Engine } from '../../src/storage/database.js';
import { buildTestApp, type TestApp } from '../support/build-test-app.js';
import { coupondArgs } from '../support/coupond-command.js';
import { createSeries } from '../support/factories.js';
import { checkInvariants } from '../support/invariants.js';
import { spawnServer, type ServerProcess } from '../support/spawn-server.js';
import { onPostgres } from '../support/test-database.js';
import { RACE_ENV } from '../race/world.js';

const CLIENTS = 6;
if (onPostgres)
  console.log('backup faults: skipped, TEST_DATABASE_URL is set (`coupond backup` copies SQLite)');

let t: TestApp;
let server: ServerProcess | undefined;
let restored: ServerProcess | undefined;
let engine: Engine | undefined;
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'coupond-backup-'));
const coupons: { code: string; mobile: string }[] = [];

beforeAll(async () => {
  if (onPostgres) return;
  t = await buildTestApp({ env: RACE_ENV });
  const s = await createSeries(t, { description: 'backup', isMultipleVouchersPerUserAllowed: true });
  for (let c = 0; c < 900; c++) {
    const mobile = String(9_600_000_000 + c);
    const r = await t.post('/v2/coupon/issue', { seriesId: s.id, customer: { mobile } });
    expect(r.status, r.text).toBe(200);
    coupons.push({ code: r.body.code, mobile });
  }
  server = await spawnServer({ ...t.db.env, ...RACE_ENV });
}, 300_000);
afterAll(async () => {
  await restored?.stop();
  await engine?.close();
  await server?.stop();
  await t?.close();
  fs.rmSync(scratch, { recursive: true, force: true });
});

function run(args: string[], env: Record<string, string>) {
  return new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, coupondArgs(...args), {
      env: { PATH: process.env.PATH ?? '', ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (status) => resolve({ status, stdout, stderr }));
  });
}

describe('coupond backup', () => {
  it.skipIf(onPostgres)(
    'copies the database under write load; the restored copy keeps every answered redemption and its invariants',
    async () => {
      const answered: { id: number; at: number; txn: string }[] = [];
      const refusedTxns = new Set<string>();
      let stop = false;
      let next = 0;
      const client = async () => {
        while (!stop && next < coupons.length) {
          const c = coupons[next++]!;
          const txn = `B-${next}`;
          const r = await fetch(`${server!.url}/v2/coupon/redeem`, {
            method: 'POST',
            headers: { authorization: t.client.basic, 'content-type': 'application/json' },
            body: JSON.stringify({
              billAmount: 100,
              transactionNumber: txn,
              user: { mobile: c.mobile },
              redemptionRequestList: [{ code: c.code }],
            }),
          });
          const body = (await r.json()) as any;
          if (r.status === 200) answered.push({ id: body.redemption[0].id, at: Date.now(), txn });
          else refusedTxns.add(`${txn} ${r.status} ${JSON.stringify(body)}`);
        }
      };
      // A long report holds a read snapshot from before the traffic: checkpoints cannot move the WAL past
      // it, so the redemptions live only in the WAL; a backup that copied the database file alone would
      // miss them.
      const report = new BetterSqlite3(path.join(t.db.dataDir, 'coupond.db'), { readonly: true });
      report.exec('begin');
      report.prepare('select count(*) from redemption').get();
      const clients = Array.from({ length: CLIENTS }, client);
      // Start the copy once the traffic is flowing, with most coupons left, so that writes go on during
      // it (a fixed wait of 2.5 s once let a fast machine redeem every coupon before the copy began).
      const flowing = Date.now();
      while (answered.length < coupons.length / 8 && Date.now() - flowing < 20_000)
        await new Promise((r) => setTimeout(r, 20));
      const file = path.join(scratch, 'copy.db');
      const began = Date.now();
      const answeredBefore = answered.length;
      const b = await run(['backup', '--to', file], { ...t.db.env });
      const ended = Date.now();
      report.exec('commit');
      report.close();
      const duringBackup = answered.filter((a) => a.at > began && a.at < ended).length;
      stop = true;
      await Promise.all(clients);
      console.log(
        `backup: exit ${b.status} ${b.stdout.trim()} ${b.stderr.trim()}; ${ended - began} ms with the command's start-up;` +
          ` ${answeredBefore} redemptions answered before it began, ${duringBackup} during, ${answered.length} in all`,
      );
      expect(b.status, b.stderr).toBe(0);
      expect([...refusedTxns]).toEqual([]);
      expect(duringBackup).toBeGreaterThan(0); // the server was writing while the copy was made

      // Restore as the README says: a new data folder with the copy as coupond.db.
      const dataDir = path.join(scratch, 'restored');
      fs.mkdirSync(dataDir);
      fs.copyFileSync(file, path.join(dataDir, 'coupond.db'));
      engine = await openDatabase({
        url: undefined,
        sqlitePath: path.join(dataDir, 'coupond.db'),
        poolSize: 1,
      });
      const integrity = await sql<{ integrity_check: string }>`pragma integrity_check`.execute(engine.kysely);
      expect(integrity.rows[0]?.integrity_check).toBe('ok');
      const ids = new Set(
        (await sql<{ id: number }>`select id from redemption`.execute(engine.kysely)).rows.map((r) =>
          Number(r.id),
        ),
      );
      const answeredIds = new Set(answered.map((a) => a.id));
      const before = answered.filter((a) => a.at < began);
      const missing = before.filter((a) => !ids.has(a.id));
      const neverAnswered = [...ids].filter((id) => !answeredIds.has(id));
      const after = [...ids].filter((id) => !before.some((a) => a.id === id));
      console.log(
        `restored copy: ${ids.size} redemptions; ${before.length} answered before the backup all present: ${missing.length === 0};` +
          ` ${after.length} answered after it began, up to the snapshot; ${neverAnswered.length} never answered`,
      );
      expect(missing).toEqual([]);
      expect(neverAnswered).toEqual([]);
      const invariants = await checkInvariants(engine.kysely, t.client.orgId);
      console.log(
        `  invariants: ${invariants.checked.length} checked, ${invariants.violations.length} violations`,
      );
      expect(invariants.violations).toEqual([]);
      await engine.close();
      engine = undefined;

      // And a server starts on the restored folder and serves the copy.
      restored = await spawnServer({ COUPOND_DATA_DIR: dataDir, ...RACE_ENV });
      const r = await fetch(`${restored.url}/v2/coupon/series`, {
        headers: { authorization: t.client.basic },
      });
      expect(r.status).toBe(200);
    },
  );

  it.skipIf(onPostgres)('refuses to overwrite an existing file', async () => {
    const file = path.join(scratch, 'exists.db');
    fs.writeFileSync(file, 'keep me');
    const r = await run(['backup', '--to', file], { ...t.db.env });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`${file} exists: name a new file`);
    expect(fs.readFileSync(file, 'utf8')).toBe('keep me');
  });

  it('refuses a PostgreSQL deployment with one line pointing at pg_dump', () => {
    const r = spawnSync(process.execPath, coupondArgs('backup', '--to', path.join(scratch, 'pg.db')), {
      env: { PATH: process.env.PATH ?? '', DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none' },
      encoding: 'utf8',
    });
    expect(r.status).toBe(1);
    expect(r.stderr.split('\n')[0]).toContain('pg_dump');
    expect(fs.existsSync(path.join(scratch, 'pg.db'))).toBe(false);
  });
});
