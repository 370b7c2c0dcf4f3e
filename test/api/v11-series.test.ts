// GET /v1.1/coupon/series (docs/api.md §14), from the page's sample: the envelope key for key, a series by id,
// the expired filter, 707 for an unknown id, JSON only.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, TestClock, type TestApp } from '../support/build-test-app.js';
import { createSeries } from '../support/factories.js';

const clock = new TestClock(Date.UTC(2026, 0, 15, 10, 0, 0));
let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp({ clock });
});
afterAll(async () => t.close());

/** The keys of the page's sample item (series.items.item). */
const SAMPLE_ITEM_KEYS = [
  'id',
  'description',
  'series_type',
  'client_handling_type',
  'discount_code',
  'valid_till_date',
  'valid_days_from_create',
  'expiry_strategy_type',
  'expiry_strategy_value',
  'max_create',
  'max_redeem',
  'transferrable',
  'any_user',
  'same_user_multiple_redeem',
  'allow_referral_existing_users',
  'multiple_use',
  'is_validation_required',
  'valid_with_discounted_item',
  'created_by',
  'created',
  'last_used',
  'series_code',
  'disable_sms',
  'info',
  'allow_multiple_vouchers_per_user',
  'do_not_resend_existing_voucher',
  'mutual_exclusive_series_ids',
  'store_ids_json',
  'max_vouchers_per_user',
  'min_days_between_vouchers',
  'discount_on',
  'discount_type',
  'discount_value',
  'redemption_range',
  'min_bill_amount',
  'max_bill_amount',
  'redeem_at_store',
  'max_redemptions_in_series_per_user',
  'min_days_between_redemption',
  'redemption_valid_from',
  'coupons',
  'item_status',
  'valid_redemption_org_entities',
];

describe('GET /v1.1/coupon/series', () => {
  it('answers a series by id in the page’s envelope, with text values as in the sample', async () => {
    const s = await createSeries(t, { description: 'API Coupon 3', discountType: 'PERC', discountValue: 10 });
    const r = await t.get(`/v1.1/coupon/series?id=${s.id}&format=json`);
    expect(r.status, r.text).toBe(200);
    expect(r.body.response.status).toEqual({ success: 'true', code: '200', message: 'Success' });
    const item = r.body.response.series.items.item;
    for (const key of SAMPLE_ITEM_KEYS) expect(item, key).toHaveProperty(key);
    expect(item).toMatchObject({
      id: String(s.id),
      description: 'API Coupon 3',
      discount_type: 'PERC',
      discount_value: '10',
      max_create: '-1',
      coupons: { issued: '0', redeemed: '0' },
      item_status: { success: 'true', code: '700', message: 'Coupon series fetched successfully' },
    });
  });

  it('lists every series, and expired=true / false splits ended from running ones', async () => {
    const ended = await createSeries(t, { description: 'ended', validTillDate: '2026-01-01' });
    const running = await createSeries(t, { description: 'running' });
    const all = (await t.get('/v1.1/coupon/series')).body.response.series.items.item as { id: string }[];
    expect(all.map((i) => i.id)).toEqual(expect.arrayContaining([String(ended.id), String(running.id)]));
    const exp = (await t.get('/v1.1/coupon/series?expired=true')).body.response.series.items.item as {
      id: string;
    }[];
    expect(exp.map((i) => i.id)).toContain(String(ended.id));
    expect(exp.map((i) => i.id)).not.toContain(String(running.id));
    const live = (await t.get('/v1.1/coupon/series?expired=false')).body.response.series.items.item as {
      id: string;
    }[];
    expect(live.map((i) => i.id)).toContain(String(running.id));
    expect(live.map((i) => i.id)).not.toContain(String(ended.id));
  });

  it('answers an unknown id with 707 in the v1.1 envelope', async () => {
    const r = await t.get('/v1.1/coupon/series?id=999999');
    expect(r.status).toBe(400);
    expect(r.body.response.status).toMatchObject({ success: 'false', code: 707 });
  });

  it('answers JSON only: format=xml and Accept: application/xml are 406 with a JSON body', async () => {
    const a = await t.get('/v1.1/coupon/series?format=xml');
    expect(a.status).toBe(406);
    expect(a.headers['content-type']).toMatch(/application\/json/);
    expect(a.body.response.status).toMatchObject({ success: 'false', code: 406 });
    const b = await t.request({ url: '/v1.1/coupon/series', headers: { accept: 'application/xml' } });
    expect(b.status).toBe(406);
    const c = await t.request({ url: '/v1.1/coupon/series', headers: { accept: 'application/json' } });
    expect(c.status).toBe(200);
    const post = await t.request({
      method: 'POST',
      url: '/v1.1/coupon/redeem?format=xml',
      body: { root: { coupon: { code: 'ABC', customer: { mobile: '9876543210' } } } },
    });
    expect(post.status).toBe(406);
    expect(post.body.response.status).toMatchObject({ success: 'false', code: 406 });
  });

  it('needs credentials (401 in the v1.1 envelope), and another org sees none of this org’s series', async () => {
    const s = await createSeries(t);
    const none = await t.get(`/v1.1/coupon/series?id=${s.id}`, null);
    expect(none.status).toBe(401);
    expect(none.body.response.status).toMatchObject({ success: 'false', code: 401 });
    const other = await t.createOrg('other org');
    const r = await t.get(`/v1.1/coupon/series?id=${s.id}`, other);
    expect(r.status).toBe(400);
    expect(r.body.response.status.code).toBe(707);
    expect((await t.get('/v1.1/coupon/series', other)).body.response.series.items.item).toEqual([]);
  });
});
