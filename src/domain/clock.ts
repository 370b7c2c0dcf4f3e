// Time in an org's timezone: local dates and hours, parsing the wire's timestamp forms, and date arithmetic.
// Instants are epoch milliseconds; calendar dates are 'YYYY-MM-DD' strings (a date has no timezone).

export type IsoDate = string; // 'YYYY-MM-DD'

export interface LocalParts {
  year: number;
  month: number; // 1-12
  day: number;
  hour: number;
  minute: number;
  second: number;
  /** ISO day of week: 1 = Monday … 7 = Sunday. */
  isoWeekday: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** True when the runtime knows the IANA zone name. */
export function isValidTimeZone(timeZone: string): boolean {
  try {
    formatterFor(timeZone);
    return true;
  } catch {
    return false;
  }
}

/**
 * The last answer of localParts per timezone: the rules ask about the same instant (a request's or a
 * batch's "now") many times in a row, and Intl formatting costs tens of microseconds.
 */
const lastParts = new Map<string, { instant: number; parts: LocalParts }>();

/** The wall-clock fields of an instant in a timezone. */
export function localParts(instant: number, timeZone: string): LocalParts {
  const hit = lastParts.get(timeZone);
  if (hit && hit.instant === instant) return hit.parts;
  const result = computeLocalParts(instant, timeZone);
  if (lastParts.size > 1000) lastParts.clear();
  lastParts.set(timeZone, { instant, parts: result });
  return result;
}

/** Offsets change at whole seconds, rarely: one known to hold for a quarter hour serves every instant in it. */
const OFFSET_SPAN = 900_000;
const offsets = new Map<string, { span: number; offset: number | undefined }>();

function computeLocalParts(instant: number, timeZone: string): LocalParts {
  const span = Math.floor(instant / OFFSET_SPAN);
  let known = offsets.get(timeZone);
  if (!known || known.span !== span) {
    const first = intlOffset(span * OFFSET_SPAN, timeZone);
    const last = intlOffset(span * OFFSET_SPAN + OFFSET_SPAN - 1000, timeZone);
    // An offset change inside the quarter hour: ask Intl for each instant of it.
    known = { span, offset: first === last ? first : undefined };
    if (offsets.size > 1000) offsets.clear();
    offsets.set(timeZone, known);
  }
  if (known.offset === undefined) return intlParts(instant, timeZone);
  const d = new Date(instant + known.offset);
  const dow = d.getUTCDay();
  return {
    year: d.getUTCFullYear(),
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes(),
    second: d.getUTCSeconds(),
    isoWeekday: dow === 0 ? 7 : dow,
  };
}

/** The zone's offset from UTC at an instant (whole seconds), as Intl reports the wall clock. */
function intlOffset(instant: number, timeZone: string): number {
  return offsetOf(intlParts(instant, timeZone), instant);
}

/** The offset that turns an instant into the wall clock `p` shows for it. */
function offsetOf(p: LocalParts, instant: number): number {
  const wall = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
  return wall - Math.floor(instant / 1000) * 1000;
}

function intlParts(instant: number, timeZone: string): LocalParts {
  const parts = formatterFor(timeZone).formatToParts(new Date(instant));
  const get = (t: string): number => Number(parts.find((p) => p.type === t)?.value ?? NaN);
  const year = get('year');
  const month = get('month');
  const day = get('day');
  const dow = new Date(Date.UTC(year, month - 1, day)).getUTCDay();
  return {
    year,
    month,
    day,
    hour: get('hour'),
    minute: get('minute'),
    second: get('second'),
    isoWeekday: dow === 0 ? 7 : dow,
  };
}

/** The local calendar date of an instant in a timezone. */
export function localDate(instant: number, timeZone: string): IsoDate {
  const p = localParts(instant, timeZone);
  return formatDate(p.year, p.month, p.day);
}

export function formatDate(year: number, month: number, day: number): IsoDate {
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

export function parseIsoDate(date: IsoDate): { year: number; month: number; day: number } {
  const [y, m, d] = date.split('-').map(Number);
  return { year: y!, month: m!, day: d! };
}

/** The instant at which a wall-clock time happens in a timezone (the earlier one across a DST fold). */
export function zonedToInstant(
  timeZone: string,
  year: number,
  month: number,
  day: number,
  hour = 0,
  minute = 0,
  second = 0,
  ms = 0,
): number {
  const asUtc = Date.UTC(year, month - 1, day, hour, minute, second, ms);
  // Two corrections converge for every real zone; the second fixes instants near an offset change.
  let guess = asUtc - offsetAt(asUtc, timeZone);
  guess = asUtc - offsetAt(guess, timeZone);
  return guess;
}

function offsetAt(instant: number, timeZone: string): number {
  return offsetOf(localParts(instant, timeZone), instant);
}

/** The first instant of a local date. */
export function startOfDay(date: IsoDate, timeZone: string): number {
  const { year, month, day } = parseIsoDate(date);
  return zonedToInstant(timeZone, year, month, day);
}

/** The first instant after a local date ends (the start of the next day). */
export function endOfDayExclusive(date: IsoDate, timeZone: string): number {
  return startOfDay(addDays(date, 1), timeZone);
}

export function addDays(date: IsoDate, days: number): IsoDate {
  const { year, month, day } = parseIsoDate(date);
  const d = new Date(Date.UTC(year, month - 1, day + days));
  return formatDate(d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate());
}

export function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** Adds calendar months; a day that the target month lacks becomes its last day (Jan 31 + 1 → Feb 28/29). */
export function addMonths(date: IsoDate, months: number): IsoDate {
  const { year, month, day } = parseIsoDate(date);
  const index = year * 12 + (month - 1) + months;
  const y = Math.floor(index / 12);
  const m = (index % 12) + 1;
  return formatDate(y, m, Math.min(day, daysInMonth(y, m)));
}

export function endOfMonth(date: IsoDate): IsoDate {
  const { year, month } = parseIsoDate(date);
  return formatDate(year, month, daysInMonth(year, month));
}

export const minDate = (a: IsoDate, b: IsoDate): IsoDate => (a < b ? a : b);

/** A date as the wire shows it: the calendar date at midnight, with Z (as the reference does). */
export function dateToWire(date: IsoDate): string {
  return `${date}T00:00:00Z`;
}

/** An instant as the wire shows it: ISO-8601 UTC with Z, whole seconds. */
export function instantToWire(instant: number): string {
  return new Date(Math.floor(instant / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

const WIRE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/i;

/**
 * Parses the wire's timestamp forms (docs/api.md §3): 'YYYY-MM-DD HH:MM:SS', 'YYYY-MM-DD', or ISO-8601 with an
 * offset. Without an offset the time is read in the org's timezone. Undefined when it is not a valid time.
 */
export function parseWireTime(input: string, timeZone: string): number | undefined {
  const m = WIRE_TIME.exec(input.trim());
  if (!m) return undefined;
  const [, ys, mos, ds, hs = '0', mis = '0', ss = '0', frac = '', zone] = m;
  const [year, month, day, hour, minute, second] = [ys, mos, ds, hs, mis, ss].map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  const ms = frac ? Math.floor(Number(`0.${frac}`) * 1000) : 0;
  if (!zone) return zonedToInstant(timeZone, year, month, day, hour, minute, second, ms);
  const wall = Date.UTC(year, month - 1, day, hour, minute, second, ms);
  if (zone.toUpperCase() === 'Z') return wall;
  const sign = zone.startsWith('-') ? -1 : 1;
  const digits = zone.slice(1).replace(':', '');
  const offsetMinutes = Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4));
  return wall - sign * offsetMinutes * 60_000;
}

export const DAY_MS = 86_400_000;
