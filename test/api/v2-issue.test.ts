// Issuing with the later edition's samples (docs/api.md §6): issue/multiple's seriesIds, default count, 756
// and 677, and its answer; bulk/issue without source; issue without a customer (629).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../support/build-test-app.js';
import { createSeries, mobileSequence } from '../support/factories.js';

let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp();
});
afterAll(async () => t.close());

const mobile = mobileSequence(9_650_000_000);
const many = { isMultipleVouchersPerUserAllowed: true, maxVouchersPerUser: -1 };

describe('POST /v2/coupon/issue/multiple', () => {
  it("answers the page's sample (seriesId, count 2, mobile) with couponConfig, couponId and the counts", async () => {
    const s = await createSeries(t, { description: 'IKEA - 500KW Voucher', discountValue: 500, ...many });
    const r = await t.post('/v2/coupon/issue/multiple', {
      seriesId: s.id,
      count: 2,
      customer: { mobile: '11223569865' },
    });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body).toMatchObject({
      totalCount: 2,
      failureCount: 0,
      successCount: 2,
      errors: [],
      warnings: [],
    });
    expect(r.body.coupons).toHaveLength(2);
    for (const c of r.body.coupons) {
      expect(c.couponId).toBe(c.id);
      expect(typeof c.code).toBe('string');
    }
    for (const key of [
      'customPropertyMap',
      'id',
      'description',
      'discountCode',
      'info',
      'discountUpto',
      'discountValue',
      'issueToLoyalty',
      'numUploadedNonIssued',
      'numUploadedTotal',
      'redemptionValidAfterDays',
      'ownerId',
      'ownerValidity',
      'alphaNumeric',
      'shortCodeLength',
      'randomCodeLength',
      'fixedExpiryDate',
      'numTotal',
      'latestIssualTime',
      'latestRedemptionTime',
      'discountOn',
      'discountType',
      'externalIssual',
      'updateProductData',
    ])
      expect(r.body.couponConfig, key).toHaveProperty(key);
    expect(r.body.couponConfig).toMatchObject({
      id: s.id,
      description: 'IKEA - 500KW Voucher',
      discountValue: 500,
      discountType: 'ABS',
    });
    expect(r.body.couponConfig.latestIssualTime).toBeGreaterThan(0);
    expect(r.body.customer.profiles[0].identifiers).toContainEqual({ type: 'mobile', value: '11223569865' });
  });

  it('takes the documented seriesIds key, and one coupon when count is absent', async () => {
    const s = (await createSeries(t, many)).id;
    for (const seriesIds of [s, String(s), [s]]) {
      const r = await t.post('/v2/coupon/issue/multiple', {
        seriesIds,
        customer: { email: `m${mobile()}@example.com` },
      });
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      expect(r.body).toMatchObject({ totalCount: 1, successCount: 1, failureCount: 0 });
      expect(r.body.coupons).toHaveLength(1);
    }
  });

  it('refuses count 0 or less with 756, over 500 with 677, no series with 756, several series with 629', async () => {
    const s = (await createSeries(t, many)).id;
    const customer = { externalId: `E${mobile()}` };
    for (const [count, code] of [
      [0, 756],
      [-3, 756],
      [501, 677],
    ] as const) {
      const r = await t.post('/v2/coupon/issue/multiple', { seriesId: s, count, customer });
      expect(r.status, String(count)).toBe(400);
      expect(r.body.errors[0].code, String(count)).toBe(code);
    }
    const noSeries = await t.post('/v2/coupon/issue/multiple', { count: 2, customer });
    expect(noSeries.body.errors[0].code).toBe(756);
    const two = await t.post('/v2/coupon/issue/multiple', { seriesIds: [s, s + 1], count: 2, customer });
    expect(two.body.errors[0].code).toBe(629);
    const infinite = await t.post('/v2/coupon/issue/multiple', { seriesId: s, count: '1e309', customer });
    expect(infinite.body.errors[0].code).toBe(629);
  });

  it('answers partial success (201) with the counts and the refusals', async () => {
    const s = (await createSeries(t, { description: 'Only 1 issual' })).id;
    const r = await t.post('/v2/coupon/issue/multiple', {
      seriesId: s,
      count: 2,
      customer: { email: `p${mobile()}@mail.com` },
    });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    expect(r.body).toMatchObject({ totalCount: 2, failureCount: 1, successCount: 1 });
    expect(r.body.errors).toHaveLength(1);
    expect(r.body.couponConfig.info).toBe('Only 1 issual');
  });
});

describe('POST /v2/coupon/bulk/issue and /v2/coupon/issue', () => {
  it("issues without source, as page 05's sample sends it; a wrong source stays 777", async () => {
    const a = (await createSeries(t)).id;
    const b = (await createSeries(t)).id;
    const r = await t.post('/v2/coupon/bulk/issue', { seriesIds: [a, b], customer: { mobile: mobile() } });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body).toMatchObject({ totalCount: 2, failureCount: 0 });
    const wrong = await t.post('/v2/coupon/bulk/issue?source=NOWHERE', {
      seriesIds: [a],
      customer: { mobile: mobile() },
    });
    expect(wrong.body.errors[0].code).toBe(777);
  });

  it('refuses an issue with no customer at all with 629 (a missing field), and a malformed one with 721', async () => {
    const s = (await createSeries(t)).id;
    const none = await t.post('/v2/coupon/issue', { seriesId: s });
    expect(none.status).toBe(400);
    expect(none.body.errors[0]).toMatchObject({ code: 629, reason: 'INVALID_INPUT' });
    expect(none.body.errors[0].message).toContain('customer');
    const bad = await t.post('/v2/coupon/issue', { seriesId: s, customer: { mobile: 'abc' } });
    expect(bad.body.errors[0].code).toBe(721);
  });
});
