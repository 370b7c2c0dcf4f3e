// Hostile CSV files and upload forms (issue 8): quotes and line breaks inside fields, formula-injection
// cells, bad UTF-8, odd fields. Never a 5xx, refusals in the upload shape with nothing kept, every accepted
// job ends, and the error and success files neutralise cells starting with = + - @ when downloaded.
import { parse } from 'csv-parse/sync';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../support/build-test-app.js';
import { download, multipart, postUpload, waitForJob } from '../support/upload-helpers.js';
import { RUNS } from './arbitraries.js';
import { hostileCsv, uploadFields } from './csv-arbitraries.js';
import { seedOrg, type OrgData } from './fixtures.js';
import { createProbe, OPEN_ENV } from './harness.js';
import { routesOf, type Route } from './routes.js';

let t: TestApp;
let data: OrgData;
let uploadRoutes: Route[];
let probe: ReturnType<typeof createProbe>;
const jobs = { accepted: 0, ended: new Map<string, number>() };

beforeAll(async () => {
  // The worker runs, so accepted files are parsed; each job ends before the next request is judged.
  t = await buildTestApp({ env: { ...OPEN_ENV, COUPOND_WORKER: 'on' } });
  data = await seedOrg(t, t.client);
  uploadRoutes = (await routesOf(t)).filter((r) => r.multipart);
  probe = createProbe(t);
});
afterAll(async () => {
  console.log(
    `hostile uploads: ${probe.tally.requests} requests, ${probe.tally.refused} refused, ${jobs.accepted} jobs run (${[...jobs.ended].map(([s, n]) => `${s}×${n}`).join(' ')})`,
  );
  await t.close();
});

/** OWASP "CSV injection": a cell a spreadsheet would run as a formula. */
const FORMULA_START = /^[=+\-@\t\r]/;

/** The cells of a downloaded result file that a spreadsheet would run as formulas. */
function formulaCells(text: string): string[] {
  const rows = parse(text, {
    relax_column_count: true,
    relax_quotes: true,
    skip_empty_lines: true,
  }) as string[][];
  return rows.flat().filter((cell) => FORMULA_START.test(cell));
}

/** Waits for the job an accepted upload answered, and checks its result files. */
async function checkAcceptedJob(route: Route, reply: { body: any }): Promise<string[]> {
  const kind = route.path.includes('redeemFile') ? 'redemptions' : 'codes';
  const list =
    kind === 'codes' ? reply.body.result.uploadJobStatuses : reply.body.result.redeemUploadJobStatuses;
  const queued = list[0];
  const job = await waitForJob(t, reply.body.result.couponSeriesId, queued.jobId, kind, 60_000);
  jobs.accepted++;
  const status = job.uploadStatus ?? job.uploadRedeemedCouponStatus;
  jobs.ended.set(status, (jobs.ended.get(status) ?? 0) + 1);
  const problems: string[] = [];
  if (job.errorCount > job.totalUploadedCount)
    problems.push(`job ${job.jobId}: ${job.errorCount} errors > ${job.totalUploadedCount} rows`);
  for (const name of [job.errorFileUrl, job.successFileUrl]) {
    if (!name) continue;
    const file = await download(t, name);
    if (file.status !== 200) problems.push(`${name}: download answered ${file.status}`);
    const cells = formulaCells(file.text);
    if (cells.length > 0) problems.push(`${name} carries formula cells ${JSON.stringify(cells.slice(0, 5))}`);
  }
  return problems;
}

