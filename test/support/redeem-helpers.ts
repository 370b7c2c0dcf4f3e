// The per-file setup of the redemption tests (test/api/redeem*.test.ts, v2-redeem-edition*.test.ts): fresh mobiles
// and bill numbers, a series, a coupon issued, a redeem and an is_redeemable call, on the app `app()` answers once
// `beforeAll` has built it. Each file names its own description, first mobile and bill prefix.
import { expect } from 'vitest';
import type { TestApp, TestClient } from './build-test-app.js';
import { billSequence, createSeries, issueCoupon, mobileSequence, redeemBody } from './factories.js';

export function redeemKit(
  app: () => TestApp,
  options: { description: string; mobileStart: number; billPrefix: string },
) {
  const mobile = mobileSequence(options.mobileStart);
  const txn = billSequence(options.billPrefix);

  const series = (fields: Record<string, unknown> = {}, as: TestClient = app().client) =>
    createSeries(app(), { description: options.description, discountValue: 100, ...fields }, as);
  const issue = (seriesId: number, m: string, as: TestClient = app().client) =>
    issueCoupon(app(), seriesId, { mobile: m }, as);
  const redeem = (
    m: string,
    codes: string[],
    extra: Record<string, unknown> = {},
    as: TestClient = app().client,
  ) => app().post('/v2/coupon/redeem', redeemBody(m, codes, txn(), extra), as);
  const check = (m: string, codes: string[], extra = '') =>
    app().get(`/v2/coupon/is_redeemable?mobile=${m}&code=${codes.join(',')}${extra}`);

  /** `count` coupons of `seriesId` issued to `m` in one call. */
  async function issueMany(seriesId: number, m: string, count: number): Promise<string[]> {
    const r = await app().post('/v2/coupon/issue/multiple', { seriesId, count, customer: { mobile: m } });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    return r.body.coupons.map((c: { code: string }) => c.code);
  }

  return { mobile, txn, series, issue, redeem, check, issueMany };
}
