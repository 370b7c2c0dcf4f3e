// Code uploads (docs/api.md §10, POST upload/file): the three layouts, told apart by customerIdentifier and the
// file's width. NOT_TAGGED: one column of codes for the series pool. An identifier and a code: that code
// issued to that customer. An identifier alone: a generated (or pool) code issued to each customer.
import { normaliseCode } from '../domain/coupon.js';
import { parseCustomerRef, type CustomerRef } from '../domain/customer.js';
import { CouponError, errorEntry } from '../domain/errors.js';
import type { Services } from '../services/index.js';
import type { PlannedRow, UploadRun } from '../services/upload-rows.js';
import type { CodeUploadParams, CustomerIdentifier } from '../services/uploads.js';
import { isHeaderWord } from './csv.js';
import type { JobHandler } from './job.js';
import type { UploadJobPayload } from '../services/uploads.js';
import { uploadHandler, type BatchSizes, type Layout } from './upload-run.js';

const CODE_MALFORMED = errorEntry('CodeMalformed').message;
const CODE_KEY = 'c:';
const CUSTOMER_KEY = 'u:';

/** The ref field each identifier type fills. */
const REF_FIELD: Record<CustomerIdentifier, keyof CustomerRef> = {
  MOBILE: 'mobile',
  EMAIL: 'email',
  EXTERNAL_ID: 'externalId',
  USER_ID: 'id',
};

/**
 * Reads one identifier cell into a customer ref, normalised as the API does (docs/api.md §3), or the reason it
 * is not one. The ref's value is also the customer's identity for duplicate detection.
 */
export function parseIdentifier(
  type: CustomerIdentifier,
  cell: string | undefined,
  countryCode: string | null,
): { ref: CustomerRef; key: string } | { error: string } {
  const field = REF_FIELD[type];
  try {
    const ref = parseCustomerRef({ [field]: cell ?? '' }, countryCode);
    const value = ref[field];
    if (value === undefined) return { error: 'invalid customer: the customer identifier is empty' };
    return { ref, key: `${CUSTOMER_KEY}${String(value)}` };
  } catch (e) {
    if (e instanceof CouponError) return { error: e.message };
    throw e;
  }
}

function poolLayout(batchRows: number): Layout {
  return {
    columnsFor: (first) =>
      first.length === 1
        ? 1
        : { fail: `a NOT_TAGGED file has one column of codes; this one has ${first.length}` },
    isHeader: (first) => normaliseCode(first[0]) === undefined || isHeaderWord(first[0]),
    plan(cells) {
      const code = normaliseCode(cells[0]);
      if (code === undefined) return { row: { kind: 'error', error: CODE_MALFORMED }, keys: [] };
      return { row: { kind: 'pool', code }, keys: [CODE_KEY + code] };
    },
    duplicateError: () => 'duplicate code in the same file',
    successColumns: [],
    batchRows,
  };
}

function customerLayout(
  params: CodeUploadParams & { customerIdentifier: CustomerIdentifier },
  countryCode: string | null,
  batchRows: number,
): Layout {
  const type = params.customerIdentifier;
  const idAt = params.customerIdentifierColumn;
  let tagged = false;
  const codeAt = () => (idAt === 0 ? 1 : 0);
  return {
    columnsFor(first) {
      if (first.length > 2 || first.length < 1)
        return {
          fail: `a ${type} file has an identifier column and at most one code column; this one has ${first.length} columns`,
        };
      if (idAt >= first.length)
        return {
          fail: `customerIdentifierColumn ${idAt} is outside the file's ${first.length} column(s)`,
        };
      tagged = first.length === 2;
      return first.length;
    },
    isHeader(first) {
      const id = first[idAt];
      if (isHeaderWord(id) || 'error' in parseIdentifier(type, id, countryCode)) return true;
      return tagged && (isHeaderWord(first[codeAt()]) || normaliseCode(first[codeAt()]) === undefined);
    },
    plan(cells) {
      const who = parseIdentifier(type, cells[idAt], countryCode);
      const keys: string[] = 'key' in who ? [who.key] : [];
      let code: string | undefined;
      if (tagged) {
        code = normaliseCode(cells[codeAt()]);
        if (code !== undefined) keys.push(CODE_KEY + code);
      }
      let row: PlannedRow;
      if ('error' in who) row = { kind: 'error', error: who.error };
      else if (tagged && code === undefined) row = { kind: 'error', error: CODE_MALFORMED };
      else row = { kind: 'issue', customer: who.ref, ...(code !== undefined ? { code } : {}) };
      return { row, keys };
    },
    duplicateError: (key) =>
      key.startsWith(CODE_KEY) ? 'duplicate code in the same file' : 'duplicate customer in the same file',
    get successColumns() {
      return tagged ? [] : ['couponCode'];
    },
    batchRows,
  };
}

/** The layout of a code upload, from its parameters. */
export function codeLayout(run: UploadRun, sizes: BatchSizes): Layout {
  const params = run.params as CodeUploadParams;
  if (params.customerIdentifier === 'NOT_TAGGED') return poolLayout(sizes.pool);
  return customerLayout(
    { ...params, customerIdentifier: params.customerIdentifier },
    run.org.mobileCountryCode,
    sizes.perRow,
  );
}

/** The handler of code upload jobs. */
export function importCodes(
  services: Pick<Services, 'orgs' | 'uploadRows'>,
  sizes: BatchSizes,
): JobHandler<UploadJobPayload> {
  return uploadHandler(services, (run) => codeLayout(run, sizes), sizes.statsFrom);
}
