// POST /v1.1/coupon/redeem with an Idempotency-Key: taken for one customer and one bill, whose answer is
// stored in the redemption's own transaction; refused (629) for several, which would be several
// transactions (docs/api.md §14).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, TestClock, type TestApp } from '../support/build-test-app.js';
import { billSequence, createSeries, issueCoupon, mobileSequence } from '../support/factories.js';

const clock = new TestClock(Date.UTC(2026, 0, 15, 10, 0, 0));
let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp({ clock });
});
afterAll(async () => t.close());

const mobile = mobileSequence(919_400_814_000);
const bill = billSequence('IK');

const item = (code: string, m: string, number: string) => ({
  code,
  customer: { mobile: m },
  transaction: { number, amount: 700 },
});

describe('POST /v1.1/coupon/redeem with an Idempotency-Key', () => {
  it('refuses several bills with a key (629), redeems nothing; the retry gets the same refusal', async () => {
    const s = await createSeries(t);
    const m = mobile();
    const a = await issueCoupon(t, s.id, { mobile: m });
    const n = mobile();
    const b = await issueCoupon(t, s.id, { mobile: n });
    const body = { root: { coupon: [item(a.code, m, bill()), item(b.code, n, bill())] } };
    const key = { 'idempotency-key': `multi-${a.code}` };
    const r = await t.post('/v1.1/coupon/redeem', body, t.client, key);
    expect(r.status, r.text).toBe(400);
    expect(r.body.response.status).toMatchObject({ code: 629 });
    expect(r.body.response.status.message).toMatch(/Idempotency-Key/);
    for (const [c, who] of [
      [a, m],
      [b, n],
    ] as const) {
      const check = await t.get(`/v2/coupon/is_redeemable?mobile=${who}&code=${c.code}`);
      expect(check.body.redemption[0].isRedeemable).toBe(true);
    }
    const again = await t.post('/v1.1/coupon/redeem', body, t.client, key);
    expect(again.status).toBe(400);
    expect(again.body).toEqual(r.body);
  });

  it('takes a key for several coupons of one customer and bill, and replays it', async () => {
    const s = await createSeries(t, { isMultipleVouchersPerUserAllowed: true });
    const m = mobile();
    const a = await issueCoupon(t, s.id, { mobile: m });
    const b = await issueCoupon(t, s.id, { mobile: m });
    const number = bill();
    const body = { root: { coupon: [item(a.code, m, number), item(b.code, m, number)] } };
    const key = { 'idempotency-key': `one-${a.code}` };
    const first = await t.post('/v1.1/coupon/redeem', body, t.client, key);
    expect(first.status, first.text).toBe(200);
    const second = await t.post('/v1.1/coupon/redeem', body, t.client, key);
    expect(second.headers['idempotent-replayed']).toBe('true');
    expect(second.body).toEqual(first.body);
  });

  it('without a key, several bills still redeem each on its own', async () => {
    const s = await createSeries(t);
    const m = mobile();
    const a = await issueCoupon(t, s.id, { mobile: m });
    const n = mobile();
    const b = await issueCoupon(t, s.id, { mobile: n });
    const r = await t.post('/v1.1/coupon/redeem', {
      root: { coupon: [item(a.code, m, bill()), item(b.code, n, bill())] },
    });
    expect(r.status, r.text).toBe(200);
    expect(r.body.response.coupons.coupon).toHaveLength(2);
  });
});
