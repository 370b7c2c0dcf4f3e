// Shared test fixtures: complete, realistic request bodies and the calls most tests start with (a series,
// a coupon issued to a customer, a redeem body). A test names only the fields its fact is about; the rest
// comes from here, so a stricter validation of series or bills changes one file, not every test file.
import { expect } from 'vitest';
import type { TestApp, TestClient } from './build-test-app.js';

/** A series end five years out: far enough for any test clock, near enough to be a real offer. */
const VALID_TILL = `${new Date().getUTCFullYear() + 5}-12-31`;

/**
 * The body of `POST /v2/coupon/series`: every field the reference marks mandatory, with a real discount
 * (10 off the bill), one code per issue, coupons valid to the series end, SMS off (a test about messages
 * sets `isSMSDisabled: false`). `fields` override.
 */
export function seriesBody(fields: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    description: 'Test offer: 10 off',
    discountCode: 'TEST10',
    discountType: 'ABS',
    discountValue: 10,
    clientHandlingType: 'DISC_CODE',
    expiryStrategyType: 'SERIES_EXPIRY',
    expiryStrategyValue: 1,
    validTillDate: VALID_TILL,
    anyUser: false,
    smsTemplate: 'Your code {{voucher}} for {{offer_name}} is valid till {{valid_till}}',
    isSMSDisabled: true,
    ...fields,
  };
}

/** Creates a series (failing the test unless it is accepted) and answers its stored wire form. */
export async function createSeries(
  t: TestApp,
  fields: Record<string, unknown> = {},
  as: TestClient = t.client,
): Promise<any> {
  const r = await t.post('/v2/coupon/series', seriesBody(fields), as);
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body;
}

/** Issues one coupon of `seriesId` to `customer` (failing the test unless it is issued); answers the reply body. */
export async function issueCoupon(
  t: TestApp,
  seriesId: number,
  customer: Record<string, unknown>,
  as: TestClient = t.client,
): Promise<any> {
  const r = await t.post('/v2/coupon/issue', { seriesId, customer }, as);
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body;
}

/** The body of `POST /v2/coupon/redeem`: `codes` for the customer with `mobile` on one bill of 2000. */
export function redeemBody(
  mobile: string,
  codes: readonly string[],
  transactionNumber: string,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    billAmount: '2000',
    transactionNumber,
    user: { mobile },
    redemptionRequestList: codes.map((code) => ({ code })),
    ...extra,
  };
}

/** Mobile numbers no other call of this sequence hands out: `start + 1`, `start + 2`, … */
export function mobileSequence(start: number): () => string {
  let n = start;
  return () => String(++n);
}

/** Bill numbers `PREFIX1`, `PREFIX2`, … */
export function billSequence(prefix: string): () => string {
  let n = 0;
  return () => `${prefix}${++n}`;
}
