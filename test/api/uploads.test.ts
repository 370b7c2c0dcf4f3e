// Uploads through HTTP (docs/api.md §10): each layout with good and bad rows, header detection, result files,
// refusals, downloads across orgs, Idempotency-Key, and redeemed-coupon uploads. The worker runs in the app.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../support/build-test-app.js';
import { createSeries, seriesBody } from '../support/factories.js';
import { download, multipart, postUpload, uploadCodes, waitForJob } from '../support/upload-helpers.js';

let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp({ env: { COUPOND_WORKER: 'on' } });
});
afterAll(async () => t.close());

let mobileSeq = 9_700_000_000;
const newMobile = () => String(++mobileSeq);
let codeSeq = 0;
const newCode = (prefix = 'UP') => `${prefix}${String(++codeSeq).padStart(6, '0')}`;

const series = (fields: Record<string, unknown> = {}, as = t.client) =>
  createSeries(t, { description: 'upload test', discountValue: 10, ...fields }, as);

async function counters(seriesId: number): Promise<any> {
  return (await t.get(`/v2/coupon/series?ids=${seriesId}`)).body.entity[0];
}

async function couponsOfJob(jobId: number): Promise<{ code: string; customer_id: number | null }[]> {
  const r = await sql<{ code: string; customer_id: number | null }>`
    select code, customer_id from coupon where upload_job_id = ${jobId} order by id`.execute(
    t.app.engine.kysely,
  );
  return r.rows.map((x) => ({
    code: x.code,
    customer_id: x.customer_id === null ? null : Number(x.customer_id),
  }));
}

async function runCodes(seriesId: number, csv: string, identifier = 'NOT_TAGGED', column = '0') {
  const job = await uploadCodes(t, seriesId, csv, identifier, column);
  return waitForJob(t, seriesId, job.jobId);
}

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

describe('refusals (upload shape)', () => {
  const url = (id: number) => `/coupon/api/v1/upload/file/${id}`;
  const shape = (r: any, status: number) => {
    expect(r.status, r.text).toBe(status);
    expect(r.body).toMatchObject({ success: false, status, message: expect.any(String) });
    expect(r.body.errors[0]).toMatchObject({ code: expect.any(Number), message: expect.any(String) });
  };

  it('answers 415 when the body is not multipart', async () => {
    const s = await series();
    shape(await t.post(url(s.id), { customerIdentifier: 'NOT_TAGGED' }), 415);
    shape(
      await t.request({
        method: 'POST',
        url: url(s.id),
        body: 'A1\n',
        headers: { 'content-type': 'text/csv' },
      }),
      415,
    );
  });

  it('answers 400 without a file part, with an unknown customerIdentifier, or for an unknown series', async () => {
    const s = await series();
    shape(await postUpload(t, url(s.id), { customerIdentifier: 'NOT_TAGGED' }), 400);
    shape(await postUpload(t, url(s.id), { customerIdentifier: 'PHONE' }, { content: 'A\n' }), 400);
    shape(await postUpload(t, url(s.id), {}, { content: 'A\n' }), 400);
    const bad = await postUpload(
      t,
      url(99_999_999),
      { customerIdentifier: 'NOT_TAGGED' },
      { content: 'A\n' },
    );
    shape(bad, 400);
    expect(bad.body.errors[0].code).toBe(707);
    const other = await t.createOrg('other org');
    const theirs = await series({}, other);
    shape(await postUpload(t, url(theirs.id), { customerIdentifier: 'NOT_TAGGED' }, { content: 'A\n' }), 400);
    shape(await t.get(`/coupon/api/v1/upload/getUploadStatus/${theirs.id}`), 400);
  });

  it('answers 400 for bad uploadHeaders and a missing mandatory column key', async () => {
    const s = await series();
    const redeem = (fields: Record<string, string>) =>
      postUpload(t, `/coupon/api/v1/upload/redeemFile/${s.id}`, fields, { content: '1,2,3,4\n' });
    const base = { customerIdentifier: 'MOBILE', couponIdentifier: 'COUPON_CODE' };
    shape(await redeem({ ...base, uploadHeaders: '{not json' }), 400);
    shape(await redeem({ ...base, uploadHeaders: '{"mobile":0,"couponCode":1,"redeemedAt":2}' }), 400);
    shape(
      await redeem({
        ...base,
        uploadHeaders: '{"userId":0,"couponCode":1,"redeemedAt":2,"redeemedDateInMillis":3}',
      }),
      400,
    );
    shape(await redeem({ ...base, uploadHeaders: '{"mobile":0,"coupon":1}' }), 400);
    shape(await redeem({ ...base, couponIdentifier: 'COUPON', uploadHeaders: '{}' }), 400);
    const ok = await redeem({
      ...base,
      uploadHeaders: "{'mobile': 0, couponCode: 1, 'redeemedAt': 2, 'redeemedDateInMillis': 3}",
    });
    expect(ok.status, ok.text).toBe(200);
  });

  it('answers 413 for a file over COUPOND_MAX_UPLOAD_MB, and keeps nothing of it', async () => {
    const small = await buildTestApp({ env: { COUPOND_MAX_UPLOAD_MB: '0.001' } });
    try {
      const s = (await small.post('/v2/coupon/series', seriesBody({ description: 'x', discountValue: 1 })))
        .body;
      const big = Array.from({ length: 200 }, (_, i) => `CODE${i}`).join('\n');
      const r = await postUpload(
        small,
        `/coupon/api/v1/upload/file/${s.id}`,
        { customerIdentifier: 'NOT_TAGGED' },
        { content: big },
      );
      expect(r.status, r.text).toBe(413);
      expect(r.body).toMatchObject({ success: false, status: 413, errors: [{ code: 413 }] });
      const status = await small.get(`/coupon/api/v1/upload/getUploadStatus/${s.id}`);
      expect(status.body.result.uploadJobStatuses).toEqual([]);
      const fits = await postUpload(
        small,
        `/coupon/api/v1/upload/file/${s.id}`,
        { customerIdentifier: 'NOT_TAGGED' },
        { content: 'A1\n' },
      );
      expect(fits.status).toBe(200);
    } finally {
      await small.close();
    }
  });

  it('needs the upload scope', async () => {
    const s = await series();
    const reader = await t.createClient(t.client.orgId, { scopes: ['read'] });
    const r = await postUpload(
      t,
      `/coupon/api/v1/upload/file/${s.id}`,
      { customerIdentifier: 'NOT_TAGGED' },
      { content: 'A\n' },
      reader,
    );
    shape(r, 403);
  });
});

