// Redemption (docs/api.md §6): batches (atomic, in sequence, at most 100, partial), the bulk dry run, discount
// amounts, and is_redeemable. The reference's samples and the checks in order: redeem.test.ts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, TestClock, type TestApp } from '../support/build-test-app.js';
import { redeemKit } from '../support/redeem-helpers.js';

const clock = new TestClock(Date.UTC(2026, 0, 15, 10, 0, 0)); // a Thursday
let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp({ clock });
});
afterAll(async () => t.close());

const { mobile, txn, series, issue, redeem, check } = redeemKit(() => t, {
  description: 'redeem test',
  mobileStart: 9_500_000_000,
  billPrefix: 'T',
});

describe('batches', () => {
  it('is atomic: the failing coupon carries its code, the others 749, and nothing is written', async () => {
    const s = await series({ isMultipleVouchersPerUserAllowed: true });
    const m = mobile();
    const a = await issue(s.id, m);
    const b = await issue(s.id, m);
    await t.post('/v2/coupon/revoke', { codes: [b.code] });
    const r = await redeem(m, [a.code, b.code]);
    expect(r.status).toBe(400);
    expect(r.body.redemption.map((i: any) => i.redemptionStatus.code)).toEqual([749, 660]);
    expect(r.body.redemptionStatus).toMatchObject({ status: false, code: 660 });
    expect(r.body.errors.map((e: any) => e.code)).toEqual([660]);
    expect((await check(m, [a.code])).body.redemption[0].isRedeemable).toBe(true);
    expect((await t.get(`/v2/coupon/series?ids=${s.id}`)).body.entity[0].numRedeemed).toBe(0);
  });

  it('checks duplicate codes in sequence: a single-use code listed twice fails', async () => {
    const s = await series();
    const m = mobile();
    const a = await issue(s.id, m);
    const r = await redeem(m, [a.code, a.code]);
    expect(r.body.redemption.map((i: any) => i.redemptionStatus.code)).toEqual([749, 716]);
  });

  it('redeems several codes of several series, a generic one among them, and reactivates them together', async () => {
    // On PostgreSQL the codes are read (and locked) in one batch and the generic code after it
    // (docs/architecture.md "Round trips on PostgreSQL"); the counts must come out as on SQLite.
    const one = await series({ isMultipleVouchersPerUserAllowed: true, maxRedemptionsInSeriesPerUser: 2 });
    const two = await series({ maxRedeem: 5 });
    const generic = await series({ clientHandlingType: 'GENERIC', genericCode: 'SEVERALGEN1' });
    const m = mobile();
    const [a, b, c, g] = [
      await issue(one.id, m),
      await issue(one.id, m),
      await issue(two.id, m),
      await issue(generic.id, m),
    ];
    const r = await redeem(m, [c.code, g.code, a.code, b.code]);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body.redemption.map((i: any) => i.redemptionStatus.code)).toEqual([700, 700, 700, 700]);
    const ids = r.body.redemption.map((i: any) => Number(i.id));
    expect(new Set(ids).size).toBe(4);
    const numRedeemed = async (id: number) =>
      (await t.get(`/v2/coupon/series?ids=${id}`)).body.entity[0].numRedeemed;
    expect([await numRedeemed(one.id), await numRedeemed(two.id), await numRedeemed(generic.id)]).toEqual([
      2, 1, 1,
    ]);
    // The customer used both redemptions of series one: a third coupon of it is refused; the used ones too.
    const d = await issue(one.id, m);
    expect((await check(m, [d.code])).body.redemption[0].isRedeemable).toBe(false);
    expect(
      (await redeem(m, [c.code, g.code])).body.redemption.map((i: any) => i.redemptionStatus.code),
    ).toEqual([716, 716]);

    const back = await t.post('/v2/coupon/reactivate', { redemptionIds: [...ids].reverse() });
    expect(back.status, JSON.stringify(back.body)).toBe(200);
    expect([...back.body.reactivated].sort((x: number, y: number) => x - y)).toEqual(
      [...ids].sort((x: number, y: number) => x - y),
    );
    expect([await numRedeemed(one.id), await numRedeemed(two.id), await numRedeemed(generic.id)]).toEqual([
      0, 0, 0,
    ]);
    const again = await redeem(m, [a.code, g.code, d.code, c.code]);
    expect(again.body.redemption.map((i: any) => i.redemptionStatus.code)).toEqual([700, 700, 700, 700]);
  });

  it('refuses more than 100 coupons with 629', async () => {
    const r = await redeem(
      mobile(),
      Array.from({ length: 101 }, (_, i) => `CODE${i}`),
    );
    expect(r.status).toBe(400);
    expect(r.body.errors[0].code).toBe(629);
  });

  it("redeems each on its own with bulk/redeem?allowPartial=true and answers the reference's bulk shape", async () => {
    const s = await series({ isMultipleVouchersPerUserAllowed: true });
    const m = mobile();
    const a = await issue(s.id, m);
    const b = await issue(s.id, m);
    await t.post('/v2/coupon/revoke', { codes: [b.code] });
    const body = {
      billAmount: '2000',
      transactionNumber: txn(),
      user: { mobile: m },
      redemptionRequestList: [{ code: a.code }, { code: b.code }, { code: 'UNKNOWN42' }],
    };
    const atomic = await t.post('/v2/coupon/bulk/redeem?source=INSTORE', body);
    expect(atomic.status).toBe(400);
    expect(atomic.body.response.map((r: any) => r.result.redemptionStatus.code)).toEqual([749, 660, 719]);
    const partial = await t.post('/v2/coupon/bulk/redeem?source=INSTORE&allowPartial=true', {
      ...body,
      transactionNumber: txn(),
    });
    expect(partial.status).toBe(201);
    expect(partial.body).toMatchObject({ totalCount: 3, failureCount: 2 });
    expect(partial.body.response[0]).toMatchObject({ entityId: a.id, errors: [] });
    expect(partial.body.response[0].result.id).toBeGreaterThan(0);
    expect(partial.body.response[2].entityId).toBe('UNKNOWN42');
  });
});

