import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, TestClock, type TestApp } from '../support/build-test-app.js';
import { createSeries, issueCoupon, redeemBody } from '../support/factories.js';

const clock = new TestClock(Date.UTC(2026, 0, 15, 10, 0, 0));
let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp({ clock });
});
afterAll(async () => t.close());

let seq = 9_400_000_000;
const mobile = () => String(++seq);

const series = (fields: Record<string, unknown> = {}) =>
  createSeries(t, {
    description: 'returns',
    discountValue: 50,
    isMultipleVouchersPerUserAllowed: true,
    ...fields,
  });
const issue = (seriesId: number, m: string) => issueCoupon(t, seriesId, { mobile: m });
const redeem = (m: string, codes: string[], transactionNumber: string, extra: Record<string, unknown> = {}) =>
  t.post('/v2/coupon/redeem', redeemBody(m, codes, transactionNumber, { billAmount: 500, ...extra }));
const seriesOf = async (id: number) => (await t.get(`/v2/coupon/series?ids=${id}`)).body.entity[0];

describe('reactivation', () => {
  it('makes a redeemed coupon redeemable again and puts every counter back', async () => {
    const s = await series({ maxRedemptionsInSeriesPerUser: 1 });
    const m = mobile();
    const c = await issue(s.id, m);
    const r = await redeem(m, [c.code], 'R-1');
    const redemptionId = r.body.redemption[0].id;
    expect((await seriesOf(s.id)).numRedeemed).toBe(1);
    const back = await t.post('/v2/coupon/reactivate', { redemptionIds: [redemptionId] });
    expect(back.status).toBe(200);
    expect(back.body).toEqual({
      warnings: [],
      errors: [],
      success: true,
      reactivated: [redemptionId],
      redemptionStatus: { status: true, message: 'Coupon processing successful', code: 700 },
    });
    expect((await seriesOf(s.id)).numRedeemed).toBe(0);
    const again = await redeem(m, [c.code], 'R-2');
    expect(again.status, JSON.stringify(again.body)).toBe(200);
    const history = await t.get(`/v2/coupon/${c.id}/history`);
    expect(history.body.events.map((e: any) => e.type)).toEqual([
      'issued',
      'redeemed',
      'reactivated',
      'redeemed',
    ]);
  });

  it('answers 510 for unknown, foreign or already reactivated ids and changes nothing; 661 for none', async () => {
    const s = await series();
    const m = mobile();
    const c = await issue(s.id, m);
    const id = (await redeem(m, [c.code], 'R-3')).body.redemption[0].id;
    expect(
      (await t.post('/v2/coupon/reactivate', { redemptionIds: [id, 99999999] })).body.errors[0].code,
    ).toBe(510);
    expect((await seriesOf(s.id)).numRedeemed).toBe(1);
    const b = await t.createOrg('org B');
    expect((await t.post('/v2/coupon/reactivate', { redemptionIds: [id] }, b)).body.errors[0].code).toBe(510);
    expect((await t.post('/v2/coupon/reactivate', { redemptionIds: [id] })).status).toBe(200);
    expect((await t.post('/v2/coupon/reactivate', { redemptionIds: [id] })).body.errors[0].code).toBe(510);
    expect((await t.post('/v2/coupon/reactivate', { redemptionIds: [] })).body.errors[0].code).toBe(661);
  });

  it('undoes everything redeemed on a bill by transactionNumber and user; twice is harmless', async () => {
    const s = await series();
    const m = mobile();
    const a = await issue(s.id, m);
    const b = await issue(s.id, m);
    const r = await redeem(m, [a.code, b.code], 'BILL-77');
    const ids = r.body.redemption.map((i: any) => i.id).sort();
    const first = await t.post('/v2/coupon/reactivate', {
      transactionNumber: 'BILL-77',
      user: { mobile: m },
    });
    expect(first.body.reactivated.sort()).toEqual(ids);
    const second = await t.post('/v2/coupon/reactivate', {
      transactionNumber: 'BILL-77',
      user: { mobile: m },
    });
    expect(second.status).toBe(200);
    expect(second.body.reactivated).toEqual([]);
    expect((await seriesOf(s.id)).numRedeemed).toBe(0);
  });
});

