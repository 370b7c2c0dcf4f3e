// Crash test (issue 8, docs/api.md §10 durability): a server is killed with SIGKILL in the middle of a
// 100,000-row NOT_TAGGED upload; the server restarted on the same database takes its job back at once (not
// after the lease), or another server takes it over once the lease runs out, and finishes it with every row applied exactly once: the series holds exactly the file's codes, the
// job's counts and the success file say 100,000, and every counter equals its rows.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../support/build-test-app.js';
import { seriesBody } from '../support/factories.js';
import { checkInvariants } from '../support/invariants.js';
import { spawnServer, type ServerProcess } from '../support/spawn-server.js';
import { dialectName } from '../support/test-database.js';
import { multipart } from '../support/upload-helpers.js';
import { RACE_ENV } from '../race/world.js';

const ROWS = 100_000;

let t: TestApp;
const servers: ServerProcess[] = [];

beforeAll(async () => {
  t = await buildTestApp({ env: RACE_ENV });
});
afterAll(async () => {
  await Promise.all(servers.map((s) => s.stop()));
  await t?.close();
});

async function get(
  server: ServerProcess,
  path: string,
): Promise<{ status: number; body: any; text: string }> {
  const r = await fetch(`${server.url}${path}`, { headers: { authorization: t.client.basic } });
  const text = await r.text();
  let body: any;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: r.status, body, text };
}

/**
 * Who resumes the job (issue 15): the same server restarted (the same COUPOND_WORKER_ID; in production
 * host name, HOST and PORT) knows the lease is its own and takes the job back at once; another server waits for the dead
 * one's lease (COUPOND_JOB_LEASE_SECONDS) to run out, and no longer.
 */
const LEASE_SECONDS = 4;
const CASES: {
  who: string;
  first: Record<string, string>;
  second: Record<string, string>;
  alreadyRunning?: boolean;
  withinMs: number;
}[] = [
  {
    who: 'the same server restarted',
    first: { COUPOND_WORKER_ID: `crash-upload-${process.pid}` },
    second: { COUPOND_WORKER_ID: `crash-upload-${process.pid}` },
    withinMs: 5_000,
  },
  {
    who: 'another server',
    first: { COUPOND_WORKER_ID: `crash-a-${process.pid}`, COUPOND_JOB_LEASE_SECONDS: String(LEASE_SECONDS) },
    second: { COUPOND_WORKER_ID: `crash-b-${process.pid}`, COUPOND_JOB_LEASE_SECONDS: String(LEASE_SECONDS) },
    // Up and idle before the kill, as in a fleet: timed from the kill.
    alreadyRunning: true,
    withinMs: LEASE_SECONDS * 1000 + 3_000,
  },
];

