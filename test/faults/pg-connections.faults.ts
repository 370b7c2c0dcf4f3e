// PostgreSQL faults (docs/reliability.md "PostgreSQL faults"): a real `coupond serve` on a private cluster,
// six callers issuing, redeeming and reading, while the cluster's connections are cut (pg_terminate_backend
// on every connection coupond holds, several times), the cluster restarts, stops and starts again, idle
// connections are cut, and a lock held by another session outlasts the statement timeout. After each: the
// server is up, no answer was a 500 or missing, what answered 200 is in the database, the counters hold.
// Runs with TEST_DATABASE_URL (the PostgreSQL run of the suite); the cluster is private either way.
import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seriesBody } from '../support/factories.js';
import { spawnServer, type ServerProcess } from '../support/spawn-server.js';
import { onPostgres } from '../support/test-database.js';
import { multipart } from '../support/upload-helpers.js';
import {
  audit,
  buildWorld,
  figures,
  startTraffic,
  type FaultWorld,
  type Traffic,
} from './support/harness.js';
import { privateClusterUnsupported, startPrivateCluster, type PgCluster } from './support/pg-cluster.js';

const STATEMENT_TIMEOUT_MS = 1500;
const ACQUIRE_TIMEOUT_MS = 1000;
const SCHEMA = 'coupond';
const UPLOAD_ROWS = 60_000;

const unsupported = !onPostgres
  ? 'TEST_DATABASE_URL is not set (the SQLite run)'
  : privateClusterUnsupported();
