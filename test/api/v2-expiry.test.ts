// PUT /v2/coupon/bulk/expiry (later edition, "Update coupon code expiry date"; docs/api.md §6 "Expiry").
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, TestClock, type TestApp } from '../support/build-test-app.js';
import { createSeries, issueCoupon, mobileSequence, redeemBody } from '../support/factories.js';

const clock = new TestClock(Date.UTC(2026, 0, 15, 10, 0, 0));
let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp({ clock });
});
afterAll(async () => t.close());

const mobile = mobileSequence(9_640_000_000);
const many = { isMultipleVouchersPerUserAllowed: true, maxVouchersPerUser: -1, validTillDate: '2027-12-31' };
const validTill = async (code: string) =>
  (await t.get(`/v2/coupon?couponCodes=${code}`)).body.data[0].validTill as string;

describe('PUT /v2/coupon/bulk/expiry', () => {
  it("changes a customer's coupons as the page's sample does, and answers its entity", async () => {
    const s = (await createSeries(t, many)).id;
    const m = mobile();
    const a = await issueCoupon(t, s, { mobile: m });
    const b = await issueCoupon(t, s, { mobile: m });
    const r = await t.put('/v2/coupon/bulk/expiry', {
      couponSeriesId: s,
      customer: { mobile: m },
      couponCodes: [
        { couponCode: a.code, expiryDate: '2026-10-30T10:00:00Z' },
        { couponCode: b.code, expiryDate: '2026-10-01T00:00:00+05:30' },
      ],
    });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body).toEqual({
      entity: {
        totalCount: 2,
        failedCount: 0,
        successCount: 2,
        unprocessedCoupons: [],
        userId: a.customer.id,
        couponSeriesId: s,
      },
      warnings: [],
      errors: [],
      success: true,
    });
    // The org is on UTC: 10:00 on Oct 30 ends with Oct 30; midnight of Oct 1 in India is Sep 30, 18:30 UTC.
    expect(await validTill(a.code)).toBe('2026-10-30T00:00:00Z');
    expect(await validTill(b.code)).toBe('2026-09-30T00:00:00Z');
    const history = await t.get(`/v2/coupon/${a.id}/history`);
    expect(history.body.events.map((e: any) => e.type)).toContain('expiry_changed');
    expect(history.body.events.find((e: any) => e.type === 'expiry_changed').details).toEqual({
      from: '2027-12-31',
      to: '2026-10-30',
    });
  });

  it('changes one code without a series, by date or epoch milliseconds, and the redemption rules follow', async () => {
    const s = (await createSeries(t, many)).id;
    const m = mobile();
    const a = await issueCoupon(t, s, { mobile: m });
    const one = await t.put('/v2/coupon/bulk/expiry', {
      couponCodes: [{ couponCode: a.code.toLowerCase(), expiryDate: '2026-01-20' }],
    });
    expect(one.status, JSON.stringify(one.body)).toBe(200);
    expect(one.body.entity).toMatchObject({ successCount: 1, userId: a.customer.id, couponSeriesId: s });
    expect(await validTill(a.code)).toBe('2026-01-20T00:00:00Z');
    clock.advance(7 * 86_400_000);
    const late = await t.post('/v2/coupon/redeem', redeemBody(m, [a.code], `EX-${m}`));
    expect(JSON.stringify(late.body)).toContain('713');
    const epoch = await t.put('/v2/coupon/bulk/expiry', {
      couponCodes: [{ couponCode: a.code, expiryDate: Date.UTC(2026, 5, 1, 12) }],
    });
    expect(epoch.status, JSON.stringify(epoch.body)).toBe(200);
    expect(await validTill(a.code)).toBe('2026-06-01T00:00:00Z');
    clock.advance(-7 * 86_400_000);
  });

  it('refuses each bad coupon on its own: 690 past, 691 beyond the series, 633 unknown or not of the series', async () => {
    const s = (await createSeries(t, many)).id;
    const other = (await createSeries(t, many)).id;
    const m = mobile();
    const a = await issueCoupon(t, s, { mobile: m });
    const b = await issueCoupon(t, other, { mobile: m });
    const r = await t.put('/v2/coupon/bulk/expiry', {
      couponSeriesId: s,
      couponCodes: [
        { couponCode: a.code, expiryDate: '2026-06-30T00:00:00Z' },
        { couponCode: a.code, expiryDate: '2025-08-13T19:44:00Z' },
        { couponCode: a.code, expiryDate: '2030-10-30T00:00:00Z' },
        { couponCode: 'DECATH1000', expiryDate: '2026-09-23T05:53:00Z' },
        { couponCode: b.code, expiryDate: '2026-09-23T05:53:00Z' },
      ],
    });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    expect(r.body.entity).toMatchObject({ totalCount: 5, failedCount: 4, successCount: 1 });
    expect(r.body.entity.unprocessedCoupons.map((u: any) => [u.couponCode, u.errorCode])).toEqual([
      [a.code, 690],
      [a.code, 691],
      ['DECATH1000', 633],
      [b.code, 633],
    ]);
    expect(r.body.entity.unprocessedCoupons[0]).toMatchObject({
      expiryDate: '2025-08-13T19:44:00Z',
      errorMessage: expect.any(String),
    });
    const none = await t.put('/v2/coupon/bulk/expiry', {
      couponSeriesId: s,
      couponCodes: [{ couponCode: 'NOPE', expiryDate: '2026-09-23' }],
    });
    expect(none.status).toBe(400);
    expect(none.body).toMatchObject({ success: false, entity: { failedCount: 1 } });
  });

  it('refuses the whole request: 756 without codes or without a series for several, 695 for GENERIC without customer, 712, 701', async () => {
    const s = (await createSeries(t, many)).id;
    const a = await issueCoupon(t, s, { mobile: mobile() });
    const b = await issueCoupon(t, s, { mobile: mobile() });
    const empty = await t.put('/v2/coupon/bulk/expiry', { couponSeriesId: s, couponCodes: [] });
    expect(empty.body.errors[0].code).toBe(756);
    const noSeries = await t.put('/v2/coupon/bulk/expiry', {
      couponCodes: [
        { couponCode: a.code, expiryDate: '2026-09-23' },
        { couponCode: b.code, expiryDate: '2026-09-23' },
      ],
    });
    expect(noSeries.body.errors[0].code).toBe(756);
    const generic = await createSeries(t, { clientHandlingType: 'GENERIC', genericCode: 'DECATH10' });
    const g = await issueCoupon(t, generic.id, { externalId: '000003873472' });
    const gNo = await t.put('/v2/coupon/bulk/expiry', {
      couponSeriesId: generic.id,
      couponCodes: [{ couponCode: 'DECATH10', expiryDate: '2026-09-23T00:00:00Z' }],
    });
    expect(gNo.body.errors[0].code).toBe(695);
    const gYes = await t.put('/v2/coupon/bulk/expiry', {
      couponSeriesId: generic.id,
      customer: { externalId: '000003873472' },
      couponCodes: [{ couponCode: 'DECATH10', expiryDate: '2026-09-23T00:00:00Z' }],
    });
    expect(gYes.status, JSON.stringify(gYes.body)).toBe(200);
    expect(gYes.body.entity.userId).toBe(g.customer.id);
    const unknown = await t.put('/v2/coupon/bulk/expiry', {
      couponSeriesId: s,
      customer: { mobile: '919999000222' },
      couponCodes: [{ couponCode: a.code, expiryDate: '2026-09-23' }],
    });
    expect(unknown.body.errors[0].code).toBe(701);
    const ended = (await createSeries(t, { ...many, validTillDate: '2026-01-20' })).id;
    const c = await issueCoupon(t, ended, { mobile: mobile() });
    clock.advance(10 * 86_400_000);
    const expired = await t.put('/v2/coupon/bulk/expiry', {
      couponSeriesId: ended,
      couponCodes: [{ couponCode: c.code, expiryDate: '2026-01-19' }],
    });
    expect(expired.body.errors[0].code).toBe(712);
    clock.advance(-10 * 86_400_000);
  });
});

describe('the expiry_changed webhook', () => {
  it('is an event a subscription can ask for, fanned out from the history', async () => {
    const hook = await t.post('/v2/webhooks', {
      url: 'http://127.0.0.1:9/hook',
      events: ['coupon.expiry_changed'],
    });
    expect(hook.status, JSON.stringify(hook.body)).toBe(200);
    const s = (await createSeries(t, many)).id;
    const a = await issueCoupon(t, s, { mobile: mobile() });
    const r = await t.put('/v2/coupon/bulk/expiry', {
      couponCodes: [{ couponCode: a.code, expiryDate: '2026-03-01' }],
    });
    expect(r.status).toBe(200);
    await t.app.services.notifications.fanOut();
    const log = await t.get(`/v2/webhooks/${hook.body.id}/deliveries`);
    expect(log.body.deliveries.map((d: any) => d.eventType)).toEqual(['coupon.expiry_changed']);
  });
});
