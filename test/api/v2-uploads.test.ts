// Uploads with the later edition's pages (docs/api.md §10): errorFileUrl is a path that downloads the file
// with the same credentials, and the reference's own redeemed-coupons curl (COUPON_ID with a couponCode
// column) is taken.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../support/build-test-app.js';
import { createSeries, issueCoupon, mobileSequence } from '../support/factories.js';
import { postUpload, waitForJob } from '../support/upload-helpers.js';

let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp({ env: { COUPOND_WORKER: 'on' } });
});
afterAll(async () => t.close());

const mobile = mobileSequence(9_660_000_000);

describe('redeemed-coupon uploads and their result files', () => {
  it("takes the reference's sample curl (USER_ID, COUPON_ID, a couponCode column) and answers downloadable paths", async () => {
    const s = (await createSeries(t, { isMultipleVouchersPerUserAllowed: true, maxVouchersPerUser: -1 })).id;
    const a = await issueCoupon(t, s, { mobile: mobile() });
    const now = Date.now();
    const at = Math.max(now - 60_000, now - (now % 86_400_000));
    const rows = [
      'redeemed date in millis,redeemed at,user id,coupon code,bill id,bill number,details',
      `${at},50015497,${a.customer.id},${a.code},1603128596000,luci_auto_15039,first`,
      `${at},50015497,${a.customer.id},NOPE1234,1603128596001,luci_auto_15040,`,
    ];
    const r = await postUpload(
      t,
      `/coupon/api/v1/upload/redeemFile/${s}`,
      {
        customerIdentifier: 'USER_ID',
        couponIdentifier: 'COUPON_ID',
        uploadHeaders:
          '{"redeemedAt": 1, "billNumber": 5, "couponCode": 3, "userId": 2, "billId": 4, "redeemedDateInMillis": 0, "details": 6}',
      },
      { name: 'couponCode.csv', content: `${rows.join('\n')}\n` },
    );
    expect(r.status, r.text).toBe(200);
    const queued = r.body.result.redeemUploadJobStatuses[0];
    const job = await waitForJob(t, s, queued.jobId, 'redemptions');
    expect(job).toMatchObject({
      uploadRedeemedCouponStatus: 'COMPLETED',
      totalUploadedCount: 2,
      errorCount: 1,
    });
    expect(job.errorFileUrl).toBe(`/coupon/api/v1/upload/files/${job.errorFileName}`);
    expect(job.successFileUrl).toBe(`/coupon/api/v1/upload/files/${job.successFileName}`);
    expect(job.errorFileName).toMatch(/^error_\d+\.csv$/);

    // The URL downloads the file as it stands, with the same credentials; another org's are refused.
    const errors = await t.get(job.errorFileUrl);
    expect(errors.status).toBe(200);
    expect(errors.text).toContain('NOPE1234');
    const success = await t.get(job.successFileUrl);
    expect(success.text).toContain(a.code);
    const other = await t.createOrg('org U');
    expect((await t.get(job.errorFileUrl, other)).status).toBe(404);

    const coupon = (await t.get(`/v2/coupon?couponCodes=${a.code}`)).body.data[0];
    expect(coupon.redemptionCount).toBe(1);
  });

  it('still needs a coupon column: neither couponId nor couponCode is 629', async () => {
    const s = (await createSeries(t)).id;
    const r = await postUpload(
      t,
      `/coupon/api/v1/upload/redeemFile/${s}`,
      {
        customerIdentifier: 'USER_ID',
        couponIdentifier: 'COUPON_ID',
        uploadHeaders: '{"redeemedAt": 1, "userId": 2, "redeemedDateInMillis": 0}',
      },
      { name: 'x.csv', content: '1,2,3\n' },
    );
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({ success: false, errors: [{ code: 629 }] });
    expect(r.body.errors[0].message).toContain('couponId or couponCode');
  });
});
