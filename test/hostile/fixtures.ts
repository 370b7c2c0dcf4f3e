// Data an org needs so that hostile and tenancy requests can reach past validation: series of each
// handling type, a customer with every identifier, an issued coupon, a redemption, a live hold, a pool code,
// and (when the app runs its worker) a finished upload with an error and a success file.
import { expect } from 'vitest';
import type { TestApp, TestClient } from '../support/build-test-app.js';
import { seriesBody } from '../support/factories.js';
import { postUpload, waitForJob } from '../support/upload-helpers.js';

export interface OrgData {
  client: TestClient;
  seriesId: number;
  pinSeriesId: number;
  multiSeriesId: number;
  customerId: number;
  mobile: string;
  email: string;
  externalId: string;
  code: string;
  couponId: number;
  /** A multi-use coupon with an active redemption. */
  redeemedCode: string;
  redeemedCouponId: number;
  redemptionId: number;
  transactionNumber: string;
  holdId: number;
  heldCode: string;
  poolCode: string;
  /** Set when the org ran an upload (the app's worker is on). */
  upload?: { seriesId: number; jobId: number; errorFile: string; successFile: string | null };
}

/** A marker written into the org's data, which no other org's answer may ever contain. */
export const markerOf = (client: TestClient) => `ORG${client.orgId}MARK`;

let seq = 0;

/** Creates everything in `client`'s org through the API, as an integration would. */
export async function seedOrg(
  t: TestApp,
  client: TestClient,
  options: { upload?: boolean } = {},
): Promise<OrgData> {
  const n = `${process.pid % 1000}${++seq}`;
  const mark = markerOf(client);
  const ok = (r: { status: number; body: any; text: string }) => {
    expect(r.status, r.text).toBeLessThan(300);
    return r.body;
  };
  const series = async (fields: Record<string, unknown>) =>
    ok(
      await t.post(
        '/v2/coupon/series',
        seriesBody({ description: `${mark} series`, discountValue: 10, discountCode: mark, ...fields }),
        client,
      ),
    ).id as number;
  const seriesId = await series({ isMultipleVouchersPerUserAllowed: true });
  const multiSeriesId = await series({
    isMultipleVouchersPerUserAllowed: true,
    isMultipleUseAllowed: true,
    sameUserMultipleRedeem: true,
    anyUser: true,
  });
  const pinSeriesId = await series({ clientHandlingType: 'DISC_CODE_PIN' });
  const mobile = `98${n.padStart(8, '0')}`.slice(0, 10);
  const email = `${mark.toLowerCase()}${n}@example.com`;
  const externalId = `${mark}-EXT-${n}`;
  const customer = ok(
    await t.post('/v2/customers', { firstName: mark, lastName: mark, mobile, email, externalId }, client),
  ).customer;
  const issue = async (s: number) =>
    ok(await t.post('/v2/coupon/issue', { seriesId: s, customer: { mobile } }, client));
  const coupon = await issue(seriesId);
  const held = await issue(seriesId);
  const multi = await issue(multiSeriesId);
  const transactionNumber = `${mark}-BILL-${n}`;
  const redeemed = ok(
    await t.post(
      '/v2/coupon/redeem',
      {
        billAmount: 100,
        transactionNumber,
        user: { mobile },
        redemptionRequestList: [{ code: multi.code }],
      },
      client,
    ),
  );
  const hold = ok(
    await t.post(
      '/v2/coupon/hold',
      { user: { mobile }, codes: [held.code], transactionNumber: `${mark}-HOLD-${n}`, ttlSeconds: 86_400 },
      client,
    ),
  );
  const poolCode = `P${client.orgId}X${n}`.toUpperCase();
  await t.app.services.pool.addCodes(client.orgId, pinSeriesId, [poolCode], {
    actor: 'test',
    now: Date.now(),
  });
  const data: OrgData = {
    client,
    seriesId,
    pinSeriesId,
    multiSeriesId,
    customerId: Number(customer.id),
    mobile,
    email,
    externalId,
    code: coupon.code,
    couponId: coupon.id,
    redeemedCode: multi.code,
    redeemedCouponId: multi.id,
    redemptionId: redeemed.redemption[0].id,
    transactionNumber,
    holdId: hold.holdId,
    heldCode: held.code,
    poolCode,
  };
  if (options.upload) {
    // A tagged upload: one good row (a success line) and one refused row (an error line).
    const csv = `mobile,code\n${mobile},U${client.orgId}X${n}A\n${mobile},bad code!\n`;
    const r = await postUpload(
      t,
      `/coupon/api/v1/upload/file/${seriesId}`,
      { customerIdentifier: 'MOBILE', customerIdentifierColumn: '0' },
      { content: csv, name: `${mark}.csv` },
      client,
    );
    expect(r.status, r.text).toBe(200);
    const job = await waitForJob(
      t,
      seriesId,
      r.body.result.uploadJobStatuses[0].jobId,
      'codes',
      60_000,
      client,
    );
    expect(job.errorFileUrl, JSON.stringify(job)).toBeTruthy();
    data.upload = {
      seriesId,
      jobId: job.jobId,
      errorFile: job.errorFileName,
      successFile: job.successFileName,
    };
  }
  return data;
}