describe('bulk/redeem?is_redeemable=true: a dry run', () => {
  it('runs the checks and redeems nothing: the coupons stay redeemable and a real redeem succeeds after it', async () => {
    const s = await series({ isMultipleVouchersPerUserAllowed: true });
    const m = mobile();
    const a = await issue(s.id, m);
    const b = await issue(s.id, m);
    const body = {
      billAmount: '2000',
      transactionNumber: txn(),
      user: { mobile: m },
      redemptionRequestList: [{ code: a.code }, { code: b.code }],
    };
    for (const query of ['is_redeemable=true', 'isredeemable=true']) {
      const dry = await t.post(`/v2/coupon/bulk/redeem?${query}`, body);
      expect(dry.status, JSON.stringify(dry.body)).toBe(200);
      expect(dry.body).toMatchObject({ totalCount: 2, failureCount: 0 });
      for (const item of dry.body.response) {
        expect(item.errors).toEqual([]);
        expect(item.result.redemptionStatus).toMatchObject({ success: true, code: 700 });
        expect(item.result.redemptionStatus.message).toBe('Coupon isRedeem successful');
        expect(item.result.id).toBeNull();
      }
    }
    const after = await check(m, [a.code, b.code]);
    expect(after.body.redemption.map((r: any) => r.isRedeemable)).toEqual([true, true]);
    expect(after.body.redemption.map((r: any) => r.numberOfRedemptionsByUser)).toEqual([0, 0]);
    const real = await t.post('/v2/coupon/bulk/redeem', body);
    expect(real.status, JSON.stringify(real.body)).toBe(200);
    expect(real.body.response[0].result.id).toBeGreaterThan(0);
  });

  it('reports each refusal as the redeem would, and still writes nothing, with allowPartial too', async () => {
    const s = await series({ isMultipleVouchersPerUserAllowed: true });
    const m = mobile();
    const a = await issue(s.id, m);
    const b = await issue(s.id, m);
    expect((await redeem(m, [a.code])).status).toBe(200);
    const dry = await t.post('/v2/coupon/bulk/redeem?is_redeemable=true&allowPartial=true', {
      billAmount: '2000',
      transactionNumber: txn(),
      user: { mobile: m },
      redemptionRequestList: [{ code: b.code }, { code: a.code }, { code: 'NOSUCH42' }],
    });
    expect(dry.status).toBe(201);
    expect(dry.body).toMatchObject({ totalCount: 3, failureCount: 2 });
    expect(dry.body.response.map((r: any) => r.result.redemptionStatus.code)).toEqual([700, 716, 719]);
    const after = await check(m, [b.code, a.code]);
    expect(after.body.redemption.map((r: any) => r.numberOfRedemptionsByUser)).toEqual([0, 1]);
  });
});

