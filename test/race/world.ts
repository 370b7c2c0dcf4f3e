// The shared world the race clients hammer: one org, a few customers, series with every kind of limit,
// coupons issued up front, a small pool of uploaded codes, and what the clients learn as they go (coupons,
// redemptions, holds). Built through the in-process app, so the race starts from a known state.
import { expect } from 'vitest';
import type { TestApp } from '../support/build-test-app.js';
import { seriesBody } from '../support/factories.js';
import type { Random } from './prng.js';

/** Unlimited traffic: the race is about the limits of the coupon rules, not the request throttles. */
export const RACE_ENV = {
  COUPOND_RATE_LIMIT_PER_MINUTE: '0',
  COUPOND_GUESS_LIMIT: '0',
  COUPOND_GUESS_LIMIT_PER_CLIENT: '0',
  COUPOND_AUTH_FAILURE_LIMIT: '0',
  LOG_LEVEL: 'warn',
};

/** The series of the race, by what each one limits. */
export const SERIES_FIELDS = {
  /** maxCreate and maxRedeem. */
  capped: { isMultipleVouchersPerUserAllowed: true, maxCreate: 24, maxRedeem: 8 },
  /** One coupon per customer, refused when asked again. */
  onePerCustomer: { isMultipleVouchersPerUserAllowed: false, doNotResendExistingVoucher: true },
  /** One coupon per customer, sent again when asked again. */
  resend: { isMultipleVouchersPerUserAllowed: false, doNotResendExistingVoucher: false },
  /** maxVouchersPerUser and maxRedemptionsInSeriesPerUser. */
  perUser: {
    isMultipleVouchersPerUserAllowed: true,
    maxVouchersPerUser: 3,
    maxRedemptionsInSeriesPerUser: 2,
  },
  issueGap: { isMultipleVouchersPerUserAllowed: true, minDaysBetweenVouchers: 1 },
  redeemGap: { isMultipleVouchersPerUserAllowed: true, minDaysBetweenRedemption: 1 },
  /** A code several customers redeem, each once, up to redemptionPerCouponMaxLimit. */
  perCoupon: {
    isMultipleVouchersPerUserAllowed: true,
    isMultipleUseAllowed: true,
    sameUserMultipleRedeem: false,
    anyUser: true,
    redemptionPerCouponMaxLimit: 3,
  },
  /** A code one customer redeems again and again, within maxRedeem. */
  multiUse: {
    isMultipleVouchersPerUserAllowed: true,
    isMultipleUseAllowed: true,
    sameUserMultipleRedeem: true,
    anyUser: true,
    maxRedeem: 12,
  },
  /** DISC_CODE_PIN: uploaded codes only, from a small pool. */
  pool: { clientHandlingType: 'DISC_CODE_PIN', isMultipleVouchersPerUserAllowed: true },
  generic: {
    clientHandlingType: 'GENERIC',
    isMultipleVouchersPerUserAllowed: true,
    maxVouchersPerUser: 2,
    maxRedeem: 20,
  },
  /** Single use, no limit: the ground for holds, revocations and reactivations. */
  plain: { isMultipleVouchersPerUserAllowed: true },
  /** Two series that exclude each other (set after both exist). */
  exclusiveA: { isMultipleVouchersPerUserAllowed: true },
  exclusiveB: { isMultipleVouchersPerUserAllowed: true },
} as const;
export type SeriesKey = keyof typeof SERIES_FIELDS;
export const SERIES_KEYS = Object.keys(SERIES_FIELDS) as SeriesKey[];

export const POOL_SIZE = 12;

export interface KnownCoupon {
  id: number;
  code: string;
  series: SeriesKey;
  mobile: string;
}
export interface KnownRedemption {
  id: number;
  txn: string;
  mobile: string;
}
export interface KnownHold {
  holdId: number;
  codes: string[];
  txn: string;
  mobile: string;
}

