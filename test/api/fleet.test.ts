// A fleet that behaves as one (issue 17): two `coupond serve` processes that share nothing but the
// PostgreSQL database (each its own data folder, as on two machines). An upload accepted by one is
// processed by the other's worker, and every result file downloads from both; the failed-attempt throttles
// and the request rate limit count the requests of both servers together. SQLite is one machine's
// database (its file lives in the data folder): these tests need PostgreSQL and skip on SQLite.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSeries } from '../support/factories.js';
import { spawnServer, type ServerProcess } from '../support/spawn-server.js';
import { SYNC_MS } from '../../src/services/shared-windows.js';
import { basicOf, buildTestApp, type TestApp } from '../support/build-test-app.js';
import { onPostgres } from '../support/test-database.js';
import { multipart, waitForJob } from '../support/upload-helpers.js';

if (!onPostgres)
  console.log(
    'fleet.test.ts: skipped on SQLite (a fleet shares a PostgreSQL database; set TEST_DATABASE_URL)',
  );

/** Limits low enough to reach, on both servers. */
const LIMITS = { COUPOND_AUTH_FAILURE_LIMIT: '6', COUPOND_RATE_LIMIT_PER_MINUTE: '40' };
/** Longer than two ticks of services/shared-windows.ts: each server has shared and read the counts. */
const settle = () => new Promise((r) => setTimeout(r, 4 * SYNC_MS));

describe.skipIf(!onPostgres)('two servers sharing only the PostgreSQL database', () => {
  let t: TestApp;
  let a: ServerProcess;
  let b: ServerProcess;
  const folders: string[] = [];
  const ownFolder = (): string => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'coupond-fleet-'));
    folders.push(dir);
    return dir;
  };

  beforeAll(async () => {
    t = await buildTestApp();
    const db = { DATABASE_URL: t.db.env.DATABASE_URL!, DATABASE_SCHEMA: t.db.env.DATABASE_SCHEMA! };
    // A receives, B works: A's worker is off, so only B can process what A accepted.
    [a, b] = await Promise.all([
      spawnServer({ ...db, ...LIMITS, COUPOND_DATA_DIR: ownFolder(), COUPOND_WORKER: 'off' }),
      spawnServer({ ...db, ...LIMITS, COUPOND_DATA_DIR: ownFolder(), COUPOND_WORKER_ID: 'fleet-b' }),
    ]);
  }, 120_000);
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await t?.close();
    for (const dir of folders) fs.rmSync(dir, { recursive: true, force: true });
  });

  const get = async (server: ServerProcess, pathname: string) => {
    const r = await fetch(`${server.url}${pathname}`, { headers: { authorization: t.client.basic } });
    return { status: r.status, text: await r.text() };
  };

  it('processes an upload accepted by A on B, and serves its result files from both', async () => {
    const { id: seriesId } = await createSeries(t, { description: 'fleet upload' });
    const rows = ['FLEET0001', 'FLEET0002', 'not a code!', 'FLEET0003'];
    const form = multipart(
      { customerIdentifier: 'NOT_TAGGED', customerIdentifierColumn: '0' },
      { content: `${rows.join('\n')}\n`, name: 'fleet.csv' },
    );
    const posted = await fetch(`${a.url}/coupon/api/v1/upload/file/${seriesId}`, {
      method: 'POST',
      headers: { authorization: t.client.basic, 'content-type': form.contentType },
      body: form.body,
    });
    const answer = (await posted.json()) as any;
    expect(posted.status, JSON.stringify(answer)).toBe(200);
    const jobId = answer.result.uploadJobStatuses[0].jobId as number;

    // The in-process app shares the database too: it only reads the status, it runs no worker.
    const job = await waitForJob(t, seriesId, jobId, 'codes', 60_000);
    expect(job, b.output()).toMatchObject({ uploadStatus: 'FINISHED', actualRowCount: 4, errorCount: 1 });
    // errorFileUrl / successFileUrl are the download paths (docs/api.md §10).
    for (const url of [job.successFileUrl, job.errorFileUrl]) {
      expect(url).toMatch(/^\/coupon\/api\/v1\/upload\/files\//);
      const fromA = await get(a, url);
      const fromB = await get(b, url);
      expect(fromA.status, fromA.text).toBe(200);
      expect(fromB.status, fromB.text).toBe(200);
      expect(fromB.text).toBe(fromA.text);
    }
    const success = await get(b, job.successFileUrl);
    expect(success.text).toContain('FLEET0003');
    const errors = await get(a, job.errorFileUrl);
    expect(errors.text).toContain('not a code!');
  });

  const status = async (server: ServerProcess, authorization: string): Promise<number> =>
    (await fetch(`${server.url}/v2/org/settings`, { headers: { authorization } })).status;

  it('throttles a key whose failures are split over both servers, on both', async () => {
    const victim = await t.createClient(t.client.orgId);
    const wrong = basicOf(victim.key, 'wrong-secret');
    // Three failures on each: under the limit of 6 for either server alone, the limit for both together.
    for (let i = 0; i < 3; i++) {
      expect(await status(a, wrong)).toBe(401);
      expect(await status(b, wrong)).toBe(401);
    }
    await settle();
    expect(await status(a, victim.basic)).toBe(429);
    expect(await status(b, victim.basic)).toBe(429);
    // Another client is untouched.
    expect(await status(b, t.client.basic)).toBe(200);
  });

  it('holds the per-client request rate across both servers', async () => {
    const caller = await t.createClient(t.client.orgId);
    for (let i = 0; i < 20; i++) expect(await status(a, caller.basic)).toBe(200);
    await settle();
    for (let i = 0; i < 20; i++) expect(await status(b, caller.basic)).toBe(200);
    await settle();
    // 40 requests a minute, 20 taken on each: the 41st is refused wherever it arrives.
    expect(await status(a, caller.basic)).toBe(429);
    expect(await status(b, caller.basic)).toBe(429);
  });
});
