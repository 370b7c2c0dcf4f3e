import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../support/build-test-app.js';
import { createSeries, issueCoupon, mobileSequence } from '../support/factories.js';
import { getCouponsResponse } from '../support/reference-samples.js';

let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp();
});
afterAll(async () => t.close());

const mobile = mobileSequence(9_600_000_000);

const series = async (fields: Record<string, unknown> = {}, as = t.client): Promise<number> =>
  (
    await createSeries(
      t,
      { description: 'offer', discountValue: 7, isMultipleVouchersPerUserAllowed: true, ...fields },
      as,
    )
  ).id;
const issue = (seriesId: number, customer: Record<string, unknown>, as = t.client) =>
  issueCoupon(t, seriesId, customer, as);

describe('GET /v2/coupon', () => {
  it("answers the reference's fields for coupons by customer, id and code, repeated or comma-separated", async () => {
    const s = await series();
    const a = await issue(s, { mobile: mobile() });
    const b = await issue(s, { mobile: mobile() });
    const byCustomers = await t.get(`/v2/coupon?issuedToIds=${a.customer.id}&issuedToIds=${b.customer.id}`);
    expect(byCustomers.status).toBe(200);
    expect(byCustomers.body.data.map((c: any) => c.code)).toEqual([a.code, b.code]);
    for (const key of Object.keys(getCouponsResponse.data[0]))
      expect(byCustomers.body.data[0], key).toHaveProperty(key);
    expect(byCustomers.body.data[0]).toMatchObject({
      id: a.id,
      seriesId: s,
      customerId: a.customer.id,
      redemptionCount: 0,
      revoked: false,
    });
    expect(byCustomers.body).toMatchObject({ warnings: [], errors: [] });
    const byIds = await t.get(`/v2/coupon?couponIds=${a.id},${b.id}`);
    expect(byIds.body.data.map((c: any) => c.id)).toEqual([a.id, b.id]);
    const byCodes = await t.get(`/v2/coupon?couponCodes=${a.code.toLowerCase()},${b.code}`);
    expect(byCodes.body.data.map((c: any) => c.code)).toEqual([a.code, b.code]);
  });

  it('answers 1000 without any filter', async () => {
    const r = await t.get('/v2/coupon');
    expect(r.status).toBe(400);
    expect(r.body.errors[0].code).toBe(1000);
  });

  it('names unknown customers, ids and codes in errors and answers the rest', async () => {
    const s = await series();
    const a = await issue(s, { mobile: mobile() });
    const r = await t.get(
      `/v2/coupon?couponCodes=${a.code},NOSUCHCODE&couponIds=99999999&issuedToIds=88888888`,
    );
    expect(r.status).toBe(200);
    expect(r.body.data.map((c: any) => c.code)).toEqual([a.code]);
    const codes = r.body.errors.map((e: any) => e.code).sort();
    expect(codes).toEqual([701, 719, 719]);
    expect(r.body.errors.map((e: any) => e.message).join(' ')).toContain('NOSUCHCODE');
  });

  it('pages through a customer with many coupons', async () => {
    const s = await series();
    const m = mobile();
    const many = await t.post('/v2/coupon/issue/multiple', {
      seriesId: s,
      count: 250,
      customer: { mobile: m },
    });
    expect(many.status).toBe(200);
    const customerId = many.body.customer.id;
    const seen: number[] = [];
    for (let offset = 0; ; offset += 100) {
      const page = await t.get(`/v2/coupon?issuedToIds=${customerId}&limit=100&offset=${offset}`);
      seen.push(...page.body.data.map((c: any) => c.id));
      if (page.body.data.length < 100) break;
    }
    expect(seen).toHaveLength(250);
    expect(new Set(seen).size).toBe(250);
    expect([...seen].sort((x, y) => x - y)).toEqual(seen);
  });

  it("treats another org's coupons as unknown", async () => {
    const s = await series();
    const a = await issue(s, { mobile: mobile() });
    const b = await t.createOrg('org B');
    const r = await t.get(
      `/v2/coupon?couponCodes=${a.code}&couponIds=${a.id}&issuedToIds=${a.customer.id}`,
      b,
    );
    expect(r.body.data).toEqual([]);
    expect(r.body.errors.map((e: any) => e.code).sort()).toEqual([701, 719, 719]);
  });
});

