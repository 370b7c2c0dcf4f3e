// POST /v1.1/coupon/issue, GET /v1.1/coupon/resend, GET /v1.1/coupon/get and GET /v1.1/customer/coupons
// (docs/api.md §14), from the pages' samples; cards on the customer (docs/api.md §4 "Cards").
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, TestClock, type TestApp } from '../support/build-test-app.js';
import { billSequence, createSeries, mobileSequence, redeemBody } from '../support/factories.js';

const clock = new TestClock(Date.UTC(2026, 0, 15, 10, 0, 0));
let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp({ clock });
});
afterAll(async () => t.close());

const mobile = mobileSequence(919_400_488_000);
const bill = billSequence('V');

const issueV11 = (seriesId: number, customer: Record<string, unknown>, as = t.client) =>
  t.post('/v1.1/coupon/issue', { root: { coupon: { series_id: String(seriesId), customer } } }, as);

const ISSUE_KEYS = [
  'code',
  'series_id',
  'description',
  'discount_code',
  'valid_till',
  'discount_type',
  'discount_value',
  'discount_upto',
  'discount_on',
  'detailed_info',
  'customer',
  'item_status',
];

describe('POST /v1.1/coupon/issue', () => {
  it('issues a coupon: the sample’s keys and value types', async () => {
    const s = await createSeries(t, { description: 'Vishu 10% OFF', discountValue: 500 });
    const m = mobile();
    const r = await issueV11(s.id, { mobile: m, email: `tom.${m}@example.com`, external_id: '' });
    expect(r.status, r.text).toBe(200);
    expect(r.body.response.status).toEqual({ success: true, code: 200, message: 'Success' });
    const c = r.body.response.coupon;
    expect(Object.keys(c).sort()).toEqual([...ISSUE_KEYS].sort());
    expect(c).toMatchObject({
      series_id: String(s.id),
      description: 'Vishu 10% OFF',
      discount_type: 'ABS',
      discount_value: '500',
      discount_upto: '0',
      customer: { mobile: m, email: `tom.${m}@example.com`, external_id: null },
      item_status: { success: true, code: 700, message: 'Coupon processing successful' },
    });
    expect(c.valid_till).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  });

  it('answers a refused issue with the item’s v1.1 code (722, unknown series 707)', async () => {
    const s = await createSeries(t, { maxCreate: 1 });
    expect((await issueV11(s.id, { mobile: mobile() })).status).toBe(200);
    const r = await issueV11(s.id, { mobile: mobile() });
    expect(r.status).toBe(400);
    expect(r.body.response.status).toMatchObject({ success: false, code: 500 });
    expect(r.body.response.coupon.item_status).toMatchObject({ success: false, code: 722 });
    const unknown = await issueV11(999_999, { mobile: mobile() });
    expect(unknown.body.response.coupon.item_status.code).toBe(707);
  });
});

describe('POST /v1.1/coupon/issue with an Idempotency-Key', () => {
  it('replays the first answer and issues one coupon', async () => {
    const s = await createSeries(t, { allowMultipleVouchersPerUser: true, maxVouchersPerUser: -1 });
    const m = mobile();
    const body = { root: { coupon: { series_id: String(s.id), customer: { mobile: m } } } };
    const key = { 'idempotency-key': `issue-v11-${m}` };
    const first = await t.post('/v1.1/coupon/issue', body, t.client, key);
    const second = await t.post('/v1.1/coupon/issue', body, t.client, key);
    expect(first.status).toBe(200);
    expect(second.headers['idempotent-replayed']).toBe('true');
    expect(second.body).toEqual(first.body);
    const list = await t.get(`/v1.1/customer/coupons?mobile=${m}`);
    expect(list.body.response.pagination.total).toBe(1);
  });
});

