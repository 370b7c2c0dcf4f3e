// Wire format of the upload API (reference "Coupon Upload"): the multipart fields in, the job statuses
// out (epoch-ms strings, the reference's status words), and the upload refusal shape.
import Type from 'typebox';
import { invalid } from '../../domain/errors.js';
import {
  COUPON_IDENTIFIERS,
  CUSTOMER_IDENTIFIERS,
  REDEMPTION_COLUMN_KEYS,
  type CodeUploadParams,
  type CouponIdentifier,
  type CustomerIdentifier,
  type RedemptionColumnKey,
  type RedemptionUploadParams,
  type UploadJob,
} from '../../services/uploads.js';
import { IdSchema, UploadErrorReply } from './common.js';

export const SeriesIdParams = Type.Object({ seriesId: IdSchema });
export const FileNameParams = Type.Object({ name: Type.String({ minLength: 1, maxLength: 200 }) });

const NullableString = Type.Union([Type.String(), Type.Null()]);

const jobFields = {
  jobId: Type.Integer(),
  createdOn: Type.String({ description: 'epoch milliseconds' }),
  updatedOn: Type.String({ description: 'epoch milliseconds' }),
  errorFileUrl: Type.Union([Type.String(), Type.Null()], {
    description: 'the path that downloads the error file, with the same credentials (docs/api.md §10)',
  }),
  successFileUrl: Type.Union([Type.String(), Type.Null()], {
    description: 'the path that downloads the success file, with the same credentials',
  }),
  errorFileName: Type.Union([Type.String(), Type.Null()], { description: 'the error file’s name alone' }),
  successFileName: Type.Union([Type.String(), Type.Null()], { description: 'the success file’s name alone' }),
  uploadedFileUrl: Type.String(),
  totalUploadedCount: Type.Integer({ description: 'data rows read from the file' }),
  actualRowCount: Type.Integer({ description: 'data rows processed so far' }),
  errorCount: Type.Integer({ description: 'rows refused (in the error file)' }),
  uploadTableName: NullableString,
  uploadedFileName: Type.String(),
  errorMessage: Type.Union([Type.String(), Type.Null()], {
    description: 'why the job failed as a whole (ERRORED); null otherwise',
  }),
};

export const CodeJobStatus = Type.Object({
  ...jobFields,
  uploadStatus: Type.String({ enum: ['STARTED', 'FINISHED', 'ERRORED'] }),
  audienceGroupId: Type.Integer(),
  audienceGroupVersionId: Type.Integer(),
});

export const RedeemJobStatus = Type.Object({
  ...jobFields,
  uploadRedeemedCouponStatus: Type.String({ enum: ['QUEUED', 'COMPLETED', 'ERRORED'] }),
});

const envelope = <T extends Record<string, ReturnType<typeof Type.Array>>>(lists: T) =>
  Type.Object({
    success: Type.Boolean(),
    status: Type.Integer(),
    result: Type.Object({
      orgId: Type.Integer(),
      couponSeriesId: Type.Integer(),
      ...lists,
      fileName: Type.Optional(Type.String()),
    }),
    warnings: Type.Optional(
      Type.Array(Type.Unknown(), {
        description: 'status reads, only when cut: ListTruncated (older jobs were left out)',
      }),
    ),
  });

export const CodeUploadReply = envelope({ uploadJobStatuses: Type.Array(CodeJobStatus) });
export const RedeemUploadReply = envelope({ redeemUploadJobStatuses: Type.Array(RedeemJobStatus) });

const enumOf = (values: readonly string[], description: string) =>
  Type.String({ enum: [...values], description });
const FileField = Type.String({ format: 'binary', description: 'the CSV file (UTF-8, comma-separated)' });

/** The multipart form of POST upload/file (documentation only: the route reads the form itself). */
export const CodeUploadForm = Type.Object({
  file: FileField,
  customerIdentifier: enumOf(
    [...CUSTOMER_IDENTIFIERS, 'NOT_TAGGED'],
    'what the identifier column holds; NOT_TAGGED for a file of pool codes only',
  ),
  customerIdentifierColumn: Type.Optional(
    Type.Integer({ minimum: 0, maximum: 1, default: 0, description: '0-based column of the identifier' }),
  ),
});

/** The multipart form of POST upload/redeemFile (documentation only). */
export const RedemptionUploadForm = Type.Object({
  file: FileField,
  customerIdentifier: enumOf(CUSTOMER_IDENTIFIERS, 'what the customer column holds'),
  couponIdentifier: enumOf(COUPON_IDENTIFIERS, 'what the coupon column holds'),
  uploadHeaders: Type.String({
    description: `a JSON object of column key to 0-based column index; keys: ${REDEMPTION_COLUMN_KEYS.join(', ')}`,
  }),
});

/** Response schemas of an upload route: its answer, and the upload refusal shape for the rest. */
export function uploadResponses<T>(ok: T) {
  return { 200: ok, '4xx': UploadErrorReply, '5xx': UploadErrorReply };
}

/** The path that downloads a result file (GET /coupon/api/v1/upload/files/{name}); null when there is none. */
export function resultFileUrl(name: string | null): string | null {
  return name === null ? null : `/coupon/api/v1/upload/files/${encodeURIComponent(name)}`;
}

