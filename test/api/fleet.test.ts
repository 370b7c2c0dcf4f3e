// A fleet that behaves as one (issue 17): two `coupond serve` processes that share nothing but the
// PostgreSQL database (each its own data folder, as on two machines). An upload accepted by one is
// processed by the other's worker, and every result file downloads from both. SQLite is one machine's
// database (its file lives in the data folder): these tests need PostgreSQL and skip on SQLite.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../support/build-test-app.js';
import { createSeries } from '../support/factories.js';
import { spawnServer, type ServerProcess } from '../support/spawn-server.js';
import { onPostgres } from '../support/test-database.js';
import { multipart, waitForJob } from '../support/upload-helpers.js';

if (!onPostgres)
  console.log(
    'fleet.test.ts: skipped on SQLite (a fleet shares a PostgreSQL database; set TEST_DATABASE_URL)',
  );

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
      spawnServer({ ...db, COUPOND_DATA_DIR: ownFolder(), COUPOND_WORKER: 'off' }),
      spawnServer({ ...db, COUPOND_DATA_DIR: ownFolder(), COUPOND_WORKER_ID: 'fleet-b' }),
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
    for (const url of [job.successFileUrl, job.errorFileUrl]) {
      expect(url).toBeTruthy();
      const fromA = await get(a, `/coupon/api/v1/upload/files/${url}`);
      const fromB = await get(b, `/coupon/api/v1/upload/files/${url}`);
      expect(fromA.status, fromA.text).toBe(200);
      expect(fromB.status, fromB.text).toBe(200);
      expect(fromB.text).toBe(fromA.text);
    }
    const success = await get(b, `/coupon/api/v1/upload/files/${job.successFileUrl}`);
    expect(success.text).toContain('FLEET0003');
    const errors = await get(a, `/coupon/api/v1/upload/files/${job.errorFileUrl}`);
    expect(errors.text).toContain('not a code!');
  });
});