describe('GET /v1.1/coupon/resend', () => {
  it('queues the coupon’s SMS again: the sample’s answer, and one more message in the outbox', async () => {
    const s = await createSeries(t, { isSMSDisabled: false });
    const m = mobile();
    const issued = await issueV11(s.id, { mobile: m });
    const code = issued.body.response.coupon.code;
    const r = await t.get(`/v1.1/coupon/resend?mobile=${m}&code=${code}`);
    expect(r.status, r.text).toBe(200);
    expect(r.body.response.status).toEqual({ success: 'true', code: '200', message: 'SUCCESS' });
    expect(r.body.response.coupons.coupon).toEqual([
      {
        id: expect.stringMatching(/^\d+$/),
        code,
        item_status: { success: 'true', code: '700', message: 'Coupon Resent' },
      },
    ]);
    const customerId = (await t.get(`/v2/customers/lookup?mobile=${m}`)).body.customer.id;
    const messages = (await t.get(`/v2/communications?customerId=${customerId}`)).body.messages;
    expect(messages).toHaveLength(2);
    const history = (await t.get(`/v2/coupon/${r.body.response.coupons.coupon[0].id}/history`)).body;
    expect(JSON.stringify(history)).toContain('resent');
  });

  it('refuses another customer’s coupon with 703, and a series without SMS with 704', async () => {
    const s = await createSeries(t, { isSMSDisabled: false });
    const a = mobile();
    const b = mobile();
    const code = (await issueV11(s.id, { mobile: a })).body.response.coupon.code;
    await issueV11(s.id, { mobile: b });
    const r = await t.get(`/v1.1/coupon/resend?mobile=${b}&code=${code}`);
    expect(r.status).toBe(400);
    expect(r.body.response.coupons.coupon[0].item_status).toMatchObject({ success: 'false', code: 703 });
    const quiet = await createSeries(t, { isSMSDisabled: true });
    const q = (await issueV11(quiet.id, { mobile: a })).body.response.coupon.code;
    const none = await t.get(`/v1.1/coupon/resend?mobile=${a}&code=${q}`);
    expect(none.body.response.coupons.coupon[0].item_status.code).toBe(704);
  });
});

describe('GET /v1.1/coupon/get', () => {
  it('answers coupons by code and customer id, with redemption_info once redeemed, and coupon_code_case', async () => {
    const s = await createSeries(t, { discountValue: 10 });
    const m = mobile();
    const one = (await issueV11(s.id, { mobile: m })).body.response.coupon.code;
    const s2 = await createSeries(t);
    const two = (await issueV11(s2.id, { mobile: m })).body.response.coupon.code;
    const number = bill();
    expect((await t.post('/v2/coupon/redeem', redeemBody(m, [two], number))).status).toBe(200);
    const id = (await t.get(`/v2/customers/lookup?mobile=${m}`)).body.customer.id;
    const r = await t.get(
      `/v1.1/coupon/get?issuedToIds=${id}&code=${one},${two.toLowerCase()}&coupon_code_case=LOWER`,
    );
    expect(r.status, r.text).toBe(200);
    expect(r.body.response.status).toEqual({
      success: 'true',
      status: 'true',
      code: 200,
      message: 'Success',
    });
    const [a, b] = r.body.response.coupons.coupon;
    expect(a).toMatchObject({
      code: one.toLowerCase(),
      series_id: s.id,
      is_absolute: true,
      value: 10,
      discount_upto: 0,
      purpose: '',
      custom_properties: { custom_property: [] },
      customer: { id: String(id), mobile: m },
      pincode: 'NULL',
      item_status: { success: 'true', code: 700, message: 'Coupon processing successful' },
    });
    expect(a.valid_till).toMatch(/^\d{2}-\d{2}-\d{4}$/);
    expect(a.issued_on).toBe('2026-01-15 10:00:00');
    expect(a).not.toHaveProperty('redemption_info');
    expect(b.redemption_info).toMatchObject({
      redeemed: 'true',
      id: expect.any(Number),
      transaction: { id: null, bill_number: number },
      redeemed_by: { mobile: m },
    });
  });

  it('answers a code that names nothing with id -1 and 705', async () => {
    const r = await t.get('/v1.1/coupon/get?code=WL2ZBJZK');
    expect(r.body.response.coupons.coupon).toEqual([
      {
        id: -1,
        code: 'WL2ZBJZK',
        is_absolute: false,
        value: null,
        discount_upto: null,
        pincode: 'NULL',
        item_status: { success: 'false', code: 705, message: expect.any(String) },
      },
    ]);
  });
});