describe(`kill -9 during a ${ROWS.toLocaleString('en')}-row upload (${dialectName})`, () => {
  it.each(CASES)(
    'is resumed by $who and finished with every row applied exactly once',
    async (c) => {
      const series = await t.post(
        '/v2/coupon/series',
        seriesBody({ description: 'crash upload', discountValue: 1 }),
      );
      expect(series.status, series.text).toBe(200);
      const seriesId = series.body.id as number;
      const codes = Array.from({ length: ROWS }, (_, i) => `CU${seriesId}X${String(i).padStart(6, '0')}`);
      const form = multipart(
        { customerIdentifier: 'NOT_TAGGED', customerIdentifierColumn: '0' },
        { content: `${codes.join('\n')}\n`, name: 'crash.csv' },
      );

      const started = await spawnServer({ ...t.db.env, ...RACE_ENV, ...c.first });
      servers.push(started);
      const early = c.alreadyRunning
        ? await spawnServer({ ...t.db.env, ...RACE_ENV, ...c.second })
        : undefined;
      if (early) servers.push(early);
      const posted = await fetch(`${started.url}/coupon/api/v1/upload/file/${seriesId}`, {
        method: 'POST',
        headers: { authorization: t.client.basic, 'content-type': form.contentType },
        body: form.body,
      });
      const answer = (await posted.json()) as any;
      expect(posted.status, JSON.stringify(answer)).toBe(200);
      const jobId = answer.result.uploadJobStatuses[0].jobId as number;

      // Kill at the first checkpoint the job reports: some rows applied, most not.
      let atKill: any;
      for (;;) {
        const s = await get(started, `/coupon/api/v1/upload/getUploadStatus/${seriesId}`);
        atKill = s.body.result.uploadJobStatuses.find((j: any) => j.jobId === jobId);
        if (atKill.actualRowCount > 0 || atKill.uploadStatus !== 'STARTED') break;
        await new Promise((r) => setTimeout(r, 5));
      }
      // With two servers up, either may have claimed the job: the one holding its lease is killed.
      const holder = (
        await sql<{
          lease_owner: string | null;
        }>`select lease_owner from job where org_id = ${t.client.orgId} order by id desc limit 1`.execute(
          t.app.engine.kysely,
        )
      ).rows[0]?.lease_owner;
      const first = early && holder?.startsWith(`${c.second.COUPOND_WORKER_ID}#`) ? early : started;
      const other = first === early ? started : early;
      await first.kill();
      const killedAt = Date.now();
      expect(atKill.uploadStatus, 'the job ended before the kill: nothing was interrupted').toBe('STARTED');
      const db = t.app.engine.kysely;
      const count = async () =>
        Number(
          (
            await sql<{
              n: unknown;
            }>`select count(*) as n from coupon where org_id = ${t.client.orgId} and series_id = ${seriesId}`.execute(
              db,
            )
          ).rows[0]!.n,
        );
      const job = async () =>
        (
          await sql<{
            rows_done: unknown;
            status: string;
          }>`select rows_done, status from upload_job where org_id = ${t.client.orgId} and id = ${jobId}`.execute(
            db,
          )
        ).rows[0]!;
      const appliedAtKill = await count();
      const checkpoint = Number((await job()).rows_done);
      expect(appliedAtKill, 'rows applied = the checkpoint committed with them').toBe(checkpoint);
      expect(appliedAtKill).toBeLessThan(ROWS);

      const second = other ?? (await spawnServer({ ...t.db.env, ...RACE_ENV, ...c.second }));
      if (!other) servers.push(second);
      const restarted = other ? killedAt : Date.now();
      let resumedMs: number | undefined;
      while (resumedMs === undefined && Date.now() - restarted < 90_000) {
        if ((await count()) > appliedAtKill || (await job()).status !== 'running')
          resumedMs = Date.now() - restarted;
        else await new Promise((r) => setTimeout(r, 50));
      }
      expect(resumedMs, `${c.who} resumed the job`).toBeDefined();
      expect(resumedMs!, `${c.who} resumed the job within ${c.withinMs} ms`).toBeLessThan(c.withinMs);
      let done: any;
      const deadline = Date.now() + 300_000;
      for (;;) {
        const s = await get(second, `/coupon/api/v1/upload/getUploadStatus/${seriesId}`);
        done = s.body.result.uploadJobStatuses.find((j: any) => j.jobId === jobId);
        if (done.uploadStatus !== 'STARTED') break;
        if (Date.now() > deadline) throw new Error(`the job did not finish: ${JSON.stringify(done)}`);
        await new Promise((r) => setTimeout(r, 200));
      }
      expect(done).toMatchObject({
        uploadStatus: 'FINISHED',
        totalUploadedCount: ROWS,
        actualRowCount: ROWS,
        errorCount: 0,
      });

      const stored = (
        await sql<{
          code: string;
        }>`select code from coupon where org_id = ${t.client.orgId} and series_id = ${seriesId} order by code`.execute(
          db,
        )
      ).rows.map((r) => r.code);
      expect(stored.length).toBe(ROWS);
      expect(stored).toEqual([...codes].sort());
      const counters = (await get(second, `/v2/coupon/series?ids=${seriesId}`)).body.entity[0];
      expect(counters).toMatchObject({ numUploadedTotal: ROWS, numUploadedNonIssued: ROWS, numIssued: 0 });
      if (done.errorFileUrl) {
        const errors = await get(second, done.errorFileUrl);
        expect(
          errors.text.split('\n').filter(Boolean).length,
          'the error file has no row',
        ).toBeLessThanOrEqual(1);
      }
      if (done.successFileUrl) {
        const success = await get(second, done.successFileUrl);
        expect(success.status).toBe(200);
        expect(
          success.text.split('\n').filter(Boolean),
          'the success file lists each row once, in order',
        ).toEqual(codes);
      }
      const attempts = Number(
        (
          await sql<{
            attempts: unknown;
          }>`select attempts from job where org_id = ${t.client.orgId} order by id desc limit 1`.execute(db)
        ).rows[0]!.attempts,
      );
      const report = await checkInvariants(db, t.client.orgId);
      expect(report.violations).toEqual([]);
      console.log(
        `crash (upload): ${dialectName}, kill -9 at ${appliedAtKill.toLocaleString('en')} of ${ROWS.toLocaleString('en')} rows; ${c.who} resumed it ${resumedMs} ms after ${other ? 'the kill' : 'it was up'} and finished it (${attempts} claims): ${stored.length.toLocaleString('en')} coupons, counts ${done.totalUploadedCount}/${done.actualRowCount}/${done.errorCount}; ${report.checked.length} invariants checked, 0 failures`,
      );
    },
    600_000,
  );
});
