// Disk-full fault (docs/reliability.md "Disk full"): the data folder is a small tmpfs that the test fills
// while a real `coupond serve` takes writes and an upload. The request that meets the full disk is answered
// 507 INSUFFICIENT_STORAGE (never 500), the server stays up and serves reads, the database passes
// integrity_check, nothing refused is half-written, and once space is freed requests succeed again.
// Needs root to mount a tmpfs; skips with a line otherwise.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../support/build-test-app.js';
import { createSeries } from '../support/factories.js';
import { checkInvariants } from '../support/invariants.js';
import { spawnServer, type ServerProcess } from '../support/spawn-server.js';
import { onPostgres } from '../support/test-database.js';
import { multipart, waitForJob } from '../support/upload-helpers.js';
import { RACE_ENV } from '../race/world.js';
import { canMount, mountTmpfs, unmount } from './tmpfs.js';

const mount = onPostgres ? { ok: false as const, why: '' } : canMount();
if (onPostgres)
  console.log('disk-full faults: skipped, TEST_DATABASE_URL is set (this fault is SQLite only)');
else if (!mount.ok)
  console.log(`disk-full faults: skipped, mounting a tmpfs is not permitted here (${mount.why})`);

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'coupond-diskfull-'));
const dataDir = path.join(scratch, 'data');
const filler = path.join(dataDir, 'filler');
let t: TestApp;
let server: ServerProcess | undefined;
let seriesId: number;

beforeAll(async () => {
  if (!mount.ok) return;
  mountTmpfs(dataDir, 'size=24m');
  t = await buildTestApp({ env: { ...RACE_ENV, COUPOND_DATA_DIR: dataDir } });
  seriesId = (await createSeries(t, { description: 'disk', isMultipleVouchersPerUserAllowed: true })).id;
  server = await spawnServer({ ...RACE_ENV, COUPOND_DATA_DIR: dataDir, COUPOND_WORKER: 'on' });
}, 180_000);
afterAll(async () => {
  if (process.env.DISK_FULL_DEBUG) console.log(server?.output().slice(-4000));
  await server?.stop();
  await t?.close();
  if (mount.ok) unmount(dataDir);
  fs.rmSync(scratch, { recursive: true, force: true });
});

/** Fills the file system with `filler`, down to its last free block. Answers the bytes written. */
function fill(): number {
  const fd = fs.openSync(filler, 'a');
  let written = 0;
  try {
    for (const size of [1 << 20, 64 << 10, 4 << 10, 512]) {
      const chunk = Buffer.alloc(size, 1);
      for (;;) {
        try {
          fs.writeSync(fd, chunk);
          written += size;
        } catch (e) {
          if ((e as { code?: string }).code === 'ENOSPC') break;
          throw e;
        }
      }
    }
  } finally {
    fs.closeSync(fd);
  }
  return written;
}

interface Answer {
  status: number;
  reason?: string;
  mobile: string;
  code?: string;
}

let n = 0;
async function issue(url: string): Promise<Answer> {
  const mobile = String(9_700_000_000 + ++n);
  const r = await fetch(`${url}/v2/coupon/issue`, {
    method: 'POST',
    headers: { authorization: t.client.basic, 'content-type': 'application/json' },
    body: JSON.stringify({ seriesId, customer: { mobile } }),
  });
  const body = (await r.json()) as any;
  return {
    status: r.status,
    reason: body?.errors?.[0]?.reason,
    mobile,
    code: r.status === 200 ? body.code : undefined,
  };
}

async function upload(url: string, rows: number) {
  const csv = Array.from({ length: rows }, (_, i) => `FULL${String(i).padStart(8, '0')}`).join('\n');
  const { body, contentType } = multipart(
    { customerIdentifier: 'NOT_TAGGED', customerIdentifierColumn: '0' },
    { content: csv },
  );
  const r = await fetch(`${url}/coupon/api/v1/upload/file/${seriesId}`, {
    method: 'POST',
    headers: { authorization: t.client.basic, 'content-type': contentType },
    body,
  });
  return { status: r.status, body: (await r.json()) as any };
}

