// Redeemed-coupon uploads (docs/api.md §10, POST upload/redeemFile): each row records a redemption that happened
// elsewhere, at the file's time and till. Columns come from `uploadHeaders` (column key → index).
import { normaliseCode } from '../domain/coupon.js';
import { parseCustomerRef, parseCustomerId, type CustomerRef } from '../domain/customer.js';
import { CouponError, errorEntry } from '../domain/errors.js';
import type { Services } from '../services/index.js';
import type { ImportedRedemption } from '../services/import-redemption.js';
import type { PlannedRow, UploadRun } from '../services/upload-rows.js';
import type { RedemptionColumnKey, RedemptionUploadParams, UploadJobPayload } from '../services/uploads.js';
import { isHeaderWord } from './csv.js';
import type { JobHandler } from './job.js';
import { uploadHandler, type BatchSizes, type Layout } from './upload-run.js';

const EPOCH_MS = /^\d{1,15}$/;

const error = (message: string): { row: PlannedRow; keys: string[] } => ({
  row: { kind: 'error', error: message },
  keys: [],
});

/** The layout of a redeemed-coupon upload, from its uploadHeaders. */
export function redemptionLayout(run: UploadRun, sizes: BatchSizes): Layout {
  const { columns } = run.params as RedemptionUploadParams;
  const countryCode = run.org.mobileCountryCode;
  const cell = (cells: readonly string[], key: RedemptionColumnKey): string | undefined => {
    const at = columns[key];
    const v = at === undefined ? undefined : cells[at]?.trim();
    return v ? v : undefined;
  };
  const widest = Math.max(...Object.values(columns).map((i) => i ?? 0));

  return {
    columnsFor: (first) =>
      widest < first.length
        ? first.length
        : { fail: `uploadHeaders names column ${widest}, but the file has ${first.length} column(s)` },
    isHeader(first) {
      const at = columns.redeemedDateInMillis!;
      return !EPOCH_MS.test(first[at]?.trim() ?? '') || isHeaderWord(first[at]);
    },
    plan(cells) {
      // Every identifier column given names the customer; docs/api.md §4's precedence and 721 apply.
      let customer: CustomerRef;
      try {
        customer = parseCustomerRef(
          {
            id: cell(cells, 'userId'),
            externalId: cell(cells, 'externalId'),
            mobile: cell(cells, 'mobile'),
            email: cell(cells, 'email'),
          },
          countryCode,
        );
      } catch (e) {
        if (e instanceof CouponError) return error(e.message);
        throw e;
      }
      if (Object.keys(customer).length === 0)
        return error('invalid customer: the customer identifier is empty');
      // couponId is preferred over couponCode when a row has both (the reference's rule).
      const idCell = cell(cells, 'couponId');
      const codeCell = cell(cells, 'couponCode');
      const couponId = idCell === undefined ? undefined : parseCustomerId(idCell);
      const couponCode = idCell === undefined && codeCell !== undefined ? normaliseCode(codeCell) : undefined;
      if (idCell !== undefined && couponId === undefined) return error('couponId must be a positive integer');
      if (idCell === undefined && codeCell === undefined)
        return error(errorEntry('CouponIdOrCodeMissing').message);
      if (idCell === undefined && couponCode === undefined) return error(errorEntry('CodeMalformed').message);
      const millis = cell(cells, 'redeemedDateInMillis') ?? '';
      if (!EPOCH_MS.test(millis)) return error('redeemedDateInMillis must be epoch milliseconds');
      const till = cell(cells, 'redeemedAt');
      if (till === undefined) return error('redeemedAt (the till) is missing');
      const redemption: ImportedRedemption = {
        customer,
        ...(couponId !== undefined ? { couponId } : {}),
        ...(couponCode !== undefined ? { couponCode } : {}),
        redeemedAt: Number(millis),
        tillId: till,
        billId: cell(cells, 'billId') ?? null,
        billNumber: cell(cells, 'billNumber') ?? null,
        details: cell(cells, 'details') ?? null,
      };
      // The same redemption listed twice (coupon, time and bill): every copy is refused. The same
      // coupon on other bills is not a duplicate: multi-use coupons are redeemed many times.
      const coupon = couponId !== undefined ? `#${couponId}` : couponCode!;
      const key = `r:${coupon}|${millis}|${redemption.billNumber ?? ''}|${redemption.billId ?? ''}`;
      return { row: { kind: 'redeem', redemption }, keys: [key] };
    },
    duplicateError: () => 'duplicate redemption in the same file',
    successColumns: ['redemptionId'],
    batchRows: sizes.perRow,
  };
}

/** The handler of redeemed-coupon upload jobs. */
export function importRedemptions(
  services: Pick<Services, 'orgs' | 'uploadRows'>,
  sizes: BatchSizes,
): JobHandler<UploadJobPayload> {
  return uploadHandler(services, (run) => redemptionLayout(run, sizes), sizes.statsFrom);
}
