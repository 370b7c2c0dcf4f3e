// PUT /v2/coupon/bulk/expiry and PUT /v2/coupon/redeem honour an Idempotency-Key as the POSTs do
// (docs/api.md §3 "Idempotency"): a retry replays the first answer and does the work once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, TestClock, type TestApp } from '../support/build-test-app.js';
import { billSequence, createSeries, issueCoupon, mobileSequence, redeemBody } from '../support/factories.js';

const clock = new TestClock(Date.UTC(2026, 0, 15, 10, 0, 0));
let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp({ clock });
});
afterAll(async () => t.close());

const mobile = mobileSequence(919_400_915_000);
const bill = billSequence('PI');
const many = { isMultipleVouchersPerUserAllowed: true, maxVouchersPerUser: -1, validTillDate: '2027-12-31' };
const put = (url: string, body: unknown, key: string) =>
  t.request({ method: 'PUT', url, body, headers: { 'idempotency-key': key } });

const historyOf = async (couponId: number, type: string) =>
  (await t.get(`/v2/coupon/${couponId}/history`)).body.events.filter((e: any) => e.type === type);

describe('Idempotency-Key on PUT', () => {
  it('PUT /v2/coupon/bulk/expiry: the retry is replayed, the expiry changed once', async () => {
    const s = (await createSeries(t, many)).id;
    const m = mobile();
    const a = await issueCoupon(t, s, { mobile: m });
    const body = {
      couponSeriesId: s,
      customer: { mobile: m },
      couponCodes: [{ couponCode: a.code, expiryDate: '2026-10-30T10:00:00Z' }],
    };
    const first = await put('/v2/coupon/bulk/expiry', body, `exp-${a.code}`);
    expect(first.status, first.text).toBe(200);
    const second = await put('/v2/coupon/bulk/expiry', body, `exp-${a.code}`);
    expect(second.status).toBe(200);
    expect(second.headers['idempotent-replayed']).toBe('true');
    expect(second.body).toEqual(first.body);
    expect(await historyOf(a.id, 'expiry_changed')).toHaveLength(1);
    const other = await put('/v2/coupon/bulk/expiry', { ...body, couponCodes: [] }, `exp-${a.code}`);
    expect(other.status).toBe(409);
  });

  it('PUT /v2/coupon/redeem: the retry is replayed, the redemption updated once', async () => {
    const s = (await createSeries(t, many)).id;
    const m = mobile();
    const a = await issueCoupon(t, s, { mobile: m });
    const r = await t.post('/v2/coupon/redeem', redeemBody(m, [a.code], bill()));
    expect(r.status, r.text).toBe(200);
    const id = Number(r.body.redemption[0].redemptionId);
    const body = { redemptions: [{ redemptionId: id, billAmount: 300, transactionNumber: bill() }] };
    const first = await put('/v2/coupon/redeem', body, `upd-${a.code}`);
    expect(first.status, first.text).toBe(200);
    const second = await put('/v2/coupon/redeem', body, `upd-${a.code}`);
    expect(second.headers['idempotent-replayed']).toBe('true');
    expect(second.body).toEqual(first.body);
    expect(await historyOf(a.id, 'redemption_updated')).toHaveLength(1);
  });

  it('without a key a PUT runs each time', async () => {
    const s = (await createSeries(t, many)).id;
    const m = mobile();
    const a = await issueCoupon(t, s, { mobile: m });
    const r = await t.post('/v2/coupon/redeem', redeemBody(m, [a.code], bill()));
    const id = Number(r.body.redemption[0].redemptionId);
    for (const amount of [300, 400])
      expect(
        (await t.put('/v2/coupon/redeem', { redemptions: [{ redemptionId: id, billAmount: amount }] }))
          .status,
      ).toBe(200);
    expect(await historyOf(a.id, 'redemption_updated')).toHaveLength(2);
  });
});
