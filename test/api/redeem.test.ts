// Redemption (docs/api.md §6, docs/errors.md): the reference's sample requests and answers, and each check in
// the order of docs/errors.md. Batches, the dry run, discount amounts and is_redeemable: redeem-batches.test.ts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openContext } from '../../src/app.js';
import { money } from '../../src/domain/money.js';
import { buildTestApp, TestClock, type TestApp } from '../support/build-test-app.js';
import { redeemKit } from '../support/redeem-helpers.js';
import {
  createSeriesRequest,
  isRedeemableResponse,
  redeemRequest,
  redeemResponse,
  redeemSingleResponse,
} from '../support/reference-samples.js';

const clock = new TestClock(Date.UTC(2026, 0, 15, 10, 0, 0)); // a Thursday
let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp({ clock });
});
afterAll(async () => t.close());

const { mobile, series, issue, redeem, check } = redeemKit(() => t, {
  description: 'redeem test',
  mobileStart: 9_500_000_000,
  billPrefix: 'T',
});
/** Redeems with the server's clock at `time` (the org is UTC): the checks run at the server's time, not redemptionTime. */
async function redeemAt(time: string, m: string, codes: string[]) {
  const before = clock.t;
  clock.set(`${time.replace(' ', 'T')}Z`);
  try {
    return await redeem(m, codes);
  } finally {
    clock.t = before;
  }
}

describe("the reference's samples", () => {
  it('redeems a coupon of the sample series with the sample request: 700 and every field of the sample response; again is 716', async () => {
    // The sample series ended in 2021 and allows only day 1, Monday, 1 am: move it to now and drop the range.
    const sample = structuredClone(createSeriesRequest) as any;
    Object.assign(sample.CouponSeriesV2, {
      validTillDate: '2027-05-10T00:00:00+05:30',
      redemptionValidFrom: '2026-01-01T00:00:00+05:30',
      redemptionValidAfterDays: 0,
      redemptionRange: '{"dom":[-1],"dow":[-1],"hours":[-1]}',
    });
    const s = (await t.post('/v2/coupon/series', sample)).body;
    const coupon = await issue(s.id, redeemRequest.user.mobile);
    const request = structuredClone(redeemRequest) as any;
    request.redemptionRequestList[0].code = coupon.code;
    request.redemptionTime = '2026-01-15 09:30:00';
    const r = await t.post('/v2/coupon/redeem', request);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    for (const key of Object.keys(redeemResponse)) expect(r.body, key).toHaveProperty(key);
    for (const key of Object.keys(redeemSingleResponse.redemption[0]))
      expect(r.body.redemption[0], key).toHaveProperty(key);
    for (const key of Object.keys(redeemSingleResponse.redemption[0].redemptionStatus))
      expect(r.body.redemption[0].redemptionStatus, key).toHaveProperty(key);
    expect(r.body.redemptionStatus).toEqual({
      status: true,
      message: 'Coupon processing successful',
      code: 700,
    });
    expect(r.body.redemption[0]).toMatchObject({
      code: coupon.code,
      couponId: coupon.id,
      discountCode: 'XYZ123',
      seriesCode: s.id,
      isAbsolute: true,
      couponValue: 500,
      discountType: 'ABS',
      discountValue: 500,
      discountUpto: 0,
      discountAmount: 500,
      appendedErrorMessage: '',
      redemptionStatus: {
        code: 700,
        success: true,
        statusCode: { status: true, code: 700, message: 'Coupon processing successful' },
      },
    });
    expect(r.body.redemption[0].id).toBeGreaterThan(0);
    expect(r.body.customer.profiles[0].identifiers[0]).toEqual({ type: 'mobile', value: '9177121900000' });
    const again = await t.post('/v2/coupon/redeem', request);
    expect(again.status).toBe(400);
    expect(again.body.redemptionStatus).toMatchObject({ status: false, code: 716 });
    expect(again.body.errors[0].code).toBe(716);
    expect(again.body.redemption[0].redemptionStatus.code).toBe(716);
  });

  it('refuses the unadjusted sample range with 729: only day 1, Monday, 1 am', async () => {
    const sample = structuredClone(createSeriesRequest) as any;
    Object.assign(sample.CouponSeriesV2, {
      validTillDate: '2027-05-10',
      redemptionValidFrom: null,
      redemptionValidAfterDays: 0,
    });
    const s = (await t.post('/v2/coupon/series', sample)).body;
    const m = mobile();
    const coupon = await issue(s.id, m);
    const r = await redeem(m, [coupon.code]);
    expect(r.body.redemption[0].redemptionStatus.code).toBe(729);
    // 2026-06-01 is a Monday and the first of the month; 01:30 is in hour 1.
    const ok = await redeemAt('2026-06-01 01:30:00', m, [coupon.code]);
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
  });

  it("answers is_redeemable with the reference's fields", async () => {
    const s = await series({ isMultipleVouchersPerUserAllowed: true });
    const m = mobile();
    const a = await issue(s.id, m);
    const b = await issue(s.id, m);
    const r = await check(m, [a.code, b.code]);
    expect(r.status).toBe(200);
    for (const key of Object.keys(isRedeemableResponse)) expect(r.body, key).toHaveProperty(key);
    for (const key of Object.keys(isRedeemableResponse.redemption[0]))
      expect(r.body.redemption[0], key).toHaveProperty(key);
    expect(r.body.redemptionStatus).toEqual({
      status: true,
      message: 'Coupon isRedeem successful',
      code: 700,
    });
    expect(r.body.redemption.map((i: any) => i.code)).toEqual([a.code, b.code]);
    expect(r.body.redemption[0]).toMatchObject({
      isRedeemable: true,
      appendedErrorMessage: '',
      isAbsolute: true,
      numberOfRedemptionsByUser: 0,
      redemptionsLeft: 1,
    });
  });
});

