import { describe, expect, it } from 'vitest';
import type { UploadRun } from '../services/upload-rows.js';
import type { CodeUploadParams } from '../services/uploads.js';
import { codeLayout, parseIdentifier } from './import-codes.js';
import { DEFAULT_BATCH_SIZES } from './upload-run.js';

function layoutFor(params: CodeUploadParams, mobileCountryCode: string | null = null) {
  const run = {
    org: { orgId: 1, name: 'o', timezone: 'UTC', mobileCountryCode, smsWebhookUrl: null },
    params,
  } as unknown as UploadRun;
  return codeLayout(run, DEFAULT_BATCH_SIZES);
}

describe('NOT_TAGGED layout', () => {
  const layout = layoutFor({ customerIdentifier: 'NOT_TAGGED', customerIdentifierColumn: 0 });

  it('has one column; a wider file cannot be read', () => {
    expect(layout.columnsFor(['A'])).toBe(1);
    expect(layout.columnsFor(['A', 'B'])).toEqual({ fail: expect.stringContaining('one column') });
  });

  it('takes a first row of column names, or of no valid code, as a header', () => {
    expect(layout.isHeader(['Coupon Code'])).toBe(true);
    expect(layout.isHeader(['CODE'])).toBe(true);
    expect(layout.isHeader(['ABC123'])).toBe(false);
  });

  it('plans pool codes upper-cased, keyed for duplicate detection, and refuses malformed ones', () => {
    expect(layout.plan([' abc123 '])).toEqual({ row: { kind: 'pool', code: 'ABC123' }, keys: ['c:ABC123'] });
    expect(layout.plan(['bad code'])).toEqual({
      row: { kind: 'error', error: 'coupon code is malformed' },
      keys: [],
    });
    expect(layout.duplicateError('c:X')).toBe('duplicate code in the same file');
    expect(layout.batchRows).toBe(DEFAULT_BATCH_SIZES.pool);
  });
});

describe('identifier layouts', () => {
  it('issues the code of a two-column file to the customer of the identifier column', () => {
    const layout = layoutFor({ customerIdentifier: 'MOBILE', customerIdentifierColumn: 1 }, '91');
    expect(layout.columnsFor(['code', 'mobile'])).toBe(2);
    expect(layout.isHeader(['coupon code', 'customer_identifier'])).toBe(true);
    expect(layout.isHeader(['ABC1', '98765 43210'])).toBe(false);
    expect(layout.plan(['abc1', '98765 43210'])).toEqual({
      row: { kind: 'issue', customer: { mobile: '919876543210' }, code: 'ABC1' },
      keys: ['u:919876543210', 'c:ABC1'],
    });
    expect(layout.successColumns).toEqual([]);
    expect(layout.duplicateError('u:919876543210')).toBe('duplicate customer in the same file');
  });

  it('keeps the keys of a row refused for another reason, so its copies are found', () => {
    const layout = layoutFor({ customerIdentifier: 'EMAIL', customerIdentifierColumn: 0 });
    layout.columnsFor(['e', 'c']);
    const { row, keys } = layout.plan(['not-an-email', 'ABC1']);
    expect(row).toEqual({ kind: 'error', error: expect.stringContaining('email is malformed') });
    expect(keys).toEqual(['c:ABC1']);
  });

  it('issues a generated code to each customer of a one-column file', () => {
    const layout = layoutFor({ customerIdentifier: 'USER_ID', customerIdentifierColumn: 0 });
    expect(layout.columnsFor(['userId'])).toBe(1);
    expect(layout.isHeader(['userId'])).toBe(true);
    expect(layout.isHeader(['42'])).toBe(false);
    expect(layout.plan(['42'])).toEqual({ row: { kind: 'issue', customer: { id: 42 } }, keys: ['u:42'] });
    expect(layout.successColumns).toEqual(['couponCode']);
    expect(layout.batchRows).toBe(DEFAULT_BATCH_SIZES.perRow);
  });

  it('cannot read a file whose identifier column is outside it, or that is wider than two columns', () => {
    expect(
      layoutFor({ customerIdentifier: 'MOBILE', customerIdentifierColumn: 1 }).columnsFor(['m']),
    ).toEqual({
      fail: expect.stringContaining('outside'),
    });
    expect(
      layoutFor({ customerIdentifier: 'MOBILE', customerIdentifierColumn: 0 }).columnsFor(['a', 'b', 'c']),
    ).toEqual({ fail: expect.stringContaining('3 columns') });
  });
});

describe('parseIdentifier', () => {
  it('normalises as the API does and refuses empty or malformed values', () => {
    expect(parseIdentifier('EMAIL', ' A@B.co ', null)).toEqual({ ref: { email: 'a@b.co' }, key: 'u:a@b.co' });
    expect(parseIdentifier('EXTERNAL_ID', 'X-1', null)).toEqual({ ref: { externalId: 'X-1' }, key: 'u:X-1' });
    expect(parseIdentifier('USER_ID', '', null)).toEqual({ error: expect.stringContaining('empty') });
    expect(parseIdentifier('USER_ID', '-3', null)).toEqual({
      error: expect.stringContaining('invalid customer'),
    });
  });
});
