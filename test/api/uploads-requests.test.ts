// Uploads through HTTP (docs/api.md §10), the requests: refusals of the upload's shape, result files and their
// downloads across orgs, the series' upload statuses, and Idempotency-Key. The worker runs in the app.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../support/build-test-app.js';
import { seriesBody } from '../support/factories.js';
import { download, multipart, postUpload, uploadKit, waitForJob } from '../support/upload-helpers.js';

let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp({ env: { COUPOND_WORKER: 'on' } });
});
afterAll(async () => t.close());

const { newCode, series, runCodes } = uploadKit(() => t);

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
