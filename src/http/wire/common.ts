// Shapes shared by every route: error bodies, warnings, query arrays (docs/api.md §3).
import Type, { type TSchema } from 'typebox';
import { errorEntry, type CouponErrorName, type ErrorEntry } from '../../domain/errors.js';

export const ErrorEntrySchema = Type.Object({
  code: Type.Integer(),
  message: Type.String(),
  reason: Type.Optional(Type.String()),
});

export const Warnings = Type.Array(Type.Unknown());

export const ErrorReply = Type.Object(
  { errors: Type.Array(ErrorEntrySchema), warnings: Warnings },
  { additionalProperties: true, description: 'A refused request (docs/errors.md)' },
);

/** Upload endpoints keep the reference's own refusal shape. */
export const UploadErrorReply = Type.Object({
  success: Type.Boolean(),
  status: Type.Integer(),
  message: Type.String(),
  errors: Type.Array(ErrorEntrySchema),
});

export function wireErrors(entries: ErrorEntry[]): { errors: ErrorEntry[]; warnings: unknown[] } {
  return { errors: entries, warnings: [] };
}

export function wireError(
  reason: CouponErrorName,
  detail?: string,
): { errors: ErrorEntry[]; warnings: unknown[] } {
  return wireErrors([errorEntry(reason, detail)]);
}

/** An id on the wire: a positive integer a database key can hold (larger ids name nothing, so 629). */
export const IdSchema = Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER });
/** A page offset; beyond a billion rows nothing is left to page through. */
export const OffsetSchema = Type.Integer({ minimum: 0, maximum: 1_000_000_000, default: 0 });

/** A query parameter that may repeat (`?ids=1&ids=2`) or carry commas (`?ids=1,2`). */
export const QueryList = Type.Array(Type.String(), {
  description: 'repeat the parameter or separate values with commas',
});

export function splitList(values: readonly string[] | string | undefined): string[] {
  if (values === undefined) return [];
  const list = typeof values === 'string' ? [values] : values;
  return list
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter((v) => v.length > 0);
}

/** Money on the wire: a JSON number or a numeric string. */
export const MoneyIn = Type.Union([Type.Number(), Type.String()]);

/** Standard error responses added to every route's schema, for the OpenAPI document. */
export function withErrors<T extends Record<number, TSchema>>(ok: T) {
  return { ...ok, '4xx': ErrorReply, '5xx': ErrorReply };
}

/** The warning a cut list carries (docs/api.md §3 "Lists"): how many are left and where the next page starts. */
export function truncationWarnings(total: number, offset: number, shown: number): unknown[] {
  const next = offset + shown;
  if (next >= total || shown === 0) return [];
  return [
    {
      ...errorEntry('ListTruncated', `${total - next} more; ask again with offset=${next}`),
      total,
      nextOffset: next,
    },
  ];
}

/** The same warning when only "there are more" is known (the list was read one item past the page). */
export function moreWarnings(more: boolean, nextOffset: number): unknown[] {
  if (!more) return [];
  return [{ ...errorEntry('ListTruncated', `ask again with offset=${nextOffset}`), nextOffset }];
}