describe('revoking coupons', () => {
  it('revokes by code and by id, refuses twice with 660 and unknown with 719', async () => {
    const s = await series();
    const a = await issue(s, { mobile: mobile() });
    const b = await issue(s, { mobile: mobile() });
    const r = await t.post('/v2/coupon/revoke', { codes: [a.code], couponIds: [b.id] });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ revoked: [a.code, b.code], errors: [], warnings: [] });
    const again = await t.post('/v2/coupon/revoke', { codes: [a.code, 'NOPE1234'] });
    expect(again.status).toBe(400);
    expect(again.body.errors.map((e: any) => e.code)).toEqual([660, 719]);
    const listed = await t.get(`/v2/coupon?couponIds=${a.id}`);
    expect(listed.body.data[0].revoked).toBe(true);
  });

  it('answers 201 when some coupons were revoked and others not, and 781 with nothing to revoke', async () => {
    const s = await series();
    const a = await issue(s, { mobile: mobile() });
    const r = await t.post('/v2/coupon/revoke', { codes: [a.code, 'NOPE5678'] });
    expect(r.status).toBe(201);
    expect(r.body.revoked).toEqual([a.code]);
    expect((await t.post('/v2/coupon/revoke', {})).body.errors[0].code).toBe(781);
  });

  it('takes a revoked pool code out of the pool', async () => {
    const s = await series({ clientHandlingType: 'DISC_CODE_PIN' });
    await t.app.services.pool.addCodes(t.client.orgId, s, ['REVPOOL1', 'REVPOOL2'], {
      actor: 'test',
      now: Date.now(),
    });
    expect((await t.post('/v2/coupon/revoke', { codes: ['REVPOOL1'] })).status).toBe(200);
    expect((await t.get(`/v2/coupon/series?ids=${s}`)).body.entity[0]).toMatchObject({
      numUploadedTotal: 2,
      numUploadedNonIssued: 1,
    });
    expect((await issue(s, { mobile: mobile() })).code).toBe('REVPOOL2');
  });

  it("cannot revoke another org's coupon", async () => {
    const s = await series();
    const a = await issue(s, { mobile: mobile() });
    const b = await t.createOrg('org C');
    const r = await t.post('/v2/coupon/revoke', { codes: [a.code], couponIds: [a.id] }, b);
    expect(r.body.errors.map((e: any) => e.code)).toEqual([719, 719]);
    expect((await t.get(`/v2/coupon?couponIds=${a.id}`)).body.data[0].revoked).toBe(false);
  });
});

describe('coupon history', () => {
  it('lists issued, resent and revoked events with time and actor', async () => {
    const s = await series({ isMultipleVouchersPerUserAllowed: false, doNotResendExistingVoucher: false });
    const m = mobile();
    const a = await issue(s, { mobile: m });
    await issue(s, { mobile: m });
    await t.post('/v2/coupon/revoke', { codes: [a.code] });
    const h = await t.get(`/v2/coupon/${a.id}/history`);
    expect(h.status).toBe(200);
    expect(h.body.events.map((e: any) => e.type)).toEqual(['issued', 'resent', 'revoked']);
    expect(h.body.events[0]).toMatchObject({
      actor: `client:${t.client.key}`,
      details: { via: 'api', origin: 'generated' },
    });
    expect(h.body.events[0].at).toMatch(/Z$/);
  });

  it("answers 404 for an unknown coupon and for another org's", async () => {
    const s = await series();
    const a = await issue(s, { mobile: mobile() });
    const b = await t.createOrg('org D');
    expect((await t.get(`/v2/coupon/99999999/history`)).status).toBe(404);
    expect((await t.get(`/v2/coupon/${a.id}/history`, b)).status).toBe(404);
  });
});
