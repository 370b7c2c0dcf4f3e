// Exact money: a bigint count of ten-thousandths. Amounts never pass through floating point after parsing.

/** An amount in ten-thousandths of a currency unit (4 decimal places cover every ISO 4217 currency). */
export type Money = bigint & { readonly __money: unique symbol };

export const MONEY_SCALE = 10_000n;
const DECIMALS = 4;
const DECIMAL = /^(-?)(\d{1,20})(?:\.(\d{1,20}))?$/;

export const ZERO = 0n as Money;

/**
 * Parses a JSON number or numeric string into Money; undefined when it is not an exact decimal with at
 * most four places. Numbers are read through their shortest decimal form, so 10.1 is exactly 10.1.
 */
export function parseMoney(input: unknown): Money | undefined {
  let text: string;
  if (typeof input === 'number') {
    if (!Number.isFinite(input)) return undefined;
    text = Math.abs(input) >= 1e21 ? '' : numberToPlain(input);
  } else if (typeof input === 'string') {
    text = input.trim();
  } else {
    return undefined;
  }
  const m = DECIMAL.exec(text);
  if (!m) return undefined;
  const [, sign, whole, frac = ''] = m;
  const trimmed = frac.replace(/0+$/, '');
  if (trimmed.length > DECIMALS) return undefined;
  const units = BigInt(whole!) * MONEY_SCALE + BigInt(trimmed.padEnd(DECIMALS, '0') || '0');
  return (sign === '-' ? -units : units) as Money;
}

function numberToPlain(n: number): string {
  const s = String(n);
  if (!/e/i.test(s)) return s;
  // Tiny or huge numbers in exponent form: toFixed gives the plain digits for |n| < 1e21.
  return n.toFixed(20).replace(/\.?0+$/, '');
}

/** The canonical decimal string, as stored in the database: "2000", "10.5", "-0.25". */
export function formatMoney(m: Money): string {
  const neg = m < 0n;
  const abs = neg ? -m : m;
  const whole = abs / MONEY_SCALE;
  const frac = (abs % MONEY_SCALE).toString().padStart(DECIMALS, '0').replace(/0+$/, '');
  return `${neg ? '-' : ''}${whole}${frac ? `.${frac}` : ''}`;
}

/** Reads a stored decimal string back. Throws on a corrupt value: storage only holds formatMoney output. */
export function moneyFromStorage(text: string | number): Money {
  const m = parseMoney(typeof text === 'number' ? text : String(text));
  if (m === undefined) throw new Error(`corrupt money value in storage: ${String(text)}`);
  return m;
}

/** The JSON number for a wire reply. Exact for every amount below 2^53 ten-thousandths-free units. */
export function moneyToNumber(m: Money): number {
  return Number(formatMoney(m));
}

export function money(units: number | string): Money {
  const m = parseMoney(units);
  if (m === undefined) throw new Error(`not an amount: ${units}`);
  return m;
}

export const minMoney = (a: Money, b: Money): Money => (a < b ? a : b);

/** value percent of amount, rounded half up to the money scale. */
export function percentOf(amount: Money, percent: Money): Money {
  const product = amount * percent; // scale^2 * percent-units
  const divisor = 100n * MONEY_SCALE;
  const q = product / divisor;
  const r = product % divisor;
  const rounded = r * 2n >= divisor ? q + 1n : r * 2n <= -divisor ? q - 1n : q;
  return rounded as Money;
}