describe('result files and statuses', () => {
  it("serves result files only to the owning org; another org's file is the same 404 as no file", async () => {
    const s = await series();
    const job = await runCodes(s.id, `${newCode()}\nbad code\n`);
    const other = await t.createOrg('snooper');
    const mine = await download(t, job.errorFileUrl);
    expect(mine.status).toBe(200);
    const theirs = await download(t, job.errorFileUrl, other);
    const none = await download(t, 'error_99999999.csv', other);
    expect(theirs.status).toBe(404);
    expect(none.status).toBe(404);
    expect(theirs.body).toEqual({ ...none.body, message: theirs.body.message, errors: theirs.body.errors });
    expect(theirs.body.errors[0].code).toBe(none.body.errors[0].code);
    expect((await download(t, '../coupond.db')).status).toBe(404);
    expect((await t.get(`/coupon/api/v1/upload/getUploadStatus/${s.id}`, other)).status).toBe(400);
  });

  it('lists the series uploads oldest first with the reference fields, and answers the POST at once', async () => {
    const s = await series();
    const { body, contentType } = multipart(
      { customerIdentifier: 'NOT_TAGGED' },
      { name: 'my codes.csv', content: `${newCode()}\n` },
    );
    const r = await t.request({
      method: 'POST',
      url: `/coupon/api/v1/upload/file/${s.id}`,
      body,
      headers: { 'content-type': contentType },
    });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      success: true,
      status: 200,
      result: { orgId: t.client.orgId, couponSeriesId: s.id },
    });
    const first = r.body.result.uploadJobStatuses[0];
    expect(first).toMatchObject({
      uploadStatus: 'STARTED',
      totalUploadedCount: 0,
      errorFileUrl: null,
      uploadedFileName: 'my codes.csv',
    });
    expect(r.body.result.fileName).toBe(first.uploadedFileUrl);
    expect(first.uploadedFileUrl).toMatch(new RegExp(`^my_codes_\\d{13}_${s.id}\\.csv$`));
    await waitForJob(t, s.id, first.jobId);
    const second = await runCodes(s.id, `${newCode()}\n`);
    const list = (await t.get(`/coupon/api/v1/upload/getUploadStatus/${s.id}`)).body;
    expect(list.result.uploadJobStatuses.map((j: any) => j.jobId)).toEqual([first.jobId, second.jobId]);
    expect(list.result).not.toHaveProperty('fileName');
    const redeemed = (await t.get(`/coupon/api/v1/upload/getUploadRedeemedCouponStatus/${s.id}`)).body;
    expect(redeemed).toEqual({
      success: true,
      status: 200,
      result: { orgId: t.client.orgId, couponSeriesId: s.id, redeemUploadJobStatuses: [] },
    });
  });

  it('replays a retried upload with the same Idempotency-Key, and refuses the key with another file', async () => {
    const s = await series();
    const code = newCode();
    const headers = { 'idempotency-key': `upload-${code}` };
    const fields = { customerIdentifier: 'NOT_TAGGED' };
    const first = await postUpload(
      t,
      `/coupon/api/v1/upload/file/${s.id}`,
      fields,
      { content: `${code}\n` },
      undefined,
      headers,
    );
    const again = await postUpload(
      t,
      `/coupon/api/v1/upload/file/${s.id}`,
      fields,
      { content: `${code}\n` },
      undefined,
      headers,
    );
    expect(again.status).toBe(200);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body).toEqual(first.body);
    const other = await postUpload(
      t,
      `/coupon/api/v1/upload/file/${s.id}`,
      fields,
      { content: `${newCode()}\n` },
      undefined,
      headers,
    );
    expect(other.status).toBe(409);
    const list = (await t.get(`/coupon/api/v1/upload/getUploadStatus/${s.id}`)).body.result.uploadJobStatuses;
    expect(list).toHaveLength(1);
  });
});

