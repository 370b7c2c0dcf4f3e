// Uploads through HTTP (docs/api.md §10), the layouts: each one with good and bad rows and header detection, and
// the webhook a finished job sends. Refusals, result files and Idempotency-Key: uploads-requests.test.ts;
// redeemed-coupon uploads: uploads-redeemed.test.ts. The worker runs in the app.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../support/build-test-app.js';
import { download, uploadCodes, uploadKit, waitForJob } from '../support/upload-helpers.js';

let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp({ env: { COUPOND_WORKER: 'on' } });
});
afterAll(async () => t.close());

const { newMobile, newCode, series, counters, couponsOfJob, runCodes } = uploadKit(() => t);

describe('NOT_TAGGED: codes into the series pool', () => {
  it('adds good codes to the pool, refuses bad rows one by one, and issues from the pool oldest first', async () => {
    const s = await series();
    const taken = (await t.post('/v2/coupon/issue', { seriesId: s.id, customer: { mobile: newMobile() } }))
      .body.code;
    const [a, b, c, dup] = [newCode(), newCode(), newCode(), newCode()];
    const csv = ['code', a, dup, 'bad code!', b, `${c},extra`, dup, taken.toLowerCase(), c, '"unclosed'].join(
      '\n',
    );
    const job = await runCodes(s.id, `${csv}\n`);
    expect(job).toMatchObject({
      uploadStatus: 'FINISHED',
      totalUploadedCount: 9,
      actualRowCount: 9,
      errorCount: 6,
      // issue 18: the URL is a path that downloads the file; the bare name has its own field.
      errorFileUrl: `/coupon/api/v1/upload/files/error_${job.jobId}.csv`,
      successFileUrl: `/coupon/api/v1/upload/files/success_${job.jobId}.csv`,
      errorFileName: `error_${job.jobId}.csv`,
      successFileName: `success_${job.jobId}.csv`,
      uploadTableName: null,
      uploadedFileName: 'codes.csv',
      audienceGroupId: 0,
      audienceGroupVersionId: 0,
    });
    expect(job.createdOn).toMatch(/^\d{13}$/);
    expect(Number(job.updatedOn)).toBeGreaterThanOrEqual(Number(job.createdOn));
    const errors = await download(t, job.errorFileUrl);
    expect(errors.status).toBe(200);
    expect(errors.headers['content-type']).toContain('text/csv');
    expect(errors.lines.slice(0, 6)).toEqual([
      'code,error',
      `${dup},duplicate code in the same file`,
      'bad code!,coupon code is malformed',
      `${c},extra,"wrong column count: expected 1, found 2"`,
      `${dup},duplicate code in the same file`,
      `${taken.toLowerCase()},code already exists in this org`,
    ]);
    expect(errors.lines).toHaveLength(7);
    expect(errors.lines[6]).toMatch(/^malformed line: Quote Not Closed/);
    expect((await download(t, job.successFileUrl)).lines).toEqual(['code', a, b, c]);
    expect(await counters(s.id)).toMatchObject({
      numUploadedTotal: 3,
      numUploadedNonIssued: 3,
      numIssued: 1,
    });
    // The pool is issued first, oldest first.
    const next = await t.post('/v2/coupon/issue', { seriesId: s.id, customer: { mobile: newMobile() } });
    expect(next.body.code).toBe(a);
    expect(await counters(s.id)).toMatchObject({ numUploadedNonIssued: 2, numIssued: 2 });
  });

  it('reads a file without a header from its first row, and skips a header word that is a valid code', async () => {
    const s = await series();
    const [a, b] = [newCode(), newCode()];
    const plain = await runCodes(s.id, `${a}\r\n${b}\r\n`);
    expect(plain).toMatchObject({ totalUploadedCount: 2, errorCount: 0 });
    expect((await download(t, plain.successFileUrl)).lines).toEqual([a, b]);
    const worded = await runCodes(s.id, `COUPON\n${newCode()}\n`);
    expect(worded).toMatchObject({ totalUploadedCount: 1, errorCount: 0, errorFileUrl: null });
  });

  it('finishes an empty file with zero counts and no result files', async () => {
    const s = await series();
    const job = await runCodes(s.id, '');
    expect(job).toMatchObject({
      uploadStatus: 'FINISHED',
      totalUploadedCount: 0,
      errorCount: 0,
      errorFileUrl: null,
      successFileUrl: null,
    });
  });

  it('fails the job as a whole (ERRORED) when the file has more than one column', async () => {
    const s = await series();
    const job = await runCodes(s.id, 'A1,B1\nA2,B2\n');
    expect(job).toMatchObject({ uploadStatus: 'ERRORED', errorCount: 0 });
    // The status answer says why (issue 20), not only the server log.
    expect(job.errorMessage).toMatch(/column/);
  });
});

