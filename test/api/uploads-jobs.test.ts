// The durable job system behind uploads (docs/api.md §10): a job stopped mid-way or abandoned by a dead worker
// resumes with every row applied exactly once; two workers never run the same job; the worker refuses to
// start on a job kind it has no handler for; a 100,000-row upload finishes with exact counts.
import fs from 'node:fs';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type App } from '../../src/app.js';
import type { Handlers } from '../../src/jobs/handlers.js';
import type { JobHandler } from '../../src/jobs/job.js';
import { createWorker, type Worker, type WorkerOptions } from '../../src/jobs/worker.js';
import { createJobStore } from '../../src/storage/job-store.js';
import { buildTestApp, type TestApp } from '../support/build-test-app.js';
import { createSeries } from '../support/factories.js';
import { download, uploadCodes, waitForJob } from '../support/upload-helpers.js';

let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp(); // no worker in the app: each test runs its own
});
afterAll(async () => t.close());

const workerOf = (app: App, options: WorkerOptions = {}): Worker =>
  createWorker(
    { engine: app.engine, services: app.services, logger: app.logger },
    { idleMs: 20, ...options },
  );

const series = async (): Promise<number> =>
  (await createSeries(t, { description: 'jobs', discountValue: 5 })).id;

async function count(query: ReturnType<typeof sql<{ n: number }>>, app: App = t.app): Promise<number> {
  return Number((await query.execute(app.engine.kysely)).rows[0]!.n);
}
const couponsOf = (jobId: number) =>
  count(sql<{ n: number }>`select count(*) as n from coupon where upload_job_id = ${jobId}`);
const jobRow = async (jobId: number) =>
  (
    await sql<any>`select status, attempts, lease_owner from job where payload = ${JSON.stringify({ uploadJobId: jobId })}`.execute(
      t.app.engine.kysely,
    )
  ).rows[0];

/** A NOT_TAGGED file of `n` rows: unique codes, with one code twice (rows 100 and n-100) and a malformed row every 400. */
function codesFile(prefix: string, n: number): { csv: string; good: number; errors: number } {
  const lines = ['code'];
  let errors = 0;
  for (let i = 0; i < n; i++) {
    if (i === 100 || i === n - 100) {
      lines.push(`${prefix}DUP`);
      errors++;
    } else if (i % 400 === 399) {
      lines.push('not a code');
      errors++;
    } else lines.push(`${prefix}${i}`);
  }
  return { csv: `${lines.join('\n')}\n`, good: n - errors, errors };
}

async function until(what: () => boolean | Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await what())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Every line of a result file once: no row was written twice. */
async function expectExactFiles(job: any, good: number, errors: number): Promise<void> {
  const e = (await download(t, job.errorFileUrl)).lines;
  const s = (await download(t, job.successFileUrl)).lines;
  expect(e).toHaveLength(errors + 1);
  expect(s).toHaveLength(good + 1);
  expect(new Set(s).size).toBe(s.length);
  expect(e.filter((l) => l.includes('DUP'))).toHaveLength(2);
}