describe('GET /v1.1/customer/coupons', () => {
  it('lists the customer’s coupons with redemptions, in the sample’s shape, with status, series, order and limit', async () => {
    const s = await createSeries(t, { description: '10 units' });
    const s2 = await createSeries(t, { description: 'Spin_The_Wheel', allowMultipleVouchersPerUser: true });
    const m = mobile();
    const first = (await issueV11(s.id, { mobile: m })).body.response.coupon.code;
    clock.advance(60_000);
    const second = (await issueV11(s2.id, { mobile: m })).body.response.coupon.code;
    const number = bill();
    expect((await t.post('/v2/coupon/redeem', redeemBody(m, [first], number))).status).toBe(200);
    const r = await t.get(`/v1.1/customer/coupons?mobile=${m}`);
    expect(r.status, r.text).toBe(200);
    expect(r.body.response.pagination).toEqual({ limit: '100', offset: '0', total: 2 });
    expect(r.body.response.status).toEqual({ success: 'true', code: 200, message: 'Success' });
    const customer = r.body.response.customers.customer[0];
    expect(customer).toMatchObject({
      mobile: m,
      item_status: { success: 'true', code: 1000, message: 'Coupons retrieved successfully' },
    });
    const coupons = customer.coupons.coupon;
    expect(coupons.map((c: any) => c.code)).toEqual([second, first]); // newest first
    expect(coupons[1]).toMatchObject({
      series_id: String(s.id),
      series_name: '10 units',
      redemption_count: 1,
      transaction_number: null,
      purpose: '',
      custom_properties: { custom_property: [] },
      redemptions: { redemption: [{ id: expect.any(String), transaction_number: number }] },
    });
    expect(coupons[0].redemptions).toEqual({});
    expect(coupons[0].created_date).toBe('2026-01-15T10:01:00.000Z');
    const redeemed = await t.get(`/v1.1/customer/coupons?mobile=${m}&status=redeemed`);
    expect(redeemed.body.response.customers.customer[0].coupons.coupon.map((c: any) => c.code)).toEqual([
      first,
    ]);
    const unredeemed = await t.get(`/v1.1/customer/coupons?mobile=${m}&status=unredeemed`);
    expect(unredeemed.body.response.customers.customer[0].coupons.coupon.map((c: any) => c.code)).toEqual([
      second,
    ]);
    const bySeries = await t.get(`/v1.1/customer/coupons?mobile=${m}&series_id=${s2.id}`);
    expect(bySeries.body.response.customers.customer[0].coupons.coupon.map((c: any) => c.code)).toEqual([
      second,
    ]);
    const asc = await t.get(
      `/v1.1/customer/coupons?mobile=${m}&order_by=created_date&sort_order=asc&limit=1`,
    );
    expect(asc.body.response.customers.customer[0].coupons.coupon.map((c: any) => c.code)).toEqual([first]);
    expect(asc.body.response.pagination).toEqual({ limit: '1', offset: '0', total: 2 });
    const expired = await t.get(`/v1.1/customer/coupons?mobile=${m}&status=expired`);
    expect(expired.body.response.customers.customer[0].coupons.coupon).toEqual([]);
  });

  it('answers an unknown customer with 701, and another org sees nothing', async () => {
    const nobody = await t.get(`/v1.1/customer/coupons?mobile=${mobile()}`);
    expect(nobody.status).toBe(400);
    expect(nobody.body.response.status).toMatchObject({ success: 'false', code: 701 });
    const s = await createSeries(t);
    const m = mobile();
    const code = (await issueV11(s.id, { mobile: m })).body.response.coupon.code;
    const other = await t.createOrg('another org');
    expect((await t.get(`/v1.1/customer/coupons?mobile=${m}`, other)).body.response.status.code).toBe(701);
    const got = await t.get(`/v1.1/coupon/get?code=${code}`, other);
    expect(got.body.response.coupons.coupon[0]).toMatchObject({ id: -1, item_status: { code: 705 } });
    expect(
      (await t.get(`/v1.1/coupon/resend?mobile=${m}&code=${code}`, other)).body.response.coupons.coupon[0]
        .item_status.code,
    ).toBe(701);
  });
});

