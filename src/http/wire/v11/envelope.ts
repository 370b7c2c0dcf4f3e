// The v1.1 envelope (docs/api.md §14): `response.status` {success, code, message}, the per-item
// `item_status` blocks, the refusal body, and the JSON-only format rule. Each call keeps the value types
// its page's samples show (some pages write "200" and "true", others 200 and true).
import type { FastifyRequest } from 'fastify';
import Type, { type TSchema } from 'typebox';
import { CouponError, couponErrors, type CouponErrorName } from '../../../domain/errors.js';
import { v11CodeOf, v11MessageOf, V11_OK, type V11Call } from './codes.js';

/** How a page writes its status values: text ("true", "200") or JSON (true, 200). */
export interface Flavour {
  /** success as "true"/"false", or true/false. */
  textFlags: boolean;
  /** codes as "200"/"700", or 200/700. */
  textCodes: boolean;
}

export const TEXT: Flavour = { textFlags: true, textCodes: true };
export const TEXT_FLAGS: Flavour = { textFlags: true, textCodes: false };
export const JSON_VALUES: Flavour = { textFlags: false, textCodes: false };

const flag = (f: Flavour, v: boolean): string | boolean => (f.textFlags ? String(v) : v);
const code = (f: Flavour, v: number): string | number => (f.textCodes ? String(v) : v);

/** The overall status of a request whose items succeed or fail one by one (200, 201 some failed, 500 all). */
export function overallStatus(f: Flavour, total: number, failed: number, okMessage = 'Success') {
  const c = failed === 0 ? 200 : failed < total ? 201 : 500;
  const message =
    failed === 0
      ? okMessage
      : failed < total
        ? 'Some requests have failed due to errors'
        : 'All requests have failed due to errors';
  // The failure sample of the redeem page writes its codes as numbers.
  const g = failed === 0 ? f : { ...f, textCodes: false };
  // HTTP: 200 when something was done, 400 when every item was refused (the body keeps the page's 500: a
  // refusal is the caller's, never a server fault, for HTTP clients and monitors).
  return {
    http: c === 500 ? 400 : 200,
    status: { success: flag(f, failed === 0), code: code(g, c), message },
  };
}

export function okStatus(f: Flavour, message = 'Success') {
  return { success: flag(f, true), code: code(f, 200), message };
}

export function itemOk(f: Flavour, message: string, codeValue = V11_OK) {
  return { success: flag(f, true), code: code(f, codeValue), message };
}

export function itemRefused(f: Flavour, reason: CouponErrorName, call: V11Call) {
  return {
    success: flag(f, false),
    code: code(f, v11CodeOf(reason, call) ?? 730),
    message: v11MessageOf(reason, call),
  };
}

/** A refusal an item of a v1.1 answer can carry (it has a v1.1 code); others refuse the whole request. */
export function isItemRefusal(e: unknown): e is CouponError {
  return e instanceof CouponError && v11CodeOf(e.reason) !== undefined;
}

/**
 * The body of a refused request (error-reply.ts, errorShape 'v11'): its v1.1 code, else its docs/errors.md
 * code (629 invalid input, 401, 403, 406, 409, 429, 503, …).
 */
export function v11Refusal(reason: CouponErrorName, message: string) {
  return {
    response: {
      status: { success: 'false', code: v11CodeOf(reason) ?? couponErrors[reason].wireCode, message },
    },
  };
}

// --- schemas --------------------------------------------------------------------------------------------

const Scalar = Type.Union([Type.String(), Type.Integer(), Type.Boolean()]);

export const StatusSchema = Type.Object(
  { success: Scalar, status: Type.Optional(Scalar), code: Scalar, message: Type.String() },
  { description: 'success, code and message of the whole request (or of one item: item_status)' },
);

/** A v1.1 answer: `response` with its `status`, and the call's own keys (documented per route). */
export function V11Reply(rest: Record<string, TSchema>, description: string) {
  return Type.Object(
    { response: Type.Object({ status: StatusSchema, ...rest }, { additionalProperties: true }) },
    { description },
  );
}

export const V11RefusalReply = V11Reply(
  {},
  'A refused request: code is the v1.1 code of the refusal (docs/errors.md "The v1.1 codes"), else its docs/errors.md code',
);

/** Response schemas of a v1.1 route: its answer, and the refusal body for every error status. */
export function v11Responses(ok: TSchema, extra: Record<number, TSchema> = {}) {
  return { 200: ok, ...extra, '4xx': V11RefusalReply, '5xx': V11RefusalReply };
}

/** `format` is accepted on every v1.1 call; only json is answered. */
export const FormatQuery = {
  format: Type.Optional(Type.String({ description: 'json (the default); xml is refused with 406' })),
};

/**
 * coupond answers the v1.1 calls in JSON only (README "The v1.1 API"): `format=xml`, or an Accept header that
 * allows no JSON, is 406 with the v1.1 refusal body in JSON.
 */
export async function requireJson(request: FastifyRequest): Promise<void> {
  const format = (request.query as { format?: unknown } | undefined)?.format;
  if (format !== undefined && String(format).toLowerCase() !== 'json' && format !== '')
    throw new CouponError('NotAcceptable', `format=${String(format)}`);
  const accept = request.headers.accept;
  if (accept === undefined || accept.trim() === '') return;
  const types = accept.split(',').map((t) => t.split(';')[0]!.trim().toLowerCase());
  if (
    !types.some(
      (t) => t === '*/*' || t === 'application/*' || t === 'application/json' || t.endsWith('+json'),
    )
  )
    throw new CouponError('NotAcceptable', `Accept: ${accept}`);
}

/** Route options every v1.1 call shares: its scope, the v1.1 refusal body, and JSON only. */
export function v11Route(scope: 'read' | 'write') {
  return { config: { scope, errorShape: 'v11' as const }, preValidation: requireJson };
}