describe('resuming', () => {
  it('stops after a checkpoint, shows the progress, and a new worker finishes with every row applied once', async () => {
    const seriesId = await series();
    const file = codesFile('RS', 3000);
    const job = await uploadCodes(t, seriesId, file.csv);
    let stopping: Promise<void> | undefined;
    const a: Worker = workerOf(t.app, {
      batchSizes: { pool: 500 },
      onProgress: () => {
        stopping ??= a.stop();
      },
    });
    await a.start();
    await until(() => stopping !== undefined);
    await stopping;
    const mid = (await t.get(`/coupon/api/v1/upload/getUploadStatus/${seriesId}`)).body.result
      .uploadJobStatuses[0];
    expect(mid).toMatchObject({ uploadStatus: 'STARTED', actualRowCount: 500, totalUploadedCount: 3000 });
    expect(mid.errorCount).toBeGreaterThan(0);
    expect(await couponsOf(job.jobId)).toBe(500 - mid.errorCount);
    expect(await jobRow(job.jobId)).toMatchObject({ status: 'queued', lease_owner: null });

    const b = workerOf(t.app, { batchSizes: { pool: 700 } });
    await b.start();
    const done = await waitForJob(t, seriesId, job.jobId);
    await b.stop();
    expect(done).toMatchObject({
      uploadStatus: 'FINISHED',
      totalUploadedCount: 3000,
      actualRowCount: 3000,
      errorCount: file.errors,
    });
    expect(await couponsOf(job.jobId)).toBe(file.good);
    await expectExactFiles(done, file.good, file.errors);
    expect(await jobRow(job.jobId)).toMatchObject({ status: 'done' });
  });

  it('takes over the job of a worker that died once its lease runs out, cutting unfinished result lines', async () => {
    const seriesId = await series();
    const file = codesFile('CR', 2000);
    const job = await uploadCodes(t, seriesId, file.csv);
    let dying: Promise<void> | undefined;
    const a: Worker = workerOf(t.app, {
      leaseMs: 500,
      batchSizes: { pool: 400 },
      onProgress: () => {
        dying ??= a.stop({ release: false }); // as if the process died: the lease is left to run out
      },
    });
    await a.start();
    await until(() => dying !== undefined);
    await dying;
    expect(await jobRow(job.jobId)).toMatchObject({ status: 'running', lease_owner: a.owner });
    // Result lines are written in the transaction of their batch's checkpoint (in the database, where every
    // server reads them): what is stored is exactly what the checkpoint committed, nothing to cut off.
    const stored = await sql<{
      name: string;
      bytes: number;
    }>`select name, sum(length(data)) as bytes from file_part
      where org_id = ${t.client.orgId} and name like ${'results/%'} group by name`.execute(
      t.app.engine.kysely,
    );
    const committed = await sql<{
      e: number;
      s: number;
    }>`select error_file_bytes as e, success_file_bytes as s
      from upload_job where org_id = ${t.client.orgId} and id = ${job.jobId}`.execute(t.app.engine.kysely);
    const byName = new Map(stored.rows.map((r) => [r.name, Number(r.bytes)]));
    expect(byName.get(`results/${t.client.orgId}/error_${job.jobId}.csv`) ?? 0).toBe(
      Number(committed.rows[0]!.e),
    );
    expect(byName.get(`results/${t.client.orgId}/success_${job.jobId}.csv`) ?? 0).toBe(
      Number(committed.rows[0]!.s),
    );
    expect(Number(committed.rows[0]!.s)).toBeGreaterThan(0);

    const b = workerOf(t.app, { batchSizes: { pool: 300 } });
    const started = Date.now();
    await b.start();
    const done = await waitForJob(t, seriesId, job.jobId);
    await b.stop();
    expect(Date.now() - started).toBeGreaterThanOrEqual(200);
    expect(done).toMatchObject({ uploadStatus: 'FINISHED', actualRowCount: 2000, errorCount: file.errors });
    expect(await couponsOf(job.jobId)).toBe(file.good);
    await expectExactFiles(done, file.good, file.errors);
    expect((await download(t, done.successFileUrl)).text).not.toContain('UNCOMMITTED');
    expect(await jobRow(job.jobId)).toMatchObject({ status: 'done', attempts: 2 });
  });
});

describe('claiming', () => {
  it('never lets two workers (on two app instances sharing the database) run the same job', async () => {
    const second = await buildApp(t.app.config);
    try {
      const seriesId = await series();
      const file = codesFile('TW', 4000);
      const owners = new Set<string>();
      const racers = [t.app, second].map((app, i) =>
        workerOf(app, {
          idleMs: 5,
          owner: `racer-${i}`,
          batchSizes: { pool: 250 },
          onProgress: () => owners.add(`racer-${i}`),
        }),
      );
      await Promise.all(racers.map((w) => w.start()));
      const job = await uploadCodes(t, seriesId, file.csv);
      const done = await waitForJob(t, seriesId, job.jobId);
      await Promise.all(racers.map((w) => w.stop()));
      expect(owners.size).toBe(1);
      expect(done).toMatchObject({ actualRowCount: 4000, errorCount: file.errors });
      expect(await couponsOf(job.jobId)).toBe(file.good);
    } finally {
      await second.close();
    }
  });

  it('hands one job to exactly one of many workers claiming at the same moment', async () => {
    const runs: number[] = [];
    const slow: JobHandler<unknown> = {
      parse: (p) => p,
      run: async (_p, ctx) => {
        runs.push(ctx.jobId);
        await new Promise((r) => setTimeout(r, 100));
        return 'done';
      },
      failed: async () => undefined,
    };
    const handlers = { 'import-codes': slow, 'import-redemptions': slow } as unknown as Handlers;
    const jobs = createJobStore(t.app.engine);
    const id = await t.app.engine.run(
      () =>
        jobs.enqueue({
          org: t.client.orgId,
          kind: 'import-codes',
          payload: '{}',
          runAfter: 0,
          now: Date.now(),
        }),
      { write: true },
    );
    const workers = Array.from({ length: 6 }, (_, i) =>
      createWorker(
        { engine: t.app.engine, services: t.app.services, logger: t.app.logger, handlers },
        { owner: `w${i}` },
      ),
    );
    const ran = await Promise.all(workers.map((w) => w.runOnce()));
    expect(ran.filter(Boolean)).toHaveLength(1);
    expect(runs).toEqual([id]);
    expect((await t.app.engine.run(() => jobs.find(t.client.orgId, id)))?.status).toBe('done');
  });

  it('hands a job cut by a lost database connection back to the queue without counting an attempt', async () => {
    let calls = 0;
    const flaky: JobHandler<unknown> = {
      parse: (p) => p,
      run: async () => {
        if (++calls === 1) {
          // What node-postgres throws when pg_terminate_backend or a restart cuts the connection.
          throw Object.assign(new Error('terminating connection due to administrator command'), {
            code: '57P01',
          });
        }
        return 'done';
      },
      failed: async () => undefined,
    };
    const handlers = { 'import-codes': flaky, 'import-redemptions': flaky } as unknown as Handlers;
    const jobs = createJobStore(t.app.engine);
    const id = await t.app.engine.run(
      () =>
        jobs.enqueue({
          org: t.client.orgId,
          kind: 'import-codes',
          payload: '{}',
          runAfter: 0,
          now: Date.now(),
        }),
      { write: true },
    );
    const worker = createWorker({
      engine: t.app.engine,
      services: t.app.services,
      logger: t.app.logger,
      handlers,
    });
    expect(await worker.runOnce()).toBe(true);
    const row = (
      await sql<any>`select status, attempts, run_after from job where id = ${id}`.execute(
        t.app.engine.kysely,
      )
    ).rows[0];
    expect(row.status).toBe('queued');
    expect(Number(row.attempts)).toBe(0); // not an attempt: the database failed, not the job
    expect(Number(row.run_after)).toBeLessThanOrEqual(Date.now()); // runnable again at once
    expect(await worker.runOnce()).toBe(true);
    expect((await t.app.engine.run(() => jobs.find(t.client.orgId, id)))?.status).toBe('done');
  });

  it('refuses to start when the job table holds a kind without a handler', async () => {
    const other = await buildTestApp();
    try {
      const jobs = createJobStore(other.app.engine);
      await other.app.engine.run(
        () =>
          jobs.enqueue({
            org: other.client.orgId,
            kind: 'sms-outbox',
            payload: '{}',
            runAfter: 0,
            now: Date.now(),
          }),
        { write: true },
      );
      await expect(workerOf(other.app).start()).rejects.toThrow(/without a handler: sms-outbox/);
      await expect(buildApp({ ...other.app.config, runWorker: true })).rejects.toThrow(/sms-outbox/);
    } finally {
      await other.close();
    }
  });
});