describe('cards', () => {
  it('a card given on issue names the customer afterwards (v1.1 and v2 lookups)', async () => {
    const s = await createSeries(t);
    const m = mobile();
    const card = `CARD-${m}`;
    const r = await issueV11(s.id, { mobile: m, card_number: card, card_external_id: `X-${m}` });
    expect(r.status, r.text).toBe(200);
    const code = r.body.response.coupon.code;
    const byCard = await t.get(`/v1.1/coupon/isredeemable?card_number=${card}&code=${code}`);
    expect(byCard.body.response.coupons.redeemable).toMatchObject({ mobile: m, is_redeemable: 'true' });
    const byCardExt = await t.get(`/v1.1/customer/coupons?card_external_id=X-${m}`);
    expect(byCardExt.body.response.customers.customer[0].mobile).toBe(m);
    const v2 = await t.get(`/v2/customers/lookup?cardNumber=${card}`);
    expect(v2.body.customer.profiles[0].identifiers).toContainEqual({ type: 'mobile', value: m });
  });

  it('v2 register takes a card; a card of another customer is 721', async () => {
    const a = mobile();
    const card = `REG-${a}`;
    const reg = await t.post('/v2/customers', { mobile: a, cardNumber: card });
    expect(reg.status, reg.text).toBe(200);
    const b = mobile();
    expect((await t.post('/v2/customers', { mobile: b })).status).toBe(200);
    const clash = await t.post('/v2/customers', { mobile: b, cardNumber: card });
    expect(clash.status).toBe(400);
    expect(clash.body.errors[0].code).toBe(721);
    const s = await createSeries(t);
    const v11 = await issueV11(s.id, { mobile: b, card_number: card });
    expect(v11.status).toBe(400);
    expect(v11.body.response.status).toMatchObject({ success: 'false', code: 721 });
    expect((await t.get(`/v1.1/customer/coupons?card_number=NOSUCHCARD`)).body.response.status.code).toBe(
      701,
    );
  });

  it('redeems by card, and a card of one org names nobody in another', async () => {
    const s = await createSeries(t);
    const m = mobile();
    const card = `RED-${m}`;
    const code = (await issueV11(s.id, { mobile: m, card_number: card })).body.response.coupon.code;
    const other = await t.createOrg('card org');
    const elsewhere = await t.get(`/v1.1/customer/coupons?card_number=${card}`, other);
    expect(elsewhere.body.response.status.code).toBe(701);
    const r = await t.post('/v1.1/coupon/redeem', {
      root: {
        coupon: { code, customer: { card_number: card }, transaction: { number: bill(), amount: 500 } },
      },
    });
    expect(r.status, r.text).toBe(200);
    expect(r.body.response.coupons.coupon).toMatchObject({
      customer: { mobile: m },
      transaction: { amount: '500.00' },
      item_status: { code: '700' },
    });
  });

  it('v2 bodies name a customer by card too: a v2 redeem with user.cardNumber', async () => {
    const s = await createSeries(t);
    const m = mobile();
    const card = `V2-${m}`;
    const code = (await issueV11(s.id, { mobile: m, card_number: card })).body.response.coupon.code;
    const r = await t.post('/v2/coupon/redeem', {
      ...redeemBody(m, [code], bill()),
      user: { cardNumber: card },
    });
    expect(r.status, r.text).toBe(200);
    expect(r.body.customer.profiles[0].identifiers).toContainEqual({ type: 'mobile', value: m });
  });
});