describe('holds', () => {
  it('reserves coupons for one checkout: others get 737, the same transaction number redeems and consumes it', async () => {
    const s = await series({ anyUser: true });
    const m = mobile();
    const c = await issue(s.id, m);
    const h = await t.post('/v2/coupon/hold', {
      user: { mobile: m },
      codes: [c.code],
      transactionNumber: 'CHK-1',
      billAmount: 500,
    });
    expect(h.status, JSON.stringify(h.body)).toBe(200);
    expect(h.body.holdId).toBeGreaterThan(0);
    expect(Date.parse(h.body.expiresAt)).toBe(clock.now() + 900_000);
    expect(h.body.redemption[0]).toMatchObject({ code: c.code, isRedeemable: true, discountAmount: 50 });
    const other = await redeem(m, [c.code], 'CHK-OTHER');
    expect(other.body.redemption[0].redemptionStatus.code).toBe(737);
    const otherHold = await t.post('/v2/coupon/hold', {
      user: { mobile: m },
      codes: [c.code],
      transactionNumber: 'CHK-2',
    });
    expect(otherHold.status).toBe(400);
    expect(otherHold.body.errors[0].code).toBe(737);
    const mine = await redeem(m, [c.code], 'CHK-1');
    expect(mine.status).toBe(200);
    const events = (await t.get(`/v2/coupon/${c.id}/history`)).body.events.map((e: any) => e.type);
    expect(events).toEqual(['issued', 'held', 'redeemed']);
    // Consumed: releasing it now changes nothing.
    expect((await t.request({ method: 'DELETE', url: `/v2/coupon/hold/${h.body.holdId}` })).body.status).toBe(
      'consumed',
    );
  });

  it('is consumed by a redeem that names the holdId', async () => {
    const s = await series();
    const m = mobile();
    const c = await issue(s.id, m);
    const h = await t.post('/v2/coupon/hold', { user: { mobile: m }, codes: [c.code] });
    const r = await redeem(m, [c.code], 'ANY', { holdId: h.body.holdId });
    expect(r.status).toBe(200);
  });

  it('releases by DELETE, and an expired hold releases itself', async () => {
    const s = await series();
    const m = mobile();
    const c = await issue(s.id, m);
    const h = await t.post('/v2/coupon/hold', {
      user: { mobile: m },
      codes: [c.code],
      transactionNumber: 'CHK-9',
      ttlSeconds: 60,
    });
    expect((await redeem(m, [c.code], 'ELSE')).body.redemption[0].redemptionStatus.code).toBe(737);
    const del = await t.request({ method: 'DELETE', url: `/v2/coupon/hold/${h.body.holdId}` });
    expect(del.body).toMatchObject({ holdId: h.body.holdId, status: 'released' });
    expect(
      (await t.get(`/v2/coupon/is_redeemable?mobile=${m}&code=${c.code}`)).body.redemption[0].isRedeemable,
    ).toBe(true);
    const c2 = await issue(s.id, m);
    await t.post('/v2/coupon/hold', {
      user: { mobile: m },
      codes: [c2.code],
      transactionNumber: 'CHK-10',
      ttlSeconds: 60,
    });
    expect((await redeem(m, [c2.code], 'ELSE2')).body.redemption[0].redemptionStatus.code).toBe(737);
    clock.advance(60_001);
    expect((await redeem(m, [c2.code], 'ELSE2')).status).toBe(200);
    expect((await t.request({ method: 'DELETE', url: '/v2/coupon/hold/99999999' })).status).toBe(404);
  });

  it('counts a live hold against maxRedeem: another coupon of the series gets 714', async () => {
    const s = await series({ maxRedeem: 1 });
    const m = mobile();
    const a = await issue(s.id, m);
    const b = await issue(s.id, m);
    expect(
      (await t.post('/v2/coupon/hold', { user: { mobile: m }, codes: [a.code], transactionNumber: 'CAP-1' }))
        .status,
    ).toBe(200);
    expect((await redeem(m, [b.code], 'CAP-2')).body.redemption[0].redemptionStatus.code).toBe(714);
    expect((await redeem(m, [a.code], 'CAP-1')).status).toBe(200);
  });

  it('refuses the whole hold when one coupon fails, and reports each', async () => {
    const s = await series();
    const m = mobile();
    const a = await issue(s.id, m);
    const r = await t.post('/v2/coupon/hold', { user: { mobile: m }, codes: [a.code, 'NOTACODE1'] });
    expect(r.status).toBe(400);
    expect(r.body.holdId).toBeNull();
    expect(r.body.redemption.map((i: any) => i.redemptionStatus?.code)).toEqual([749, 719]);
    expect((await redeem(m, [a.code], 'FREE')).status).toBe(200);
  });
});
