import { describe, expect, it } from 'vitest';
import type { UploadRun } from '../services/upload-rows.js';
import type { RedemptionUploadParams } from '../services/uploads.js';
import { redemptionLayout } from './import-redemptions.js';
import { DEFAULT_BATCH_SIZES } from './upload-run.js';

const columns = {
  redeemedDateInMillis: 0,
  redeemedAt: 1,
  mobile: 2,
  couponCode: 3,
  billId: 4,
  billNumber: 5,
  details: 6,
};

function layoutFor(params: Partial<RedemptionUploadParams> = {}) {
  const run = {
    org: { orgId: 1, name: 'o', timezone: 'UTC', mobileCountryCode: null, smsWebhookUrl: null },
    params: { customerIdentifier: 'MOBILE', couponIdentifier: 'COUPON_CODE', columns, ...params },
  } as unknown as UploadRun;
  return redemptionLayout(run, DEFAULT_BATCH_SIZES);
}

describe('redeemed-coupon layout', () => {
  const layout = layoutFor();

  it('needs every column uploadHeaders names', () => {
    expect(layout.columnsFor(['1', '2', '3', '4', '5', '6', '7'])).toBe(7);
    expect(layout.columnsFor(['1', '2', '3', '4'])).toEqual({ fail: expect.stringContaining('column 6') });
  });

  it('takes a first row whose time is not epoch milliseconds as a header', () => {
    expect(layout.isHeader(['redeemed date in millis', 'redeemed at', 'mobile'])).toBe(true);
    expect(layout.isHeader(['1603128622000', '50015497', '9876543210'])).toBe(false);
  });

  it('plans a redemption at the file time and till, with the optional bill fields', () => {
    const { row, keys } = layout.plan(['1603128622000', 'T1', '9876543210', 'abc1', 'B1', '', 'note']);
    expect(row).toEqual({
      kind: 'redeem',
      redemption: {
        customer: { mobile: '9876543210' },
        couponCode: 'ABC1',
        redeemedAt: 1603128622000,
        tillId: 'T1',
        billId: 'B1',
        billNumber: null,
        details: 'note',
      },
    });
    expect(keys).toEqual(['r:ABC1|1603128622000||B1']);
  });

  it('refuses rows without a valid time, till, customer or coupon', () => {
    const plan = (cells: string[]) => layout.plan(cells).row;
    expect(plan(['yesterday', 'T1', '9876543210', 'A1', '', '', ''])).toMatchObject({
      error: expect.stringContaining('redeemedDateInMillis'),
    });
    expect(plan(['1', '', '9876543210', 'A1', '', '', ''])).toMatchObject({
      error: expect.stringContaining('redeemedAt'),
    });
    expect(plan(['1', 'T1', '', 'A1', '', '', ''])).toMatchObject({
      error: expect.stringContaining('empty'),
    });
    expect(plan(['1', 'T1', 'x', 'A1', '', '', ''])).toMatchObject({
      error: expect.stringContaining('mobile'),
    });
    expect(plan(['1', 'T1', '9876543210', '', '', '', ''])).toMatchObject({ kind: 'error' });
    expect(plan(['1', 'T1', '9876543210', 'bad code', '', '', ''])).toMatchObject({
      error: 'coupon code is malformed',
    });
  });

  it('prefers couponId over couponCode when a row has both', () => {
    const both = layoutFor({ couponIdentifier: 'COUPON_ID', columns: { ...columns, couponId: 7 } });
    const { row } = both.plan(['1', 'T1', '9876543210', 'A1', '', '', '', '55']);
    expect(row).toMatchObject({ kind: 'redeem', redemption: { couponId: 55 } });
    expect(row).not.toHaveProperty('redemption.couponCode');
    expect(both.plan(['1', 'T1', '9876543210', 'A1', '', '', '', 'x']).row).toMatchObject({
      error: expect.stringContaining('couponId'),
    });
  });
});