describe('hostile CSV uploads', () => {
  it('answers generated CSV files and forms without a 5xx; refusals keep nothing, accepted jobs end with safe result files', async () => {
    const arb = fc.tuple(
      fc.constantFrom(...uploadRoutes),
      hostileCsv,
      uploadFields,
      fc.constantFrom('codes.csv', '../../x.csv', 'a"b.csv', '=cmd.csv', 'x'.repeat(300), 'é.csv', ''),
      fc.constantFrom<'series' | 'pin' | 'other'>('series', 'pin', 'other'),
    );
    await fc.assert(
      fc.asyncProperty(arb, async ([route, csv, fields, name, target]) => {
        const seriesId = target === 'series' ? data.seriesId : target === 'pin' ? data.pinSeriesId : 999_999;
        const form = multipart(fields, { content: csv, name });
        const verdict = await probe.judge({
          route,
          params: { seriesId: String(seriesId) },
          body: form.body,
          headers: { 'content-type': form.contentType },
        });
        const problems = [...verdict.problems];
        if (verdict.status === 200) problems.push(...(await checkAcceptedJob(route, verdict)));
        expect(problems).toEqual([]);
      }),
      { numRuns: RUNS },
    );
  });

  it('answers forms without a file, with two files, with 100 fields or a broken boundary without a 5xx, keeping nothing when refused', async () => {
    const failures: string[] = [];
    for (const route of uploadRoutes) {
      const params = { seriesId: String(data.seriesId) };
      const noFile = multipart({ customerIdentifier: 'NOT_TAGGED' });
      const good = multipart({ customerIdentifier: 'NOT_TAGGED' }, { content: 'A1B2C3D4\n' });
      const part = (name: string, file: string, content: string) =>
        `--x\r\nContent-Disposition: form-data; name="${name}"; filename="${file}"\r\n\r\n${content}\r\n`;
      const twoFiles = Buffer.from(
        `${part('file', 'a.csv', 'A1B2C3D4')}${part('file', 'b.csv', 'E5F6G7H8')}--x\r\nContent-Disposition: form-data; name="customerIdentifier"\r\n\r\nNOT_TAGGED\r\n--x--\r\n`,
      );
      const manyFields = Buffer.from(
        `${Array.from({ length: 100 }, (_, i) => `--x\r\nContent-Disposition: form-data; name="f${i}"\r\n\r\nv\r\n`).join('')}--x--\r\n`,
      );
      for (const [body, contentType] of [
        [noFile.body, noFile.contentType],
        [twoFiles, 'multipart/form-data; boundary=x'],
        [manyFields, 'multipart/form-data; boundary=x'],
        [good.body.subarray(0, Math.floor(good.body.length / 2)), good.contentType],
        [good.body, 'multipart/form-data; boundary=wrong'],
        [good.body, 'multipart/form-data'],
        [Buffer.from('--x\r\n\r\n--x--'), 'multipart/form-data; boundary=x'],
      ] as const) {
        const verdict = await probe.judge({
          route,
          params,
          body: Buffer.from(body),
          headers: { 'content-type': contentType },
        });
        failures.push(...verdict.problems);
        // An accepted form's job runs now, so that its writes are not taken for the next refusal's.
        if (verdict.status === 200) failures.push(...(await checkAcceptedJob(route, verdict)));
      }
    }
    expect(failures).toEqual([]);
  });
});

describe('result files', () => {
  it('neutralise cells starting with = + - @ in the error and success files of a tagged code upload', async () => {
    const rows = [
      'mobile,code',
      // A good row whose first cell starts with + (a mobile with its country code): it lands in the
      // success file.
      `+91${data.mobile},F${Date.now() % 1_000_000}A`,
      `${data.mobile},=cmd|' /C calc'!A0`,
      `${data.mobile},+1`,
      `${data.mobile},-1`,
      `${data.mobile},@x`,
      `=HYPERLINK("http://evil.example"),ABCD1234`,
      `"@SUM(1+1)*cmd","=1+1"`,
    ];
    const r = await postUpload(
      t,
      `/coupon/api/v1/upload/file/${data.seriesId}`,
      { customerIdentifier: 'MOBILE', customerIdentifierColumn: '0' },
      { content: `${rows.join('\n')}\n` },
    );
    expect(r.status, r.text).toBe(200);
    const job = await waitForJob(t, data.seriesId, r.body.result.uploadJobStatuses[0].jobId);
    expect(job.errorCount).toBeGreaterThanOrEqual(6);
    const errors = await download(t, job.errorFileUrl);
    expect(errors.status).toBe(200);
    expect(formulaCells(errors.text)).toEqual([]);
    expect(job.successFileUrl).toBeTruthy();
    const success = await download(t, job.successFileUrl);
    expect(success.status).toBe(200);
    expect(formulaCells(success.text)).toEqual([]);
  });

  it('neutralise cells starting with = + - @ in the files of a redeemed-coupon upload', async () => {
    const rows = [
      'mobile,code,millis,at,details',
      `${data.mobile},${data.redeemedCode},${Date.now() - 60_000},2026-01-02 10:00:00,=cmd|' /C calc'!A0`,
      `${data.mobile},NOSUCHCODE,${Date.now() - 60_000},2026-01-02 10:00:00,+1`,
      `${data.mobile},-1,${Date.now() - 60_000},2026-01-02 10:00:00,@x`,
      `@x,${data.code},-5,=1+1,-2+3`,
    ];
    const r = await postUpload(
      t,
      `/coupon/api/v1/upload/redeemFile/${data.multiSeriesId}`,
      {
        customerIdentifier: 'MOBILE',
        couponIdentifier: 'COUPON_CODE',
        uploadHeaders: '{"mobile":0,"couponCode":1,"redeemedDateInMillis":2,"redeemedAt":3,"details":4}',
      },
      { content: `${rows.join('\n')}\n` },
    );
    expect(r.status, r.text).toBe(200);
    const job = await waitForJob(
      t,
      data.multiSeriesId,
      r.body.result.redeemUploadJobStatuses[0].jobId,
      'redemptions',
    );
    expect(job.errorCount).toBeGreaterThanOrEqual(2);
    for (const name of [job.errorFileUrl, job.successFileUrl].filter(Boolean)) {
      const file = await download(t, name);
      expect(file.status).toBe(200);
      expect(formulaCells(file.text), name).toEqual([]);
    }
  });
});
