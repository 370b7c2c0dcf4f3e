// The later edition's redemption pages (docs/api.md §7): bulk limits, an optional bill amount, the redemption id,
// redemptionTime as the bill's time, is_redeemable details, reactivation's answer, and the page 07 sample request.
// The redeem update and the series' redemption restrictions: v2-redeem-edition-rules.test.ts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, TestClock, type TestApp } from '../support/build-test-app.js';
import { redeemBody } from '../support/factories.js';
import { redeemKit } from '../support/redeem-helpers.js';

const clock = new TestClock(Date.UTC(2026, 0, 15, 10, 0, 0));
let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp({ clock });
});
afterAll(async () => t.close());

const { mobile, txn, series, issue, issueMany } = redeemKit(() => t, {
  description: 'v2 edition',
  mobileStart: 9_600_000_000,
  billPrefix: 'V2R',
});

describe('bulk requests of up to 100 coupons (page 08)', () => {
  it('redeems 100 coupons in one bulk call, checks 100 with is_redeemable=true, and refuses 101 with 629', async () => {
    const s = await series({ isMultipleVouchersPerUserAllowed: true, maxVouchersPerUser: -1 });
    const m = mobile();
    const codes = await issueMany(s.id, m, 101);
    const hundred = codes.slice(0, 100);
    const dry = await t.post('/v2/coupon/bulk/redeem?is_redeemable=true', redeemBody(m, hundred, txn()));
    expect(dry.status, JSON.stringify(dry.body).slice(0, 400)).toBe(200);
    expect(dry.body.totalCount).toBe(100);
    const check = await t.get(`/v2/coupon/is_redeemable?mobile=${m}&code=${hundred.join(',')}`);
    expect(check.status).toBe(200);
    expect(check.body.redemption).toHaveLength(100);
    const tooMany = await t.post('/v2/coupon/bulk/redeem', redeemBody(m, codes, txn()));
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.errors[0].code).toBe(629);
    const r = await t.post('/v2/coupon/bulk/redeem', redeemBody(m, hundred, txn()));
    expect(r.status, JSON.stringify(r.body).slice(0, 400)).toBe(200);
    expect(r.body).toMatchObject({ totalCount: 100, failureCount: 0 });
    const single = await t.post('/v2/coupon/redeem', redeemBody(m, codes.slice(100), txn()));
    expect(single.status).toBe(200);
  });
});

describe('billAmount is optional (pages 07, 08)', () => {
  it('redeems without a bill amount: ABS takes its value off, PERC takes nothing; a series with a bill range refuses 733', async () => {
    const abs = await series();
    const perc = await series({ discountType: 'PERC', discountValue: 10 });
    const ranged = await series({ minBillAmount: 100 });
    const m = mobile();
    const a = await issue(abs.id, m);
    const p = await issue(perc.id, m);
    const r = await issue(ranged.id, m);
    const body = (code: string) => ({
      redemptionRequestList: [{ code }],
      user: { mobile: m },
      transactionNumber: txn(),
    });
    const one = await t.post('/v2/coupon/redeem', body(a.code));
    expect(one.status, JSON.stringify(one.body)).toBe(200);
    expect(one.body.redemption[0].discountAmount).toBe(100);
    const two = await t.post('/v2/coupon/bulk/redeem', body(p.code));
    expect(two.status, JSON.stringify(two.body)).toBe(200);
    expect(two.body.response[0].result.discountAmount).toBe(0);
    const dry = await t.post('/v2/coupon/bulk/redeem?is_redeemable=true', body(r.code));
    expect(dry.body.response[0].result.redemptionStatus.code).toBe(733);
    const three = await t.post('/v2/coupon/redeem', body(r.code));
    expect(three.status).toBe(400);
    expect(three.body.redemption[0].redemptionStatus.code).toBe(733);
    // is_redeemable without a bill skips the bill check, as before.
    const check = await t.get(`/v2/coupon/is_redeemable?mobile=${m}&code=${r.code}`);
    expect(check.body.redemption[0].isRedeemable).toBe(true);
    const withBill = await t.post('/v2/coupon/redeem', { ...body(r.code), billAmount: '150' });
    expect(withBill.status, JSON.stringify(withBill.body)).toBe(200);
  });
});