describe('failures', () => {
  it('marks an upload ERRORED when its file is gone, without retrying', async () => {
    const seriesId = await series();
    const job = await uploadCodes(t, seriesId, 'GONE1\nGONE2\n');
    fs.rmSync(path.join(t.db.dataDir, 'uploads', String(t.client.orgId), job.uploadedFileUrl));
    await sql`delete from file_part where org_id = ${t.client.orgId} and name = ${`uploads/${t.client.orgId}/${job.uploadedFileUrl}`}`.execute(
      t.app.engine.kysely,
    );
    const w = workerOf(t.app);
    expect(await w.runOnce()).toBe(true);
    const after = (await t.get(`/coupon/api/v1/upload/getUploadStatus/${seriesId}`)).body.result
      .uploadJobStatuses[0];
    expect(after.uploadStatus).toBe('ERRORED');
    expect(after.errorMessage).toBe('the uploaded file is missing');
    expect(job.errorMessage).toBeNull();
    expect(await jobRow(job.jobId)).toMatchObject({ status: 'failed' });
  });
});

describe('volume', () => {
  it('finishes a 100,000-row NOT_TAGGED upload with exact counts', async () => {
    const app = await buildTestApp({ env: { COUPOND_WORKER: 'on' } });
    try {
      const s = await createSeries(app, { description: 'big', discountValue: 1 });
      const file = codesFile('BIG', 100_000);
      const job = await uploadCodes(app, s.id, file.csv);
      const done = await waitForJob(app, s.id, job.jobId, 'codes', 300_000);
      expect(done).toMatchObject({
        uploadStatus: 'FINISHED',
        totalUploadedCount: 100_000,
        actualRowCount: 100_000,
        errorCount: file.errors,
      });
      const read = (await app.get(`/v2/coupon/series?ids=${s.id}`)).body.entity[0];
      expect(read).toMatchObject({ numUploadedTotal: file.good, numUploadedNonIssued: file.good });
      expect(
        await count(
          sql<{ n: number }>`select count(*) as n from coupon where upload_job_id = ${job.jobId}`,
          app.app,
        ),
      ).toBe(file.good);
      expect((await download(app, done.errorFileUrl)).lines).toHaveLength(file.errors + 1);
      if (app.app.engine.dialect === 'postgres') {
        // The job refreshed the planner's statistics as the table grew (manual ANALYZE: autovacuum's own
        // runs count elsewhere, and it may be off).
        const analyzed = sql<{
          n: number;
        }>`select analyze_count as n from pg_stat_user_tables where schemaname = current_schema() and relname = 'coupon'`;
        expect(await count(analyzed, app.app)).toBeGreaterThan(0);
      }
    } finally {
      await app.close();
    }
  }, 300_000);
});
