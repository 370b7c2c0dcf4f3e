// What a JSON body must be before anything reads it (issue 15, docs/api.md §3 "Input bounds"): nested at
// most MAX_JSON_DEPTH deep (counted on the raw text, before parsing, so no later recursive walk — the
// idempotency hash, the serialiser — can overflow the stack), every string and key valid Unicode (no lone
// surrogate: the databases disagree about them), and no boolean, null or non-finite numeric string that
// schema coercion could turn into a number. Every walk here is iterative.
import { CouponError, invalid } from '../domain/errors.js';

/** The deepest nesting of arrays and objects a JSON body may have (docs/api.md §3). */
export const MAX_JSON_DEPTH = 64;

/** A leaf that Ajv's type coercion would turn into a number: `true`, `false`, `null`, `"Infinity"`, `"1e309"`. */
export interface CoercibleLeaf {
  path: readonly (string | number)[];
  value: boolean | null | string;
}

/** Throws 629 when the raw JSON text nests arrays/objects deeper than `max` (strings are skipped). */
export function checkJsonDepth(text: string, max = MAX_JSON_DEPTH): void {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c /* \ */) i++;
      else if (c === 0x22 /* " */) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      if (++depth > max)
        throw new CouponError('InvalidInput', `the body is nested more than ${max} levels deep`);
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) depth--;
  }
}

/** String.prototype.isWellFormed (Node 20; the TypeScript lib here predates ES2024): no lone surrogate. */
const wellFormed = (s: string): boolean => (s as unknown as { isWellFormed(): boolean }).isWellFormed();

const pathText = (path: readonly (string | number)[]): string =>
  path.length === 0 ? 'body' : `body.${path.join('.')}`;

/** A string Ajv would coerce to a number that is not finite ("Infinity", "-1e309", " Infinity "). */
export function isNonFiniteNumeric(s: string): boolean {
  if (s === '') return false;
  const n = Number(s);
  return n === Infinity || n === -Infinity;
}

/**
 * Walks a parsed body (iteratively): throws 629 on a key or string that is not well-formed Unicode, and
 * answers the leaves a schema could coerce into a number, for `refuseCoercedNumbers` after validation.
 */
export function inspectJson(value: unknown): CoercibleLeaf[] {
  const leaves: CoercibleLeaf[] = [];
  const stack: { v: unknown; path: (string | number)[] }[] = [{ v: value, path: [] }];
  while (stack.length > 0) {
    const { v, path } = stack.pop()!;
    if (typeof v === 'string') {
      if (!wellFormed(v)) throw invalid(pathText(path), 'not valid Unicode text (a lone surrogate)');
      if (isNonFiniteNumeric(v)) leaves.push({ path, value: v });
    } else if (typeof v === 'boolean' || v === null) {
      leaves.push({ path, value: v });
    } else if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) stack.push({ v: v[i], path: [...path, i] });
    } else if (typeof v === 'object') {
      for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
        if (!wellFormed(k)) throw invalid(pathText(path), 'a key is not valid Unicode text');
        stack.push({ v: x, path: [...path, k] });
      }
    }
  }
  return leaves;
}

/**
 * After schema validation: a leaf that was `true`, `null` or `"Infinity"` in the body and is a number now was
 * coerced by the schema — refuse it (629) rather than take `true` as 1 or `"1e309"` as Infinity.
 */
export function refuseCoercedNumbers(body: unknown, leaves: readonly CoercibleLeaf[]): void {
  for (const leaf of leaves) {
    let v: unknown = body;
    for (let i = 0; i <= leaf.path.length; i++) {
      if (typeof v === 'number') {
        throw invalid(pathText(leaf.path.slice(0, i)), `a finite number, not ${JSON.stringify(leaf.value)}`);
      }
      if (i === leaf.path.length || v === null || typeof v !== 'object') break;
      v = (v as Record<string | number, unknown>)[leaf.path[i]!];
    }
  }
}

/** Throws 629 when a query or path value is not well-formed Unicode. */
export function checkWellFormed(where: string, source: unknown): void {
  if (!source || typeof source !== 'object') return;
  for (const [name, value] of Object.entries(source)) {
    const values = Array.isArray(value) ? value : [value];
    if (!wellFormed(name) || values.some((x) => typeof x === 'string' && !wellFormed(x)))
      throw invalid(`${where}.${wellFormed(name) ? name : '?'}`, 'not valid Unicode text');
  }
}