function common(job: UploadJob) {
  return {
    jobId: job.id,
    createdOn: String(job.createdAt),
    updatedOn: String(job.updatedAt),
    errorFileUrl: resultFileUrl(job.errorFile),
    successFileUrl: resultFileUrl(job.successFile),
    errorFileName: job.errorFile,
    successFileName: job.successFile,
    uploadedFileUrl: job.storedName,
    totalUploadedCount: job.totalUploadedCount,
    actualRowCount: job.actualRowCount,
    errorCount: job.errorCount,
    uploadTableName: null,
    uploadedFileName: job.fileName,
    errorMessage: job.status === 'failed' ? (job.lastError ?? 'the job failed') : null,
  };
}

/** docs/api.md §10: code uploads go STARTED → FINISHED, or ERRORED when the job as a whole fails. */
export function toCodeJobStatus(job: UploadJob) {
  const uploadStatus =
    job.status === 'finished' ? 'FINISHED' : job.status === 'failed' ? 'ERRORED' : 'STARTED';
  return { ...common(job), uploadStatus, audienceGroupId: 0, audienceGroupVersionId: 0 };
}

/** docs/api.md §10: redeemed uploads go QUEUED → COMPLETED, or ERRORED. */
export function toRedeemJobStatus(job: UploadJob) {
  const uploadRedeemedCouponStatus =
    job.status === 'finished' ? 'COMPLETED' : job.status === 'failed' ? 'ERRORED' : 'QUEUED';
  return { ...common(job), uploadRedeemedCouponStatus };
}

/** The reply of the status reads and of the POSTs (which add the stored file's name). */
export function toUploadReply(
  kind: UploadJob['kind'],
  orgId: number,
  seriesId: number,
  jobs: readonly UploadJob[],
  fileName?: string,
) {
  const codes = kind === 'codes';
  return {
    success: true,
    status: 200,
    result: {
      orgId,
      couponSeriesId: seriesId,
      ...(codes
        ? { uploadJobStatuses: jobs.map(toCodeJobStatus) }
        : { redeemUploadJobStatuses: jobs.map(toRedeemJobStatus) }),
      ...(fileName !== undefined ? { fileName } : {}),
    },
  };
}

function oneOf<T extends string>(field: string, value: string | undefined, allowed: readonly T[]): T {
  const v = value?.trim().toUpperCase();
  if (!v) throw invalid(field, `required: one of ${allowed.join(', ')}`);
  if (!(allowed as readonly string[]).includes(v)) throw invalid(field, `one of ${allowed.join(', ')}`);
  return v as T;
}

/** Reads the fields of POST upload/file. */
export function fromCodeUploadFields(fields: Readonly<Record<string, string>>): CodeUploadParams {
  const customerIdentifier = oneOf<CustomerIdentifier | 'NOT_TAGGED'>(
    'customerIdentifier',
    fields.customerIdentifier,
    [...CUSTOMER_IDENTIFIERS, 'NOT_TAGGED'],
  );
  const raw = fields.customerIdentifierColumn?.trim() ?? '';
  let column = 0;
  if (raw !== '' && customerIdentifier !== 'NOT_TAGGED') {
    if (!/^\d{1,3}$/.test(raw) || Number(raw) > 1)
      throw invalid('customerIdentifierColumn', '0 or 1 (the 0-based column of the identifier)');
    column = Number(raw);
  }
  return { customerIdentifier, customerIdentifierColumn: column };
}

/**
 * Parses uploadHeaders. Strict JSON is expected; the reference's own examples write single quotes and
 * bare keys (`{'redeemedAt': 1, mobile: 2}`), so those are accepted too.
 */
function parseHeaders(text: string | undefined): Partial<Record<RedemptionColumnKey, number>> {
  if (!text?.trim()) throw invalid('uploadHeaders', 'required: a JSON object of column key → index');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    try {
      value = JSON.parse(text.replace(/'/g, '"').replace(/([{,]\s*)([A-Za-z]+)\s*:/g, '$1"$2":'));
    } catch {
      throw invalid('uploadHeaders', 'not valid JSON');
    }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw invalid('uploadHeaders', 'a JSON object of column key → index');
  const columns: Partial<Record<RedemptionColumnKey, number>> = {};
  for (const [key, index] of Object.entries(value)) {
    if (!(REDEMPTION_COLUMN_KEYS as readonly string[]).includes(key))
      throw invalid(
        'uploadHeaders',
        `unknown column key ${key}; known: ${REDEMPTION_COLUMN_KEYS.join(', ')}`,
      );
    const n = typeof index === 'string' && /^\d{1,3}$/.test(index.trim()) ? Number(index) : index;
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > 999)
      throw invalid('uploadHeaders', `${key} must be a column index from 0`);
    columns[key as RedemptionColumnKey] = n;
  }
  return columns;
}

/** Reads the fields of POST upload/redeemFile. */
export function fromRedemptionUploadFields(fields: Readonly<Record<string, string>>): RedemptionUploadParams {
  return {
    customerIdentifier: oneOf<CustomerIdentifier>(
      'customerIdentifier',
      fields.customerIdentifier,
      CUSTOMER_IDENTIFIERS,
    ),
    couponIdentifier: oneOf<CouponIdentifier>(
      'couponIdentifier',
      fields.couponIdentifier,
      COUPON_IDENTIFIERS,
    ),
    columns: parseHeaders(fields.uploadHeaders),
  };
}