describe('the checks, in the order of docs/errors.md', () => {
  it('resolves the customer first: 701 for an unknown one, before any coupon check', async () => {
    const r = await redeem(mobile(), ['NOSUCHCODE']);
    expect(r.status).toBe(400);
    expect(r.body.errors[0].code).toBe(701);
  });

  it('702 for a malformed code, 719 for an unknown one', async () => {
    const s = await series();
    const m = mobile();
    await issue(s.id, m);
    expect((await redeem(m, ['bad code!'])).body.redemption[0].redemptionStatus.code).toBe(702);
    expect((await redeem(m, ['NOSUCHCODE9'])).body.redemption[0].redemptionStatus.code).toBe(719);
  });

  it('660 for a revoked coupon', async () => {
    const s = await series();
    const m = mobile();
    const c = await issue(s.id, m);
    await t.post('/v2/coupon/revoke', { codes: [c.code] });
    expect((await redeem(m, [c.code])).body.redemption[0].redemptionStatus.code).toBe(660);
  });

  it("710 when the coupon is another customer's and anyUser is false; anyUser lets anyone redeem it", async () => {
    const s = await series();
    const c = await issue(s.id, mobile());
    const other = mobile();
    await issue(s.id, other);
    expect((await redeem(other, [c.code])).body.redemption[0].redemptionStatus.code).toBe(710);
    const open = await series({ anyUser: true });
    const c2 = await issue(open.id, mobile());
    expect((await redeem(other, [c2.code])).status).toBe(200);
  });

  it('711 when a single-use coupon was redeemed (by someone else), 728 at redemptionPerCouponMaxLimit', async () => {
    const s = await series({ anyUser: true });
    const owner = mobile();
    const c = await issue(s.id, owner);
    expect((await redeem(owner, [c.code])).status).toBe(200);
    const other = mobile();
    await issue(s.id, other);
    expect((await redeem(other, [c.code])).body.redemption[0].redemptionStatus.code).toBe(711);
    const multi = await series({
      anyUser: true,
      isMultipleUseAllowed: true,
      sameUserMultipleRedeem: true,
      redemptionPerCouponMaxLimit: 2,
    });
    const c2 = await issue(multi.id, owner);
    expect((await redeem(owner, [c2.code])).status).toBe(200);
    expect((await redeem(owner, [c2.code])).status).toBe(200);
    expect((await redeem(owner, [c2.code])).body.redemption[0].redemptionStatus.code).toBe(728);
  });

  it('712 after the series ends (its last day is valid), 713 after the coupon expires', async () => {
    const s = await series({ validTillDate: '2026-01-20' });
    const m = mobile();
    const c = await issue(s.id, m);
    expect((await redeemAt('2026-01-20 23:59:59', m, [c.code])).status).toBe(200);
    const c2 = await issue(
      (await series({ validTillDate: '2026-01-20', isMultipleVouchersPerUserAllowed: true })).id,
      m,
    );
    expect(
      (await redeemAt('2026-01-21 00:00:00', m, [c2.code])).body.redemption[0].redemptionStatus.code,
    ).toBe(712);
    const days = await series({ expiryStrategyType: 'DAYS', expiryStrategyValue: 2 });
    const c3 = await issue(days.id, m);
    expect(
      (await redeemAt('2026-01-18 00:00:01', m, [c3.code])).body.redemption[0].redemptionStatus.code,
    ).toBe(713);
  });

  it('739 before redemptionValidFrom or redemptionValidAfterDays', async () => {
    const s = await series({ redemptionValidAfterDays: 3 });
    const m = mobile();
    const c = await issue(s.id, m);
    expect((await redeem(m, [c.code])).body.redemption[0].redemptionStatus.code).toBe(739);
    expect((await redeemAt('2026-01-18 00:00:00', m, [c.code])).status).toBe(200);
  });

  it('714 at maxRedeem, 736 at maxRedemptionsInSeriesPerUser, 738 within minDaysBetweenRedemption', async () => {
    const capped = await series({ maxRedeem: 1, isMultipleVouchersPerUserAllowed: true });
    const m = mobile();
    const a = await issue(capped.id, m);
    const b = await issue(capped.id, m);
    expect((await redeem(m, [a.code])).status).toBe(200);
    expect((await redeem(m, [b.code])).body.redemption[0].redemptionStatus.code).toBe(714);
    const perUser = await series({
      maxRedemptionsInSeriesPerUser: 1,
      isMultipleVouchersPerUserAllowed: true,
    });
    const c = await issue(perUser.id, m);
    const d = await issue(perUser.id, m);
    expect((await redeem(m, [c.code])).status).toBe(200);
    expect((await redeem(m, [d.code])).body.redemption[0].redemptionStatus.code).toBe(736);
    const gap = await series({ minDaysBetweenRedemption: 2, isMultipleVouchersPerUserAllowed: true });
    const e = await issue(gap.id, m);
    const f = await issue(gap.id, m);
    expect((await redeemAt('2026-01-15 10:00:00', m, [e.code])).status).toBe(200);
    expect(
      (await redeemAt('2026-01-17 09:59:59', m, [f.code])).body.redemption[0].redemptionStatus.code,
    ).toBe(738);
    expect((await redeemAt('2026-01-17 10:00:00', m, [f.code])).status).toBe(200);
  });

  it('checks against a changed series at once, whether this server or another process changed it', async () => {
    const s = await series({ isMultipleVouchersPerUserAllowed: true, isMultipleUseAllowed: true });
    const m = mobile();
    const c = await issue(s.id, m);
    const status = async (bill: string) => {
      const r = await check(m, [c.code], `&billAmount=${bill}`);
      return r.body.redemption[0].isRedeemable ? 'ok' : r.body.redemption[0].redemptionStatus.code;
    };
    expect(await status('50')).toBe('ok');
    expect(await status('50')).toBe('ok'); // the series is now served from memory
    const put = await t.put(`/v2/coupon/series/${s.id}`, { CouponSeriesV2: { minBillAmount: 100 } });
    expect(put.status, JSON.stringify(put.body)).toBe(200);
    expect(await status('50')).toBe(733);
    expect(await status('150')).toBe('ok');
    // A second context on the same database, as a second server process would open: its own connection.
    const other = await openContext(t.app.config, { logger: t.app.logger });
    try {
      const p = await other.services.auth.authenticateBasic(t.client.key, t.client.secret);
      await other.services.series.update(p, s.id, { minBillAmount: money(200) });
    } finally {
      await other.close();
    }
    expect(await status('150')).toBe(733);
    expect((await redeem(m, [c.code], { billAmount: '150' })).body.redemption[0].redemptionStatus.code).toBe(
      733,
    );
    expect((await redeem(m, [c.code], { billAmount: '250' })).status).toBe(200);
  });

  it('733 outside the bill range (both ends valid), 735 at a till redeemAtStore does not list', async () => {
    const s = await series({
      minBillAmount: 100,
      maxBillAmount: 500,
      isMultipleVouchersPerUserAllowed: true,
      anyUser: true,
      isMultipleUseAllowed: true,
      sameUserMultipleRedeem: true,
    });
    const m = mobile();
    const c = await issue(s.id, m);
    expect((await redeem(m, [c.code], { billAmount: 99.99 })).body.redemption[0].redemptionStatus.code).toBe(
      733,
    );
    expect((await redeem(m, [c.code], { billAmount: 100 })).status).toBe(200);
    expect((await redeem(m, [c.code], { billAmount: '500' })).status).toBe(200);
    expect(
      (await redeem(m, [c.code], { billAmount: '500.0001' })).body.redemption[0].redemptionStatus.code,
    ).toBe(733);
    const tills = await series({ redeemAtStore: '["STORE-7"]' });
    const c2 = await issue(tills.id, m);
    expect((await redeem(m, [c2.code])).body.redemption[0].redemptionStatus.code).toBe(735);
    const store7 = await t.createClient(t.client.orgId, { tillId: 'STORE-7' });
    expect((await redeem(m, [c2.code], {}, store7)).status).toBe(200);
  });

  it('747 when the coupon was already redeemed on this transaction number', async () => {
    const s = await series({ isMultipleUseAllowed: true, sameUserMultipleRedeem: true });
    const m = mobile();
    const c = await issue(s.id, m);
    expect((await redeem(m, [c.code], { transactionNumber: 'BILL-1' })).status).toBe(200);
    expect(
      (await redeem(m, [c.code], { transactionNumber: 'BILL-1' })).body.redemption[0].redemptionStatus.code,
    ).toBe(747);
    expect((await redeem(m, [c.code], { transactionNumber: 'BILL-2' })).status).toBe(200);
  });
});
