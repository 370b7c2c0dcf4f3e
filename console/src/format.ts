// How the console writes numbers, instants and dates: instants in the org's timezone, as the API reckons days.
const numbers = new Intl.NumberFormat('en');

export const formatCount = (n: number): string => numbers.format(n);

let zone = 'UTC';
/** The org's timezone (from GET /v2/org/settings): every instant is shown in it. */
export function setTimeZone(timeZone: string): void {
  zone = timeZone;
}
export const timeZone = (): string => zone;

/** '2026-11-25 18:30' in the org's timezone; '—' for nothing. */
export function formatInstant(value: string | number | null | undefined): string {
  if (value === null || value === undefined || value === 0 || value === '') return '—';
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) return String(value);
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone: zone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(d);
  const get = (t: string) => parts.find((p) => p.type === t)?.value ?? '';
  return `${get('year')}-${get('month')}-${get('day')} ${get('hour')}:${get('minute')}`;
}

/** The date of a wire date ('2027-12-31T00:00:00Z' → '2027-12-31'); a date has no timezone. */
export const formatDate = (value: string | null | undefined): string => (value ? value.slice(0, 10) : '—');

/** Today in the org's timezone, YYYY-MM-DD. */
export function today(): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: zone }).format(new Date());
}

export function addDays(date: string, days: number): string {
  const [y, m, d] = date.split('-').map(Number);
  return new Date(Date.UTC(y!, m! - 1, d! + days)).toISOString().slice(0, 10);
}

export function formatDiscount(s: {
  discountType: string;
  discountValue: number;
  discountUpto?: number;
}): string {
  if (s.discountType === 'PERC')
    return `${s.discountValue}% off${s.discountUpto ? `, up to ${numbers.format(s.discountUpto)}` : ''}`;
  return `${numbers.format(s.discountValue)} off`;
}

/** -1 means unlimited for every limit field. */
export const formatLimit = (n: number): string => (n < 0 ? 'unlimited' : numbers.format(n));
