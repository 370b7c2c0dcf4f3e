// The one builder of a refused request's body, per refusal shape (docs/api.md §3; a route names its shape
// with `config.errorShape`): the error handler (http/error-reply.ts), the framework's early refusals
// (http/server.ts, http/slow-clients.ts) and any route that answers a refusal itself all call it.
import { couponErrors, errorEntry, type CouponErrorName, type ErrorEntry } from '../../domain/errors.js';
import { wireErrors } from './common.js';
import { v11Refusal } from './v11/envelope.js';

/** How a route's refusals look: v2 (`errors` + `warnings`, the default) or a reference API's own shape. */
export type RefusalShape = 'v2' | 'upload' | 'token' | 'oauth' | 'success' | 'v11';

/** `first` is the entry of `detail`, the message of the shapes that carry one; `entries` lists them all. */
type Build = (
  reason: CouponErrorName,
  first: ErrorEntry,
  entries: ErrorEntry[],
) => { status?: number; body: unknown };

const shapes: Record<RefusalShape, Build> = {
  v2: (_reason, _first, entries) => ({ body: wireErrors(entries) }),
  upload: (reason, first, entries) => ({
    body: {
      success: false,
      status: couponErrors[reason].http,
      message: first.message,
      errors: entries,
    },
  }),
  success: (_reason, _first, entries) => ({ body: { ...wireErrors(entries), success: false } }),
  v11: (reason, first) => ({ body: v11Refusal(reason, first.message) }),
  token: (_reason, _first, entries) => ({ body: { data: null, errors: entries } }),
  // OAuth keeps RFC 6749's two error names and statuses.
  oauth: (reason, first) => {
    const unauthorized = couponErrors[reason].http === 401;
    return {
      status: unauthorized ? 401 : 400,
      body: { error: unauthorized ? 'invalid_client' : 'invalid_request', error_description: first.message },
    };
  },
};

/**
 * The HTTP status and body refusing a request for `reason` in `shape`; `details` (more than one) lists one
 * entry per detail, else `detail` is the one entry's detail.
 */
export function refusal(
  shape: RefusalShape,
  reason: CouponErrorName,
  detail?: string,
  details?: readonly string[],
): { status: number; body: unknown } {
  const first = errorEntry(reason, detail);
  const entries = details && details.length > 1 ? details.map((d) => errorEntry(reason, d)) : [first];
  const built = shapes[shape](reason, first, entries);
  return { status: built.status ?? couponErrors[reason].http, body: built.body };
}