if (unsupported) console.log(`[faults] PostgreSQL connection faults skipped: ${unsupported}`);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(unsupported !== undefined)(
  'PostgreSQL connection faults under traffic (private cluster)',
  () => {
    let cluster: PgCluster;
    let world: FaultWorld;
    let server: ServerProcess;
    let traffic: Traffic | undefined;

    beforeAll(async () => {
      cluster = await startPrivateCluster();
      world = await buildWorld({ DATABASE_URL: cluster.url, DATABASE_SCHEMA: SCHEMA });
      server = await spawnServer({
        ...world.env,
        COUPOND_STATEMENT_TIMEOUT_MS: String(STATEMENT_TIMEOUT_MS),
        COUPOND_DB_ACQUIRE_TIMEOUT_MS: String(ACQUIRE_TIMEOUT_MS),
        DATABASE_POOL_SIZE: '8',
      });
    });
    afterAll(async () => {
      await traffic?.stop();
      await server?.stop();
      await world?.close().catch(() => undefined);
      await cluster?.destroy();
    });

    const alive = () => {
      expect(server.child.exitCode, `the server exited:\n${server.output().slice(-3000)}`).toBeNull();
    };

    /** The checks after every fault. */
    const afterFault = async (t: Traffic, title: string, extra: Record<string, unknown>) => {
      alive();
      const report = await audit(world, t);
      console.log(
        figures(title, t, {
          ...extra,
          issued: report.issued,
          redeemed: report.redeemed,
          couponsNobodyWasToldOf: report.unanswered,
        }),
      );
      const logged = server
        .output()
        .split('\n')
        .filter((l) => l.includes('unhandled error'))
        .slice(0, 3)
        .join('\n');
      expect(t.bad(), `500s or requests without an answer: ${JSON.stringify(t.counts())}\n${logged}`).toEqual(
        [],
      );
      expect(report.problems).toEqual([]);
      expect(t.counts()['200'] ?? 0).toBeGreaterThan(0);
    };

    /** Uploads UPLOAD_ROWS codes to a series of their own; `finished` waits for the job's end. */
    const startUpload = async (url: string) => {
      const series = await world.t.post('/v2/coupon/series', seriesBody({ description: 'faults upload' }));
      expect(series.status, series.text).toBe(200);
      const seriesId = Number(series.body.id);
      const codes = Array.from(
        { length: UPLOAD_ROWS },
        (_, i) => `PF${seriesId}X${String(i).padStart(6, '0')}`,
      );
      const form = multipart(
        { customerIdentifier: 'NOT_TAGGED', customerIdentifierColumn: '0' },
        { content: `${codes.join('\n')}\n`, name: 'faults.csv' },
      );
      const posted = await fetch(`${url}/coupon/api/v1/upload/file/${seriesId}`, {
        method: 'POST',
        headers: { authorization: world.t.client.basic, 'content-type': form.contentType },
        body: form.body,
      });
      const answer = (await posted.json()) as any;
      expect(posted.status, JSON.stringify(answer)).toBe(200);
      const jobId = Number(answer.result.uploadJobStatuses[0].jobId);
      const db = world.t.app.engine.kysely;
      const statusOf = async () =>
        (
          await sql<{ status: string }>`select status from upload_job where org_id = ${world.t.client.orgId}
            and id = ${jobId}`.execute(db)
        ).rows[0]!.status;
      return {
        async running() {
          for (let i = 0; i < 300 && (await statusOf()) === 'queued'; i++) await sleep(20);
        },
        async finished() {
          const started = Date.now();
          let status = '';
          for (let i = 0; i < 600 && status !== 'finished' && status !== 'failed'; i++) {
            if (i > 0) await sleep(100);
            status = await statusOf();
          }
          const stored = (
            await sql<{ n: number }>`select count(*) as n from coupon where org_id = ${world.t.client.orgId}
            and series_id = ${seriesId}`.execute(db)
          ).rows[0]!;
          return { status, stored: Number(stored.n), waitedMs: Date.now() - started };
        },
      };
    };

    const listeners = async () =>
      Number(
        (
          await cluster.query<{ n: string }>(
            `select count(*) as n from pg_stat_activity where datname = $1 and query ilike 'listen%'`,
            [cluster.database],
          )
        )[0]!.n,
      );

    it('pg_terminate_backend on every connection, five times under traffic: no exit, no 500, nothing lost', async () => {
      const before = await listeners();
      expect(before).toBeGreaterThanOrEqual(2); // the server's and the in-process app's
      const t = (traffic = startTraffic(world, server.url, { callers: 6 }));
      // A background job runs through the cuts too: the worker's connections are cut with the rest.
      await sleep(1500);
      const job = await startUpload(server.url);
      await job.running(); // the first cut lands in the middle of the job
      let cut = 0;
      const rounds = 5;
      for (let i = 0; i < rounds; i++) {
        cut += await cluster.terminateAll();
        await sleep(800);
        alive();
      }
      const lastCut = Date.now();
      const recoveryMs = await t.firstSuccessAfter(lastCut, alive);
      await sleep(1500);
      await t.stop();
      traffic = undefined;
      // The LISTEN connections came back and LISTEN again.
      let back = await listeners();
      for (let i = 0; i < 50 && back < before; i++) {
        await sleep(200);
        back = await listeners();
      }
      expect(back, 'LISTEN connections after the cuts').toBe(before);
      const upload = await job.finished();
      await afterFault(t, 'pg_terminate_backend x5', {
        rounds,
        connectionsCut: cut,
        recoveryMs,
        listenersBack: `${back}/${before}`,
        upload,
        jobRunsCutAndQueuedAgain: server.output().split('database connection lost; queued again').length - 1,
      });
      expect(upload).toMatchObject({ status: 'finished', stored: UPLOAD_ROWS });
    });

    it('idle connections cut: the next requests succeed on fresh connections', async () => {
      // Fill the pool, let it go idle, cut everything (the LISTEN connections too), then call.
      const before = await listeners();
      const t = (traffic = startTraffic(world, server.url, { callers: 6 }));
      await sleep(1000);
      await t.stop();
      traffic = undefined;
      const cut = await cluster.terminateAll();
      const after = startTraffic(world, server.url, { callers: 6 });
      await sleep(1500);
      await after.stop();
      alive();
      const counts = after.counts();
      console.log(figures('idle connections cut', after, { connectionsCut: cut }));
      // Every one of them succeeded: a script on a connection cut while idle runs again on a fresh one.
      expect(Object.keys(counts), JSON.stringify(counts)).toEqual(['200']);
      const report = await audit(world, after);
      expect(report.problems).toEqual([]);
      // The LISTEN connections came back on their own, with nothing else happening.
      let back = await listeners();
      for (let i = 0; i < 50 && back < before; i++) {
        await sleep(200);
        back = await listeners();
      }
      expect(back, 'LISTEN connections after the cut').toBe(before);
    });

    it('the cluster restarts under traffic: 503s at most while it is away, then answers again', async () => {
      const t = (traffic = startTraffic(world, server.url, { callers: 6 }));
      await sleep(1500);
      const down = Date.now();
      await cluster.restart();
      const up = Date.now();
      const recoveryMs = await t.firstSuccessAfter(up, alive);
      await sleep(1500);
      await t.stop();
      traffic = undefined;
      await afterFault(t, 'pg_ctl restart', { restartMs: up - down, recoveryAfterUpMs: recoveryMs });
      expect(recoveryMs).toBeLessThan(5000);
    });

    it('the cluster stops: 503 DATABASE_UNAVAILABLE fast, /ready 503, /health 200; it starts: back within seconds', async () => {
      const t = (traffic = startTraffic(world, server.url, { callers: 6, pauseMs: 50 }));
      await sleep(1000);
      await cluster.stop();
      const stopped = Date.now();
      await sleep(3000);
      const ready = await fetch(`${server.url}/ready`);
      const health = await fetch(`${server.url}/health`);
      const start = Date.now();
      const issue = await fetch(`${server.url}/v2/coupon/issue`, {
        method: 'POST',
        headers: { authorization: world.t.client.basic, 'content-type': 'application/json' },
        body: JSON.stringify({ seriesId: world.seriesId, customer: { mobile: '9999900001' } }),
      });
      const issueMs = Date.now() - start;
      const body = (await issue.json()) as { errors: { code: number; reason: string }[] };
      expect(ready.status).toBe(503);
      expect(health.status).toBe(200);
      expect(issue.status).toBe(503);
      expect(issue.headers.get('retry-after')).toBe('1');
      expect(body.errors[0]).toMatchObject({ code: 503, reason: 'DATABASE_UNAVAILABLE' });
      expect(issueMs).toBeLessThan(ACQUIRE_TIMEOUT_MS + 2000);
      const whileDown = t.answers.filter((a) => a.at > stopped + 500);
      const slowestDownMs = Math.max(...whileDown.map((a) => a.ms));
      expect(whileDown.length).toBeGreaterThan(0);
      expect(whileDown.every((a) => a.status === 503)).toBe(true);
      expect(slowestDownMs).toBeLessThan(ACQUIRE_TIMEOUT_MS + 2000);
      await cluster.start();
      const up = Date.now();
      const recoveryMs = await t.firstSuccessAfter(up, alive);
      let readyAgain = (await fetch(`${server.url}/ready`)).status;
      for (let i = 0; i < 50 && readyAgain !== 200; i++) {
        await sleep(100);
        readyAgain = (await fetch(`${server.url}/ready`)).status;
      }
      expect(readyAgain).toBe(200);
      await sleep(1000);
      await t.stop();
      traffic = undefined;
      await afterFault(t, 'cluster stopped 3 s, then started', {
        downAnswers: whileDown.length,
        slowestAnswerWhileDownMs: slowestDownMs,
        recoveryAfterStartMs: recoveryMs,
      });
      expect(recoveryMs).toBeLessThan(5000);
    });

    it('a lock held past the statement timeout: 503 DATABASE_UNAVAILABLE, never a hang', async () => {
      const locker = new pg.Client({ connectionString: cluster.url });
      locker.on('error', () => undefined);
      await locker.connect();
      try {
        await locker.query('begin');
        await locker.query(`lock table "${SCHEMA}".coupon in exclusive mode`);
        const start = Date.now();
        const r = await fetch(`${server.url}/v2/coupon/issue`, {
          method: 'POST',
          headers: { authorization: world.t.client.basic, 'content-type': 'application/json' },
          body: JSON.stringify({ seriesId: world.seriesId, customer: { mobile: '9999900002' } }),
          signal: AbortSignal.timeout(30_000),
        });
        const ms = Date.now() - start;
        const body = (await r.json()) as { errors: { code: number; reason: string }[] };
        console.log(
          `[faults] lock held past COUPOND_STATEMENT_TIMEOUT_MS=${STATEMENT_TIMEOUT_MS}: ${r.status} in ${ms} ms`,
        );
        expect(r.status).toBe(503);
        expect(body.errors[0]).toMatchObject({ code: 503, reason: 'DATABASE_UNAVAILABLE' });
        expect(ms).toBeGreaterThanOrEqual(STATEMENT_TIMEOUT_MS - 100);
        expect(ms).toBeLessThan(STATEMENT_TIMEOUT_MS + 3000);
      } finally {
        await locker.query('rollback').catch(() => undefined);
        await locker.end();
      }
      const again = await fetch(`${server.url}/v2/coupon/issue`, {
        method: 'POST',
        headers: { authorization: world.t.client.basic, 'content-type': 'application/json' },
        body: JSON.stringify({ seriesId: world.seriesId, customer: { mobile: '9999900002' } }),
      });
      expect(again.status).toBe(200);
      world.told.add(((await again.json()) as { code: string }).code);
      alive();
    });
  },
);