export interface World {
  seriesIds: Record<SeriesKey, number>;
  mobiles: string[];
  coupons: KnownCoupon[];
  poolCodes: string[];
  genericCode: string;
  redemptions: KnownRedemption[];
  holds: KnownHold[];
  nextTxn(): string;
}

/** Builds the world in the org of `t.client`. */
export async function buildWorld(t: TestApp, seed: number, random: Random): Promise<World> {
  const tag = (seed % 100_000).toString(36).toUpperCase();
  const genericCode = `RACEGEN${tag}`;
  const seriesIds = {} as Record<SeriesKey, number>;
  for (const key of SERIES_KEYS) {
    const r = await t.post(
      '/v2/coupon/series',
      seriesBody({
        description: `race ${key}`,
        discountValue: 5,
        ...(key === 'generic' ? { genericCode } : {}),
        ...SERIES_FIELDS[key],
      }),
    );
    expect(r.status, r.text).toBe(200);
    seriesIds[key] = r.body.id;
  }
  for (const [key, other] of [
    ['exclusiveA', 'exclusiveB'],
    ['exclusiveB', 'exclusiveA'],
  ] as const) {
    const r = await t.put(`/v2/coupon/series/${seriesIds[key]}`, {
      mutualExclusiveSeriesIds: `[${seriesIds[other]}]`,
    });
    expect(r.status, r.text).toBe(200);
  }
  const poolCodes = Array.from({ length: POOL_SIZE }, (_, i) => `RP${tag}X${i}`);
  await t.app.services.pool.addCodes(t.client.orgId, seriesIds.pool, poolCodes, {
    actor: 'race',
    now: Date.now(),
  });

  // Twelve customers registered up front, four more that the race registers on the fly.
  const base = 9_100_000_000 + (seed % 800_000) * 1000;
  const mobiles = Array.from({ length: 16 }, (_, i) => String(base + i));
  for (const mobile of mobiles.slice(0, 12))
    expect((await t.post('/v2/customers', { mobile })).status).toBe(200);

  const coupons: KnownCoupon[] = [];
  const issue = async (series: SeriesKey, mobile: string) => {
    const r = await t.post('/v2/coupon/issue', { seriesId: seriesIds[series], customer: { mobile } });
    if (r.status === 200) coupons.push({ id: r.body.id, code: r.body.code, series, mobile });
  };
  for (const mobile of mobiles.slice(0, 12)) {
    for (const series of [
      'plain',
      'plain',
      'plain',
      'multiUse',
      'perCoupon',
      'redeemGap',
      'redeemGap',
    ] as const)
      await issue(series, mobile);
    await issue('perUser', mobile);
    await issue('perUser', mobile);
    await issue('capped', mobile);
    if (random.chance(0.5)) await issue('capped', mobile);
    if (random.chance(0.5)) await issue('generic', mobile);
  }
  // Counters start a few steps below their limits, so that the race crosses them.
  const redemptions: KnownRedemption[] = [];
  const redeemSome = async (series: SeriesKey, n: number) => {
    for (const c of coupons.filter((x) => x.series === series).slice(0, n)) {
      const r = await t.post('/v2/coupon/redeem', {
        billAmount: 100,
        transactionNumber: `PRE-${c.id}`,
        user: { mobile: c.mobile },
        redemptionRequestList: [{ code: series === 'generic' ? genericCode : c.code }],
      });
      expect(r.status, r.text).toBe(200);
      redemptions.push({ id: r.body.redemption[0].id, txn: `PRE-${c.id}`, mobile: c.mobile });
    }
  };
  await redeemSome('capped', 5);
  await redeemSome('multiUse', 8);
  await redeemSome('generic', 3);
  await redeemSome('perUser', 6);
  let txn = 0;
  return {
    seriesIds,
    mobiles,
    coupons,
    poolCodes,
    genericCode,
    redemptions,
    holds: [],
    nextTxn: () => `R${tag}-${++txn}`,
  };
}