describe('result.redemptionId (page 08)', () => {
  it('carries the redemption id in single and bulk answers ("-1" in a dry run), and reactivation takes it', async () => {
    const s = await series({ isMultipleVouchersPerUserAllowed: true });
    const m = mobile();
    const [a, b, c] = await issueMany(s.id, m, 3);
    const single = await t.post('/v2/coupon/redeem', redeemBody(m, [a!], txn()));
    expect(single.status).toBe(200);
    const id = single.body.redemption[0].redemptionId;
    expect(id).toMatch(/^[1-9][0-9]*$/);
    expect(Number(id)).toBe(single.body.redemption[0].id);
    const dry = await t.post('/v2/coupon/bulk/redeem?is_redeemable=true', redeemBody(m, [b!, c!], txn()));
    expect(dry.body.response.map((r: any) => r.result.redemptionId)).toEqual(['-1', '-1']);
    const bulk = await t.post('/v2/coupon/bulk/redeem', redeemBody(m, [b!, c!], txn()));
    expect(bulk.status).toBe(200);
    const ids = bulk.body.response.map((r: any) => r.result.redemptionId);
    expect(new Set([id, ...ids]).size).toBe(3);
    const refused = await t.post('/v2/coupon/bulk/redeem', redeemBody(m, [b!], txn()));
    expect(refused.body.response[0].result.redemptionId).toBe('-1');
    const undo = await t.post('/v2/coupon/reactivate', { redemptionIds: ids.map(Number) });
    expect(undo.status, JSON.stringify(undo.body)).toBe(200);
    const again = await t.post('/v2/coupon/redeem', redeemBody(m, [b!], txn()));
    expect(again.status).toBe(200);
  });
});

describe('redemptionTime is the till’s time for the bill, not the time the checks run (pages 07, 08)', () => {
  it('redeems the page 08 sample body (redemptionTime in 2021) at the server’s time, and keeps the till’s time in the history', async () => {
    const s = await series({ validTillDate: '2026-01-31', isMultipleVouchersPerUserAllowed: true });
    const m = mobile();
    const [a, b] = await issueMany(s.id, m, 2);
    // The page's own sample: a till whose clock says 2021 (before the coupon was issued: 739 if checked then).
    const sample = {
      redemptionRequestList: [{ code: a }, { code: b }],
      redemptionTime: '2021-05-12 19:18:30',
      transactionNumber: 'numbr9435064964',
      user: { mobile: m },
      billAmount: '2000',
    };
    const r = await t.post('/v2/coupon/bulk/redeem', sample);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    const couponId = r.body.response[0].entityId;
    const history = await t.get(`/v2/coupon/${couponId}/history`);
    expect(history.status).toBe(200);
    const redeemed = JSON.stringify(history.body);
    expect(redeemed).toContain(String(Date.UTC(2021, 4, 12, 19, 18, 30)));
    // A till whose clock runs ahead does not get past the series' end either.
    const later = await series({ validTillDate: '2026-01-31' });
    const c = await issue(later.id, m);
    clock.set('2026-02-02T10:00:00Z');
    try {
      const late = await t.post('/v2/coupon/redeem', {
        ...redeemBody(m, [c.code], txn()),
        redemptionTime: '2026-01-20 10:00:00',
      });
      expect(late.body.redemption[0].redemptionStatus.code).toBe(712);
    } finally {
      clock.set('2026-01-15T10:00:00Z');
    }
    const bad = await t.post('/v2/coupon/redeem', {
      ...redeemBody(m, [c.code], txn()),
      redemptionTime: 'yesterday',
    });
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].code).toBe(629);
  });
});