describe('tagged: an identifier and a code per row', () => {
  it('issues each code to its customer, registering mobiles on the fly, and refuses bad rows', async () => {
    const s = await series();
    const existing = newCode();
    await runCodes((await series()).id, `${existing}\n`);
    const [m1, m2, m3, m4, mDup] = [newMobile(), newMobile(), newMobile(), newMobile(), newMobile()];
    const [c1, c2, c3, c4, cDup] = [newCode(), newCode(), newCode(), newCode(), newCode()];
    // customerIdentifierColumn 1: the code comes first.
    const rows = [
      'coupon code,customer_identifier',
      `${c1},${m1}`,
      `${cDup},${m2}`,
      `${c2},${mDup}`,
      `${existing},${m3}`,
      `${cDup},${newMobile()}`,
      `${c3},${mDup}`,
      `${c4},not-a-mobile`,
      `${newCode()},${m4}`,
      `${newCode()},${newMobile()}`,
      `${newCode()},${newMobile()}`,
      `${newCode()},${newMobile()},x`,
      'bad code,9800000001',
    ];
    const job = await runCodes(s.id, `${rows.join('\n')}\n`, 'MOBILE', '1');
    expect(job).toMatchObject({ uploadStatus: 'FINISHED', totalUploadedCount: 12, actualRowCount: 12 });
    const errors = (await download(t, job.errorFileUrl)).lines;
    expect(errors[0]).toBe('coupon code,customer_identifier,error');
    expect(errors).toContain(`${cDup},${m2},duplicate code in the same file`);
    expect(errors).toContain(`${c2},${mDup},duplicate customer in the same file`);
    expect(errors).toContain(`${c3},${mDup},duplicate customer in the same file`);
    expect(errors).toContain(`${existing},${m3},code already exists in this org`);
    expect(errors.find((l) => l.startsWith(`${c4},not-a-mobile,`))).toContain('mobile is malformed');
    expect(errors.find((l) => l.endsWith('x,"wrong column count: expected 2, found 3"'))).toBeDefined();
    expect(errors).toContain('bad code,9800000001,coupon code is malformed');
    expect(job.errorCount).toBe(8);
    const issued = await couponsOfJob(job.jobId);
    expect(issued).toHaveLength(4);
    expect(issued[0]!.code).toBe(c1);
    expect(issued.every((c) => c.customer_id !== null)).toBe(true);
    const holder = await t.get(`/v2/customers/lookup?mobile=${m1}`);
    expect(holder.status).toBe(200);
    expect((await t.get(`/v2/coupon?couponCodes=${c1}`)).body.data[0]).toMatchObject({
      code: c1,
      customerId: holder.body.customer.id,
    });
    expect(await counters(s.id)).toMatchObject({ numIssued: 4 });
  });
});

