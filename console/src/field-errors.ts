// Places the API's 629 messages next to the fields they name: "invalid input: discountValue: at most 100 for
// a PERC discount" and "invalid input: body.maxCreate must be >= -1" both name a field first.
import { ApiError } from './api';

export interface FieldErrors {
  /** Field name → message, for fields the form shows. */
  fields: Record<string, string>;
  /** What could not be placed next to a field. */
  form: string | undefined;
}

const NAMED =
  /^(?:(?:body|querystring|params)\.)?(?:CouponSeriesV2\.)?([A-Za-z][A-Za-z0-9]*)(?::\s*|\s+)(.+)$/;

/** Splits an API refusal into a message for one of `known` fields, or one for the whole form. */
export function fieldErrors(error: unknown, known: readonly string[]): FieldErrors {
  if (!(error instanceof ApiError))
    return { fields: {}, form: error instanceof Error ? error.message : String(error) };
  if (error.code === 629) {
    const detail = error.message.replace(/^invalid input:\s*/, '');
    const m = NAMED.exec(detail);
    if (m && known.includes(m[1]!)) return { fields: { [m[1]!]: m[2]! }, form: undefined };
  }
  return { fields: {}, form: `${error.message} (code ${error.code})` };
}