describe('redeemed-coupon uploads', () => {
  it('records each good row as a redemption at the file time and till, refusing bad rows', async () => {
    const s = await series();
    const m1 = newMobile();
    const m2 = newMobile();
    const c1 = (await t.post('/v2/coupon/issue', { seriesId: s.id, customer: { mobile: m1 } })).body;
    const c2 = (await t.post('/v2/coupon/issue', { seriesId: s.id, customer: { mobile: m2 } })).body;
    // A minute ago, but never before today's midnight (UTC, the org's timezone): a coupon issued just after
    // midnight is not valid on the day before, and the row would be refused (a CI run at 00:00 failed so).
    const now = Date.now();
    const at = Math.max(now - 60_000, now - (now % 86_400_000));
    const rows = [
      'redeemed date in millis,redeemed at,mobile,coupon code,bill id,bill number,details',
      `${at},TILL-9,${m1},${c1.code},B1,N1,first`,
      `${at},TILL-9,${m2},NOPE1234,B2,N2,`,
      `yesterday,TILL-9,${m2},${c2.code},B3,N3,`,
      `${at},TILL-9,${m2},${c2.code},B4,N4,`,
      `${at},TILL-9,${m2},${c2.code},B4,N4,`,
    ];
    const r = await postUpload(
      t,
      `/coupon/api/v1/upload/redeemFile/${s.id}`,
      {
        customerIdentifier: 'MOBILE',
        couponIdentifier: 'COUPON_CODE',
        uploadHeaders:
          '{"redeemedDateInMillis":0,"redeemedAt":1,"mobile":2,"couponCode":3,"billId":4,"billNumber":5,"details":6}',
      },
      { content: `${rows.join('\n')}\n` },
    );
    expect(r.status, r.text).toBe(200);
    const queued = r.body.result.redeemUploadJobStatuses[0];
    expect(queued.uploadRedeemedCouponStatus).toBe('QUEUED');
    const job = await waitForJob(t, s.id, queued.jobId, 'redemptions');
    expect(job).toMatchObject({
      uploadRedeemedCouponStatus: 'COMPLETED',
      totalUploadedCount: 5,
      errorCount: 4,
    });
    const errors = (await download(t, job.errorFileUrl)).lines;
    expect(errors[0]).toBe(
      'redeemed date in millis,redeemed at,mobile,coupon code,bill id,bill number,details,error',
    );
    expect(errors.filter((l) => l.includes('duplicate redemption in the same file'))).toHaveLength(2);
    expect(errors.find((l) => l.includes('NOPE1234'))).toBeDefined();
    expect(errors.find((l) => l.startsWith('yesterday'))).toContain('redeemedDateInMillis');
    const success = (await download(t, job.successFileUrl)).lines;
    expect(success[0]).toMatch(/,redemptionId$/);
    expect(success[1]).toMatch(new RegExp(`^${at},TILL-9,${m1},${c1.code},B1,N1,first,\\d+$`));
    const red = await sql<{ redeemed_at: number; till_id: string; bill_id: string; upload_job_id: number }>`
      select redeemed_at, till_id, bill_id, upload_job_id from redemption where upload_job_id = ${job.jobId}`.execute(
      t.app.engine.kysely,
    );
    expect(red.rows).toHaveLength(1);
    expect(red.rows[0]).toMatchObject({ till_id: 'TILL-9', bill_id: 'B1' });
    expect(Number(red.rows[0]!.redeemed_at)).toBe(at);
    expect(await counters(s.id)).toMatchObject({ numRedeemed: 1 });
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