describe('discount amounts', () => {
  it('ABS is min(value, bill); PERC is bill × value / 100 capped by discountUpto', async () => {
    const abs = await series({ discountType: 'ABS', discountValue: 100 });
    const m = mobile();
    const a = await issue(abs.id, m);
    expect((await redeem(m, [a.code], { billAmount: 60.5 })).body.redemption[0].discountAmount).toBe(60.5);
    const perc = await series({ discountType: 'PERC', discountValue: 12.5, discountUpto: 0 });
    const b = await issue(perc.id, m);
    expect((await redeem(m, [b.code], { billAmount: '99.99' })).body.redemption[0].discountAmount).toBe(
      12.4988,
    );
    const capped = await series({ discountType: 'PERC', discountValue: 50, discountUpto: 20 });
    const c = await issue(capped.id, m);
    expect((await redeem(m, [c.code], { billAmount: '1000' })).body.redemption[0].discountAmount).toBe(20);
  });
});

describe('is_redeemable', () => {
  it('changes nothing and reports refusals per code, with details=true and extended', async () => {
    const s = await series({ maxRedeem: 5 });
    const m = mobile();
    const c = await issue(s.id, m);
    const r = await check(m, [c.code, 'NOPE77'], '&details=true');
    expect(r.body.redemption[0]).toMatchObject({
      isRedeemable: true,
      redemptionsLeft: 1,
      seriesDetails: { id: s.id, discountValue: 100 },
    });
    expect(r.body.redemption[1]).toMatchObject({
      isRedeemable: false,
      redemptionStatus: { status: false, code: 719 },
    });
    expect(r.body.redemption[1].appendedErrorMessage).toContain('does not exist');
    expect(r.body.redemptionStatus).toMatchObject({ status: false, code: 719 });
    const ext = await check(m, [c.code], '&details=extended');
    expect(ext.body.redemption[0].seriesDetails).toMatchObject({ id: s.id, maxRedeem: 5, numIssued: 1 });
    expect((await redeem(m, [c.code])).status).toBe(200);
    const after = await check(m, [c.code]);
    expect(after.body.redemption[0]).toMatchObject({
      isRedeemable: false,
      numberOfRedemptionsByUser: 1,
      redemptionsLeft: 0,
    });
    expect(after.body.redemption[0].redemptionStatus.code).toBe(716);
  });

  it('reports redemptionsLeft -1 when nothing limits the coupon, and the bill discount when billAmount is given', async () => {
    const s = await series({
      isMultipleUseAllowed: true,
      sameUserMultipleRedeem: true,
      discountType: 'PERC',
      discountValue: 10,
    });
    const m = mobile();
    const c = await issue(s.id, m);
    const r = await check(m, [c.code], '&billAmount=250');
    expect(r.body.redemption[0]).toMatchObject({ redemptionsLeft: -1, discountAmount: 25 });
  });
});

describe('a coupon named by its id', () => {
  // On PostgreSQL a request naming one coupon by id reads it ahead like one naming a code (services/
  // redemption/prefetch.ts); the answers must be those of the same coupon named by its code.
  const byId = (m: string, id: number) => t.get(`/v2/coupon/is_redeemable?mobile=${m}&couponId=${id}`);
  const shape = (body: any) => ({
    status: body.redemptionStatus,
    items: body.redemption?.map((i: any) => [i.isRedeemable, i.redemptionStatus?.code]),
  });

  it('answers what its code answers: yours, someone else’s, used up, unknown; and redeems by id', async () => {
    const s = await series();
    const m = mobile();
    const mine = await issue(s.id, m);
    const theirs = await issue(s.id, mobile());
    for (const c of [mine, theirs]) {
      const [viaId, viaCode] = [await byId(m, Number(c.id)), await check(m, [c.code])];
      expect(viaId.status).toBe(viaCode.status);
      expect(shape(viaId.body), JSON.stringify(viaId.body)).toEqual(shape(viaCode.body));
    }
    expect(shape((await byId(m, Number(mine.id))).body).status.code).toBe(700);
    expect(shape((await byId(m, Number(theirs.id))).body).status.code).not.toBe(700);

    const done = await t.post('/v2/coupon/redeem', {
      billAmount: '2000',
      transactionNumber: txn(),
      user: { mobile: m },
      redemptionRequestList: [{ id: Number(mine.id) }],
    });
    expect(done.status, JSON.stringify(done.body)).toBe(200);
    expect(done.body.redemptionStatus.code).toBe(700);
    const [usedId, usedCode] = [await byId(m, Number(mine.id)), await check(m, [mine.code])];
    expect(shape(usedId.body)).toEqual(shape(usedCode.body));
    expect(shape(usedId.body).status.code).not.toBe(700);
    expect((await t.get(`/v2/coupon/series?ids=${s.id}`)).body.entity[0].numRedeemed).toBe(1);

    const unknown = await byId(m, 999_999_999);
    expect(unknown.status).toBe((await check(m, ['NOSUCHCODE1'])).status);
    expect(shape(unknown.body).status.code).not.toBe(700);
  });
});
