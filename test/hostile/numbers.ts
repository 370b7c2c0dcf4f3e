// Hostile values for every place a route takes a number (issue 15), and which of them must be refused. A
// value is sent as JSON (`json`), as JSON number text no JavaScript value can stand for (`raw`, e.g. 1e309,
// which JSON.parse reads as Infinity), or as query/path text (`text`).
import type { NumericInput } from './routes.js';

export interface HostileNumber {
  label: string;
  json?: unknown;
  raw?: string;
  text: string;
  /** Whether an input of this kind must refuse it (4xx); otherwise it must only not fail (no 5xx, no hang). */
  refused: (input: NumericInput) => boolean;
}

const always = () => true;
const never = () => false;
/** Body fields that take only numbers; query and path values are always text. */
const pureOrText = (i: NumericInput) => i.where !== 'body' || (i.pure && !i.nullable);
const integer = (i: NumericInput) => i.integer;

export const HOSTILE_NUMBERS: HostileNumber[] = [
  { label: '"Infinity"', json: 'Infinity', text: 'Infinity', refused: always },
  { label: '"-Infinity"', json: '-Infinity', text: '-Infinity', refused: always },
  // A number-or-string field may take "NaN" as text (reactivate ignores `user` when given redemption ids).
  { label: '"NaN"', json: 'NaN', text: 'NaN', refused: pureOrText },
  { label: '"1e309"', json: '1e309', text: '1e309', refused: always },
  { label: '"-1e309"', json: '-1e309', text: '-1e309', refused: always },
  { label: '1e309 (a JSON number)', raw: '1e309', text: '1e309', refused: always },
  { label: '-1e309 (a JSON number)', raw: '-1e309', text: '-1e309', refused: always },
  { label: 'true', json: true, text: 'true', refused: always },
  { label: 'false', json: false, text: 'false', refused: always },
  { label: '[true]', json: [true], text: 'true', refused: always },
  { label: '""', json: '', text: '', refused: pureOrText },
  { label: 'null', json: null, text: 'null', refused: pureOrText },
  { label: '1.5', json: 1.5, text: '1.5', refused: integer },
  { label: '"1e308"', json: '1e308', text: '1e308', refused: never },
  { label: '1e308', json: 1e308, text: '1e308', refused: never },
  { label: '-1', json: -1, text: '-1', refused: never },
  { label: '0', json: 0, text: '0', refused: never },
  { label: '2^53+1 (text)', json: '9007199254740993', text: '9007199254740993', refused: never },
  {
    label: '1e20 (a JSON number)',
    raw: '100000000000000000000',
    text: '100000000000000000000',
    refused: never,
  },
];

/** A copy of `v` with `value` at `path` (objects and arrays created where missing). */
export function setPath(v: unknown, path: readonly (string | number)[], value: unknown): unknown {
  if (path.length === 0) return value;
  const [head, ...rest] = path as [string | number, ...(string | number)[]];
  const base: any = Array.isArray(v)
    ? [...v]
    : typeof v === 'object' && v !== null
      ? { ...v }
      : typeof head === 'number'
        ? []
        : {};
  base[head] = setPath(base[head], rest, value);
  return base;
}

const RAW = '"__hostile_raw_number__"';

/** The JSON text of `template` with the hostile value at `path`. */
export function bodyWith(template: unknown, path: readonly (string | number)[], n: HostileNumber): string {
  if (n.raw === undefined) return JSON.stringify(setPath(template ?? {}, path, n.json));
  return JSON.stringify(setPath(template ?? {}, path, JSON.parse(RAW))).replace(RAW, n.raw);
}

/** Runs `work`, failing when it takes longer than `ms` (a hang is a failure, not a stuck suite). */
export async function within<T>(ms: number, what: string, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}
