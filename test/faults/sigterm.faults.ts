// SIGTERM under load (docs/reliability.md "SIGTERM under load"), on the suite's database (SQLite, or
// PostgreSQL with TEST_DATABASE_URL): six callers issue and redeem while an upload job runs; the server gets
// SIGTERM. Every request it had started is answered (none cut off), it exits 0, nothing that was answered
// 200 is lost, and the interrupted job is finished by the next server.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seriesBody } from '../support/factories.js';
import { spawnServer, type ServerProcess } from '../support/spawn-server.js';
import { dialectName } from '../support/test-database.js';
import { multipart } from '../support/upload-helpers.js';
import { audit, buildWorld, figures, startTraffic, type FaultWorld } from './support/harness.js';

const ROWS = 40_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe(`SIGTERM under load (${dialectName})`, () => {
  let world: FaultWorld;
  const servers: ServerProcess[] = [];
  beforeAll(async () => {
    world = await buildWorld();
  });
  afterAll(async () => {
    for (const s of servers) await s.stop();
    await world?.close();
  });

  it('answers every request it started, exits 0, loses nothing, and the job resumes on the next server', async () => {
    const t = world.t;
    const series = await t.post('/v2/coupon/series', seriesBody({ description: 'sigterm upload' }));
    expect(series.status, series.text).toBe(200);
    const uploadSeries = Number(series.body.id);

    const first = await spawnServer(world.env);
    servers.push(first);
    const traffic = startTraffic(world, first.url, { callers: 6 });
    await sleep(1500);
    const codes = Array.from({ length: ROWS }, (_, i) => `ST${uploadSeries}X${String(i).padStart(6, '0')}`);
    const form = multipart(
      { customerIdentifier: 'NOT_TAGGED', customerIdentifierColumn: '0' },
      { content: `${codes.join('\n')}\n`, name: 'sigterm.csv' },
    );
    const posted = await fetch(`${first.url}/coupon/api/v1/upload/file/${uploadSeries}`, {
      method: 'POST',
      headers: { authorization: t.client.basic, 'content-type': form.contentType },
      body: form.body,
    });
    const answer = (await posted.json()) as any;
    expect(posted.status, JSON.stringify(answer)).toBe(200);
    const jobId = answer.result.uploadJobStatuses[0].jobId as number;
    await sleep(300);

    const termAt = Date.now();
    const code = await first.stop(); // SIGTERM, then wait for the exit
    const exitMs = Date.now() - termAt;
    await traffic.stop();

    // Requests started before the signal were all answered: none was cut off.
    const startedBefore = traffic.answers.filter((a) => a.at - a.ms < termAt);
    const cutOff = startedBefore.filter((a) => a.status === 0);
    const after = traffic.answers.filter((a) => a.at - a.ms >= termAt);
    expect(code, first.output().slice(-2000)).toBe(0);
    expect(cutOff, JSON.stringify(traffic.counts())).toEqual([]);
    expect(traffic.answers.filter((a) => a.status === 500)).toEqual([]);
    const report = await audit(world, traffic);
    expect(report.problems).toEqual([]);

    const db = t.app.engine.kysely;
    const jobAt = async () =>
      (
        await sql<{ status: string; rows_done: number }>`
          select status, rows_done from upload_job where org_id = ${t.client.orgId} and id = ${jobId}`.execute(
          db,
        )
      ).rows[0]!;
    const atStop = await jobAt();

    // The next server finishes the job (handed back to the queue at the stop, or claimed once its lease ends).
    const second = await spawnServer(world.env);
    servers.push(second);
    let done = await jobAt();
    for (let i = 0; i < 1200 && done.status !== 'finished' && done.status !== 'failed'; i++) {
      await sleep(100);
      done = await jobAt();
    }
    const stored = (
      await sql<{ n: number }>`select count(*) as n from coupon where org_id = ${t.client.orgId}
        and series_id = ${uploadSeries}`.execute(db)
    ).rows[0]!;
    console.log(
      figures(`SIGTERM under load (${dialectName})`, traffic, {
        exitCode: code,
        exitMs,
        startedBeforeAnsweredAfterSignal: startedBefore.filter((a) => a.at >= termAt).length,
        startedAfterSignal: after.length,
        jobAtStop: atStop,
        jobAfter: done.status,
        uploaded: Number(stored.n),
      }),
    );
    expect(done.status).toBe('finished');
    expect(Number(stored.n)).toBe(ROWS);
    const final = await audit(world, traffic);
    expect(final.problems).toEqual([]);
  });
});
