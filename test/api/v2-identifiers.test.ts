// v2 checking, redeeming and holding take the v1.1 spellings of a customer's identifiers (external_id,
// card_number, card_external_id) besides their own (cardNumber, cardExternalId), and v2 is_redeemable takes
// coupon_code_case (docs/api.md §4 "Cards", §7).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, TestClock, type TestApp } from '../support/build-test-app.js';
import { billSequence, createSeries, mobileSequence, redeemBody } from '../support/factories.js';

const clock = new TestClock(Date.UTC(2026, 0, 15, 10, 0, 0));
let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp({ clock });
});
afterAll(async () => t.close());

const mobile = mobileSequence(919_400_612_000);
const bill = billSequence('ID');

/** A customer with an external id and a card, holding one coupon issued through v1.1. */
async function customerWithCoupon() {
  const s = await createSeries(t);
  const m = mobile();
  const r = await t.post('/v1.1/coupon/issue', {
    root: {
      coupon: {
        series_id: String(s.id),
        customer: { mobile: m, external_id: `EXT-${m}`, card_number: `CN-${m}`, card_external_id: `CX-${m}` },
      },
    },
  });
  expect(r.status, r.text).toBe(200);
  return { m, code: r.body.response.coupon.code as string };
}

describe('GET /v2/coupon/is_redeemable with v1.1 identifiers', () => {
  it('external_id= names the customer (it used to answer 721)', async () => {
    const { m, code } = await customerWithCoupon();
    const r = await t.get(`/v2/coupon/is_redeemable?external_id=EXT-${m}&code=${code}`);
    expect(r.status, r.text).toBe(200);
    expect(r.body.redemption[0]).toMatchObject({ code, isRedeemable: true });
    expect(r.body.customer.profiles[0].identifiers).toContainEqual({ type: 'mobile', value: m });
  });

  it.each([
    ['card_number', 'CN-'],
    ['cardNumber', 'CN-'],
    ['card_external_id', 'CX-'],
    ['cardExternalId', 'CX-'],
  ])('%s= names the customer', async (param, prefix) => {
    const { m, code } = await customerWithCoupon();
    const r = await t.get(`/v2/coupon/is_redeemable?${param}=${prefix}${m}&code=${code}`);
    expect(r.status, r.text).toBe(200);
    expect(r.body.redemption[0]).toMatchObject({ code, isRedeemable: true });
  });

  it('an unknown card is 701; a card of another customer than the mobile is 721', async () => {
    const a = await customerWithCoupon();
    const b = await customerWithCoupon();
    const unknown = await t.get(`/v2/coupon/is_redeemable?card_number=NOSUCH&code=${a.code}`);
    expect(unknown.status).toBe(400);
    expect(unknown.body.errors[0].code).toBe(701);
    const clash = await t.get(`/v2/coupon/is_redeemable?mobile=${a.m}&card_number=CN-${b.m}&code=${a.code}`);
    expect(clash.status).toBe(400);
    expect(clash.body.errors[0].code).toBe(721);
  });

  it('coupon_code_case shows the code in the asked case; without it, as stored', async () => {
    const { m, code } = await customerWithCoupon();
    const lower = await t.get(`/v2/coupon/is_redeemable?mobile=${m}&code=${code}&coupon_code_case=LOWER`);
    expect(lower.status, lower.text).toBe(200);
    expect(lower.body.redemption[0]).toMatchObject({ code: code.toLowerCase(), isRedeemable: true });
    const plain = await t.get(`/v2/coupon/is_redeemable?mobile=${m}&code=${code.toLowerCase()}`);
    expect(plain.body.redemption[0].code).toBe(code);
  });
});

describe('v2 bodies with v1.1 identifiers', () => {
  it('redeem with user.external_id and user.card_external_id', async () => {
    const a = await customerWithCoupon();
    const r = await t.post('/v2/coupon/redeem', {
      ...redeemBody(a.m, [a.code], bill()),
      user: { external_id: `EXT-${a.m}` },
    });
    expect(r.status, r.text).toBe(200);
    expect(r.body.redemptionStatus).toMatchObject({ status: true });
    const b = await customerWithCoupon();
    const r2 = await t.post('/v2/coupon/redeem', {
      ...redeemBody(b.m, [b.code], bill()),
      user: { card_external_id: `CX-${b.m}` },
    });
    expect(r2.status, r2.text).toBe(200);
    expect(r2.body.customer.profiles[0].identifiers).toContainEqual({ type: 'mobile', value: b.m });
  });

  it('bulk redeem and hold with user.card_number', async () => {
    const a = await customerWithCoupon();
    const bulk = await t.post('/v2/coupon/bulk/redeem', {
      ...redeemBody(a.m, [a.code], bill()),
      user: { card_number: `CN-${a.m}` },
    });
    expect(bulk.status, bulk.text).toBe(200);
    expect(bulk.body.failureCount).toBe(0);
    const b = await customerWithCoupon();
    const hold = await t.post('/v2/coupon/hold', { codes: [b.code], user: { card_number: `CN-${b.m}` } });
    expect(hold.status, hold.text).toBe(200);
    expect(hold.body.holdId).toBeDefined();
  });
});