describe('audience: an identifier alone, a generated code each', () => {
  it('issues a generated code to each existing USER_ID, refusing unknown and duplicated customers', async () => {
    const s = await series({ randomCodeLength: 10 });
    const ids: number[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await t.post('/v2/customers', { mobile: newMobile() });
      expect(r.status, r.text).toBe(200);
      ids.push(r.body.customer.id);
    }
    const csv = ['userId', ids[0], ids[1], 987654321, ids[2], ids[1], 'abc'].join('\n');
    const job = await runCodes(s.id, `${csv}\n`, 'USER_ID');
    expect(job).toMatchObject({ totalUploadedCount: 6, errorCount: 4 });
    const success = (await download(t, job.successFileUrl)).lines;
    expect(success[0]).toBe('userId,couponCode');
    expect(success.slice(1).map((l) => l.split(',')[0])).toEqual([String(ids[0]), String(ids[2])]);
    const codes = success.slice(1).map((l) => l.split(',')[1]!);
    expect(codes.every((c) => /^[A-Z0-9]{10}$/.test(c))).toBe(true);
    const errors = (await download(t, job.errorFileUrl)).lines;
    expect(errors).toContain('987654321,customer not found: id 987654321');
    expect(errors.filter((l) => l === `${ids[1]},duplicate customer in the same file`)).toHaveLength(2);
    expect(errors.find((l) => l.startsWith('abc,'))).toContain('invalid customer');
    expect((await couponsOfJob(job.jobId)).map((c) => c.code)).toEqual(codes);
  });

  it('registers unknown mobiles, and reports issuance refusals in words', async () => {
    const s = await series({ maxCreate: 2 });
    const [m1, m2, m3] = [newMobile(), newMobile(), newMobile()];
    const job = await runCodes(s.id, `mobile\n${m1}\n${m2}\n${m3}\n`, 'MOBILE');
    expect(job).toMatchObject({ totalUploadedCount: 3, errorCount: 1 });
    expect((await download(t, job.errorFileUrl)).lines[1]).toBe(
      `${m3},unable to issue coupon: the series has issued maxCreate coupons`,
    );
    expect((await t.get(`/v2/customers/lookup?mobile=${m2}`)).status).toBe(200);
  });

  it('reads EMAIL and EXTERNAL_ID files', async () => {
    const s = await series();
    const email = await runCodes(s.id, 'email\nOne@Example.com\nnot-an-email\n', 'EMAIL');
    expect(email).toMatchObject({ totalUploadedCount: 2, errorCount: 1 });
    const s2 = await series();
    const ext = await runCodes(s2.id, 'EXT-1\nEXT-2\n', 'EXTERNAL_ID');
    expect(ext).toMatchObject({ totalUploadedCount: 2, errorCount: 0 });
    expect((await t.get('/v2/customers/lookup?externalId=EXT-2')).status).toBe(200);
  });
});

describe('upload webhooks', () => {
  it('sends coupon.upload_finished with the job counts once a job ends, to subscribers only', async () => {
    const { startReceiver } = await import('../support/receiver.js');
    const rx = await startReceiver();
    try {
      rx.script([], 200);
      const org = await t.createOrg('upload hooks');
      const sub = await t.post(
        '/v2/webhooks',
        { url: `${rx.url}/hooks`, events: ['coupon.upload_finished'] },
        org,
      );
      expect(sub.status, sub.text).toBe(200);
      const s = await series({}, org);
      const csv = `${newCode('WH')}\n${newCode('WH')}\nbad code!\n`;
      const job = await uploadCodes(t, s.id, csv, 'NOT_TAGGED', '0', org);
      const ended = await waitForJob(t, s.id, job.jobId, 'codes', 60_000, org);
      await t.app.services.notifications.fanOut();
      await t.app.services.notifications.deliverWebhooks();
      await expect.poll(() => rx.received.length, { timeout: 10_000 }).toBe(1);
      const hook = rx.received[0]!;
      expect(hook.json.type).toBe('coupon.upload_finished');
      expect(hook.json.data).toMatchObject({
        couponId: null,
        seriesId: s.id,
        details: {
          jobId: job.jobId,
          uploadStatus: 'FINISHED',
          totalUploadedCount: ended.totalUploadedCount,
          errorCount: ended.errorCount,
        },
      });
      expect(hook.json.data.details.errorCount).toBe(1);
      // Only that org's subscribers hear of it: a job of org A sends nothing to org B's receiver.
      const other = await series();
      await waitForJob(t, other.id, (await uploadCodes(t, other.id, `${newCode('WH')}\n`)).jobId);
      await t.app.services.notifications.fanOut();
      await t.app.services.notifications.deliverWebhooks();
      expect(rx.received).toHaveLength(1);
    } finally {
      await rx.close();
    }
  });
});
