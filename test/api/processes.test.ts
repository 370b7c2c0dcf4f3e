// COUPOND_PROCESSES (issue 17): `coupond serve` runs N server processes on one port. On a fresh database
// the first-start banner prints once; every request is answered; an upload's job runs exactly once; failed
// logins are counted across the processes; SIGTERM
// to the primary stops every process and exits 0, leaving no process behind.
import { execFileSync } from 'node:child_process';
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYNC_MS } from '../../src/services/shared-windows.js';
import { basicOf } from '../support/build-test-app.js';
import { seriesBody } from '../support/factories.js';
import { call, spawnServer, type ServerProcess } from '../support/spawn-server.js';
import { createTestDatabase, dialectName, type TestDatabase } from '../support/test-database.js';
import { multipart } from '../support/upload-helpers.js';

/** The pids of a process's node children (Linux `ps`; tsx's esbuild helper is not one). */
function childrenOf(pid: number): number[] {
  const out = execFileSync('ps', ['-o', 'pid=,comm=', '--ppid', String(pid)], { encoding: 'utf8' });
  return out
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .filter(([, comm]) => comm === 'node')
    .map(([p]) => Number(p));
}
const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe(`COUPOND_PROCESSES=2 (${dialectName})`, () => {
  let db: TestDatabase;
  let server: ServerProcess;
  let auth: string;
  beforeAll(async () => {
    db = await createTestDatabase();
    server = await spawnServer(
      { ...db.env, COUPOND_PROCESSES: '2', COUPOND_AUTH_FAILURE_LIMIT: '6', LOG_LEVEL: 'info' },
      120_000,
    );
    const key = /key:\s+(\S+)/.exec(server.output())?.[1];
    const secret = /secret:\s+(\S+)/.exec(server.output())?.[1];
    expect(key && secret, server.output()).toBeTruthy();
    auth = basicOf(key!, secret!);
  }, 150_000);
  afterAll(async () => {
    await server?.kill();
    await db?.drop();
  });

  it('prints the first-start banner once and runs two server processes', async () => {
    expect(server.output().match(/first start on an empty database/g)).toHaveLength(1);
    // Every process has opened its port once /health answers from the primary's port: wait for both.
    const deadline = Date.now() + 60_000;
    while (childrenOf(server.child.pid!).length < 2 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 100));
    expect(childrenOf(server.child.pid!)).toHaveLength(2);
  });

  it('answers every request', async () => {
    const replies = await Promise.all(
      Array.from({ length: 40 }, () => call(server.url, 'GET', '/v2/org/settings', auth)),
    );
    expect(replies.map((r) => r.status)).toEqual(replies.map(() => 200));
  });

  it('runs an upload job exactly once', async () => {
    const series = await call(server.url, 'POST', '/v2/coupon/series', auth, seriesBody());
    expect(series.status, JSON.stringify(series.body)).toBe(200);
    const codes = Array.from({ length: 300 }, (_, i) => `PROC${String(i).padStart(5, '0')}`);
    const form = multipart(
      { customerIdentifier: 'NOT_TAGGED', customerIdentifierColumn: '0' },
      { content: `${codes.join('\n')}\n`, name: 'processes.csv' },
    );
    const posted = await fetch(`${server.url}/coupon/api/v1/upload/file/${series.body.id}`, {
      method: 'POST',
      headers: { authorization: auth, 'content-type': form.contentType },
      body: form.body,
    });
    const jobId = ((await posted.json()) as any).result.uploadJobStatuses[0].jobId;
    let job: any;
    const deadline = Date.now() + 60_000;
    do {
      await new Promise((r) => setTimeout(r, 100));
      const s = await call(
        server.url,
        'GET',
        `/coupon/api/v1/upload/getUploadStatus/${series.body.id}`,
        auth,
      );
      job = s.body.result.uploadJobStatuses.find((j: any) => j.jobId === jobId);
    } while (!['FINISHED', 'ERRORED'].includes(job.uploadStatus) && Date.now() < deadline);
    expect(job).toMatchObject({ uploadStatus: 'FINISHED', actualRowCount: 300, errorCount: 0 });
    const read = await call(server.url, 'GET', `/v2/coupon/series?ids=${series.body.id}`, auth);
    expect(read.status).toBe(200);
    expect(read.body.entity[0]).toMatchObject({ numUploadedTotal: 300, numUploadedNonIssued: 300 });
  });

  it('counts failed logins of both processes together', async () => {
    // A new connection for each request: the primary hands connections to the processes in turn.
    const once = (authorization: string) =>
      new Promise<number>((resolve, reject) => {
        const req = http.get(
          `${server.url}/v2/org/settings`,
          { agent: false, headers: { authorization } },
          (res) => {
            res.resume();
            resolve(res.statusCode!);
          },
        );
        req.on('error', reject);
      });
    const [key] = Buffer.from(auth.slice(6), 'base64').toString().split(':');
    const wrong = basicOf(key!, 'wrong-secret');
    for (let i = 0; i < 6; i++) expect(await once(wrong)).toBe(401);
    await new Promise((r) => setTimeout(r, 4 * SYNC_MS));
    // Six failures over two processes, three in each: only together do they reach the limit of 6.
    const after = [];
    for (let i = 0; i < 4; i++) after.push(await once(auth));
    expect(after).toEqual([429, 429, 429, 429]);
  });

  it('stops every process on SIGTERM to the primary and exits 0', async () => {
    const children = childrenOf(server.child.pid!);
    expect(children.length).toBe(2);
    expect(await server.stop()).toBe(0);
    for (const pid of children) expect(alive(pid), `process ${pid} left behind`).toBe(false);
  });
});