describe('is_redeemable with details (page 09)', () => {
  it('details=true adds the discount and the couponseries object; details=extended the brands, products, categories', async () => {
    const s = await series({
      discountType: 'PERC',
      discountValue: 12,
      discountUpto: 50,
      maxRedemptionsInSeriesPerUser: 3,
      productInfo: [
        { productType: 'SKU', productIds: [30, 40] },
        { productType: 'CATEGORY', productIds: '50, 60' },
        { productType: 'BRAND', productIds: [10, 20] },
      ],
      redemptionOrgEntityDetails: [{ redemptionOrgEntityType: 'STORE', orgEntityId: 40 }],
    });
    const m = mobile();
    const c = await issue(s.id, m);
    // The series names store 40: its till (a client of till 40) checks the coupon.
    const till = await t.createClient(t.client.orgId, { tillId: '40' });
    const get = (url: string) => t.get(url, till);
    const plain = await get(`/v2/coupon/is_redeemable?mobile=${m}&code=${c.code}`);
    expect(plain.body.redemption[0]).not.toHaveProperty('discountType');
    expect(plain.body.redemption[0]).not.toHaveProperty('couponseries');
    const full = await get(`/v2/coupon/is_redeemable?mobile=${m}&code=${c.code}&details=true`);
    expect(full.status, JSON.stringify(full.body)).toBe(200);
    const item = full.body.redemption[0];
    expect(item).toMatchObject({
      isRedeemable: true,
      discountType: 'PERC',
      discountValue: 12,
      discountUpto: 50,
    });
    for (const key of [
      'description',
      'discountCode',
      'validTillDate',
      'validTilldateFormat',
      'isValidWithDiscountedItem',
      'isUpdateProductData',
      'updateProductData',
      'info',
      'maxRedemptionsInSeriesPerUser',
      'issueToLoyalty',
      'discountOn',
    ])
      expect(item.couponseries, key).toHaveProperty(key);
    expect(item.couponseries).toMatchObject({
      id: s.id,
      discountCode: 'TEST10',
      maxRedemptionsInSeriesPerUser: 3,
      isUpdateProductData: false,
    });
    expect(item.seriesDetails.id).toBe(s.id); // today's key stays
    const ext = await get(`/v2/coupon/is_redeemable?mobile=${m}&code=${c.code}&details=extended`);
    expect(ext.body.redemption[0]).toMatchObject({
      discountType: 'PERC',
      brands: [10, 20],
      products: [30, 40],
      categories: ['50', '60'],
      entityLevelRedemptionConfigsValues: [{ redemptionOrgEntityType: 'STORE', orgEntityId: 40 }],
    });
    expect(ext.body.redemption[0].couponseries.id).toBe(s.id);
  });
});

describe('reactivation (page 10)', () => {
  it('takes the ids as a comma-separated string and answers {warnings, errors, success}; a refusal says success false', async () => {
    const s = await series({ isMultipleVouchersPerUserAllowed: true });
    const m = mobile();
    const [a, b] = await issueMany(s.id, m, 2);
    const r = await t.post('/v2/coupon/redeem', redeemBody(m, [a!, b!], txn()));
    const ids: string[] = r.body.redemption.map((i: any) => i.redemptionId);
    const undo = await t.post('/v2/coupon/reactivate', { redemptionIds: ids.join(',') });
    expect(undo.status, JSON.stringify(undo.body)).toBe(200);
    expect(undo.body).toMatchObject({ warnings: [], errors: [], success: true });
    expect(undo.body.reactivated.sort()).toEqual(ids.map(Number).sort());
    const again = await t.post('/v2/coupon/reactivate', { redemptionIds: [ids.join(', ')] });
    expect(again.status).toBe(400);
    expect(again.body).toMatchObject({ warnings: [], success: false });
    expect(again.body.errors[0].code).toBe(510);
    const junk = await t.post('/v2/coupon/reactivate', { redemptionIds: `${ids[0]},x` });
    expect(junk.body.errors[0].code).toBe(510);
    const none = await t.post('/v2/coupon/reactivate', { redemptionIds: '' });
    expect(none.body.errors[0].code).toBe(661);
    expect((await t.post('/v2/coupon/redeem', redeemBody(m, [a!, b!], txn()))).status).toBe(200);
  });
});

describe('page 07 sample request', () => {
  it('redeems with the page’s own body: externalId customer, billAmount "0", empty transactionNumber, ISO redemptionTime with an offset', async () => {
    const s = await series();
    const externalId = `000003${Date.now() % 1_000_000}`;
    const issued = await t.post('/v2/coupon/issue', { seriesId: s.id, customer: { externalId } });
    expect(issued.status, JSON.stringify(issued.body)).toBe(200);
    const sample = {
      redemptionRequestList: [{ code: issued.body.code }],
      user: { externalId },
      transactionNumber: '',
      billAmount: '0',
      redemptionTime: '2024-11-11T05:11:13-05:00',
    };
    const r = await t.post('/v2/coupon/redeem', sample);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body.redemption[0]).toMatchObject({
      code: issued.body.code,
      discountType: 'ABS',
      discountValue: 100,
      discountAmount: 0, // at most the bill, and the bill is 0
      redemptionStatus: { code: 700, success: true },
    });
    expect(r.body.redemption[0].redemptionId).toBe(String(r.body.redemption[0].id));
  });
});