describe('a full disk under the data folder (SQLite)', () => {
  it.skipIf(!mount.ok)(
    'answers 507 to the request that met it, stays up with an intact database, and recovers when space is freed',
    async () => {
      const url = server!.url;
      const answers: Answer[] = [];
      for (let i = 0; i < 20; i++) answers.push(await issue(url));
      expect(answers.every((a) => a.status === 200)).toBe(true);

      const filled = fill();
      // Writes until the database has to grow: SQLite reuses free pages and WAL frames first.
      const whileFull: Answer[] = [];
      const writer = async () => {
        while (whileFull.filter((a) => a.status === 507).length < 10 && whileFull.length < 3000)
          whileFull.push(await issue(url));
      };
      await Promise.all(Array.from({ length: 6 }, writer));
      answers.push(...whileFull);
      if (process.env.DISK_FULL_DEBUG) console.log(whileFull.map((a) => a.status).join(' '));
      const t0 = Date.now();
      const up = await upload(url, 40_000); // ~520 kB: cannot be stored
      const uploadMs = Date.now() - t0;
      const health = await fetch(`${url}/health`);
      const read = await fetch(`${url}/v2/coupon/series`, { headers: { authorization: t.client.basic } });
      const tmpLeft = fs.existsSync(path.join(dataDir, 'uploads', 'tmp'))
        ? fs.readdirSync(path.join(dataDir, 'uploads', 'tmp'))
        : [];
      const byStatus: Record<string, number> = {};
      for (const a of whileFull) byStatus[a.status] = (byStatus[a.status] ?? 0) + 1;
      console.log(
        `filled ${(filled / 1048576).toFixed(1)} MB; issues while full by status ${JSON.stringify(byStatus)};` +
          ` upload ${up.status} in ${uploadMs} ms ${JSON.stringify(up.body).slice(0, 160)}; /health ${health.status}; read ${read.status};` +
          ` temporary upload files left: ${tmpLeft.length}`,
      );
      expect(whileFull.filter((a) => a.status !== 200 && a.status !== 507)).toEqual([]);
      expect(whileFull.filter((a) => a.status === 507).length).toBeGreaterThan(0);
      for (const a of whileFull.filter((x) => x.status === 507))
        expect(a.reason).toBe('INSUFFICIENT_STORAGE');
      expect(up.status).toBe(507);
      expect(uploadMs).toBeLessThan(10_000);
      expect(tmpLeft).toEqual([]);
      expect(health.status).toBe(200);
      expect(read.status).toBe(200);
      const db = t.app.engine.kysely;
      const integrity = await sql<{ integrity_check: string }>`pragma integrity_check`.execute(db);
      expect(integrity.rows[0]?.integrity_check).toBe('ok');

      // Space comes back: the same server serves writes and uploads again.
      fs.rmSync(filler);
      const after: Answer[] = [];
      for (let i = 0; i < 20; i++) after.push(await issue(url));
      answers.push(...after);
      expect(after.map((a) => a.status)).toEqual(after.map(() => 200));
      const up2 = await upload(url, 1000);
      expect(up2.status, JSON.stringify(up2.body)).toBe(200);
      console.log(
        `after freeing: 20 issues answered ${JSON.stringify([...new Set(after.map((a) => a.status))])}, upload ${up2.status}`,
      );

      // Every answered issue is in the database; no refused one left a customer behind.
      const codes = new Set(
        (
          await sql<{ code: string }>`select code from coupon where series_id = ${seriesId}`.execute(db)
        ).rows.map((r) => r.code),
      );
      const ok = answers.filter((a) => a.status === 200);
      expect(ok.filter((a) => !codes.has(a.code!))).toEqual([]);
      const refused = answers.filter((a) => a.status === 507).map((a) => a.mobile);
      const leftovers = (
        await sql<{
          mobile: string;
        }>`select mobile from customer where mobile in (${sql.join(refused)})`.execute(db)
      ).rows;
      expect(leftovers).toEqual([]);
      const report = await checkInvariants(db, t.client.orgId);
      console.log(`  invariants: ${report.checked.length} checked, ${report.violations.length} violations`);
      expect(report.violations).toEqual([]);
      expect(server!.child.exitCode).toBeNull();
    },
  );

  it.skipIf(!mount.ok)(
    'ends an upload job that meets the full disk as ERRORED with a message, and the server goes on',
    async () => {
      // The file is accepted while there is room, by a server without a worker; then the disk fills, all
      // but a little (room for small transactions, not for the job's rows), and a server with a worker runs it.
      await server!.stop();
      const front = await spawnServer({ ...RACE_ENV, COUPOND_DATA_DIR: dataDir, COUPOND_WORKER: 'off' });
      const up = await upload(front.url, 60_000);
      expect(up.status, JSON.stringify(up.body)).toBe(200);
      const jobId = up.body.result.uploadJobStatuses[0].jobId;
      await front.stop();
      fill();
      const fd = fs.openSync(filler, 'r+');
      fs.ftruncateSync(fd, fs.fstatSync(fd).size - 384 * 1024);
      fs.closeSync(fd);
      server = await spawnServer({ ...RACE_ENV, COUPOND_DATA_DIR: dataDir, COUPOND_WORKER: 'on' });
      const job = await waitForJob(t, seriesId, jobId, 'codes', 120_000);
      console.log(
        `upload job under a full disk: ${job.uploadStatus}, ${job.actualRowCount} rows done: ${job.errorMessage}`,
      );
      expect(job.uploadStatus).toBe('ERRORED');
      expect(job.errorMessage).toContain('the disk is full');
      expect((await fetch(`${server.url}/health`)).status).toBe(200);
      const db = t.app.engine.kysely;
      const integrity = await sql<{ integrity_check: string }>`pragma integrity_check`.execute(db);
      expect(integrity.rows[0]?.integrity_check).toBe('ok');
      const report = await checkInvariants(db, t.client.orgId);
      expect(report.violations).toEqual([]);
      fs.rmSync(filler);
    },
  );
});
