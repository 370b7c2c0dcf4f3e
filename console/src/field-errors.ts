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

/** Words for the API's terse "required" beside a field. */
const say = (message: string) => (message === 'required' ? 'Required: fill this in.' : message);

/**
 * Splits an API refusal into messages for the `known` fields it names (a series refusal names each bad
 * field in an entry of its own) and one for the whole form with whatever names no known field.
 */
export function fieldErrors(error: unknown, known: readonly string[]): FieldErrors {
  if (!(error instanceof ApiError))
    return { fields: {}, form: error instanceof Error ? error.message : String(error) };
  const fields: Record<string, string> = {};
  const rest: string[] = [];
  for (const entry of error.entries) {
    const m = entry.code === 629 ? NAMED.exec(entry.message.replace(/^invalid input:\s*/, '')) : null;
    if (m && known.includes(m[1]!) && !fields[m[1]!]) fields[m[1]!] = say(m[2]!);
    else rest.push(`${entry.message} (code ${entry.code})`);
  }
  return { fields, form: rest.length ? rest.join('; ') : undefined };
}
