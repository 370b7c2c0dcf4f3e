// Redeemed-coupon uploads through HTTP (docs/api.md §10): each good row recorded as a redemption at the file's
// time and till, bad rows refused. The worker runs in the app.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../support/build-test-app.js';
import { download, postUpload, uploadKit, waitForJob } from '../support/upload-helpers.js';

let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp({ env: { COUPOND_WORKER: 'on' } });
});
afterAll(async () => t.close());

const { newMobile, series, counters } = uploadKit(() => t);

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
