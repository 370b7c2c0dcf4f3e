// POST /v1.1/coupon/redeem keeps the request's custom_fields on the redemption, in the same place
// PUT /v2/coupon/redeem keeps its customFields (docs/api.md §14).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, TestClock, type TestApp } from '../support/build-test-app.js';
import { billSequence, createSeries, issueCoupon, mobileSequence } from '../support/factories.js';

const clock = new TestClock(Date.UTC(2026, 0, 15, 10, 0, 0));
let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp({ clock });
});
afterAll(async () => t.close());

const mobile = mobileSequence(919_400_713_000);
const bill = billSequence('CF');

async function redemptionIdOf(couponId: number): Promise<number> {
  const h = await t.get(`/v2/coupon/${couponId}/history`);
  expect(h.status, h.text).toBe(200);
  const ev = h.body.events.find((e: any) => e.type === 'redeemed');
  expect(ev, JSON.stringify(h.body)).toBeDefined();
  const details = typeof ev.details === 'string' ? JSON.parse(ev.details) : ev.details;
  return Number(details.redemptionId);
}

describe('POST /v1.1/coupon/redeem custom_fields', () => {
  it('keeps them on the redemption: a later PUT /v2/coupon/redeem answers them merged with its own', async () => {
    const s = await createSeries(t, { isMultipleVouchersPerUserAllowed: true });
    const m = mobile();
    const coupon = await issueCoupon(t, s.id, { mobile: m });
    const r = await t.post('/v1.1/coupon/redeem', {
      root: {
        coupon: {
          code: coupon.code,
          customer: { mobile: m },
          transaction: { number: bill(), amount: 500 },
          custom_fields: {
            field: [
              { name: 'store_note', value: 'gift' },
              { name: 'lane', value: '4' },
            ],
          },
        },
      },
    });
    expect(r.status, r.text).toBe(200);
    const id = await redemptionIdOf(coupon.id);
    const up = await t.put('/v2/coupon/redeem', {
      redemptions: [{ redemptionId: id, billAmount: 500, customFields: { lane: '5' } }],
    });
    expect(up.status, up.text).toBe(200);
    expect(up.body.entity.redemptions[0].customFields).toEqual({ store_note: 'gift', lane: '5' });
  });

  it('a single field object works too, and coupons with different fields redeem apart', async () => {
    const s = await createSeries(t, { isMultipleVouchersPerUserAllowed: true });
    const m = mobile();
    const c1 = await issueCoupon(t, s.id, { mobile: m });
    const c2 = await issueCoupon(t, s.id, { mobile: m });
    const number = bill();
    const r = await t.post('/v1.1/coupon/redeem', {
      root: {
        coupon: [
          {
            code: c1.code,
            customer: { mobile: m },
            transaction: { number, amount: 900 },
            custom_fields: { field: { name: 'k', value: 'one' } },
          },
          {
            code: c2.code,
            customer: { mobile: m },
            transaction: { number, amount: 900 },
            custom_fields: { field: { name: 'k', value: 'two' } },
          },
        ],
      },
    });
    expect(r.status, r.text).toBe(200);
    for (const [c, v] of [
      [c1, 'one'],
      [c2, 'two'],
    ] as const) {
      const id = await redemptionIdOf(c.id);
      const up = await t.put('/v2/coupon/redeem', { redemptions: [{ redemptionId: id, billAmount: 900 }] });
      expect(up.status, up.text).toBe(200);
      expect(up.body.entity.redemptions[0].customFields).toEqual({ k: v });
    }
  });
});
