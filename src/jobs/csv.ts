// CSV for upload jobs: streaming records out of an uploaded file (csv-parse), recognising a header row,
// and writing result files (csv-stringify) at committed byte offsets so a resumed job writes no line twice.
import fs from 'node:fs';
import { parse } from 'csv-parse';
import { stringify } from 'csv-stringify/sync';

/**
 * The longest record read. A longer one is almost always a quote opened and never closed, which would
 * otherwise pull the rest of the file into one field in memory; raising it raises peak memory by as much.
 */
const MAX_RECORD_BYTES = 1024 * 1024;

/** Read size: large enough that parsing, not system calls, dominates; small enough to keep memory flat. */
const READ_CHUNK_BYTES = 64 * 1024;

/** Records parsed ahead of the consumer before the file read pauses (bounds memory per job). */
const HIGH_WATER_RECORDS = 10_000;

/**
 * The last item of a file whose end csv-parse cannot read (a quote never closed, an oversized record).
 * Everything from there to the end of the file is this one record.
 */
export interface MalformedTail {
  malformed: string;
}

export type CsvItem = string[] | MalformedTail;

export const isMalformed = (item: CsvItem): item is MalformedTail => !Array.isArray(item);

const PARSE_OPTIONS = {
  bom: true,
  relax_quotes: true,
  relax_column_count: true,
  skip_empty_lines: true,
  max_record_size: MAX_RECORD_BYTES,
  // Any line ending, even mixed in one file (csv-parse would otherwise keep the first one it sees).
  record_delimiter: ['\r\n', '\n', '\r'],
};

/**
 * Reads a CSV file in file order, streaming, as arrays of records (of no fixed size). Quotes inside
 * unquoted fields are kept as characters and rows may differ in length (the caller judges both); empty
 * lines are skipped; a BOM is dropped. A parse error ends the file with one `MalformedTail` item, after
 * every record before it, the same way on every read.
 */
export async function* readCsv(file: string, signal?: AbortSignal): AsyncGenerator<CsvItem[]> {
  // The parser is fed by hand and never paused: records leave it as they are parsed, so a parse error
  // cannot discard records still buffered inside it. Back-pressure pauses the file read instead.
  const parser = parse(PARSE_OPTIONS);
  const input = fs.createReadStream(file, { highWaterMark: READ_CHUNK_BYTES });
  let out: CsvItem[] = [];
  let ended = false;
  let parseError: Error | undefined;
  let readError: Error | undefined;
  let wake: (() => void) | undefined;
  const notify = (): void => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  parser.on('data', (record: string[]) => {
    out.push(record);
    if (wake) notify();
  });
  parser.on('error', (e: Error) => {
    parseError ??= e;
    ended = true;
    input.destroy();
    notify();
  });
  parser.on('end', () => {
    ended = true;
    notify();
  });
  input.on('data', (chunk) => {
    parser.write(chunk);
    if (out.length >= HIGH_WATER_RECORDS) input.pause();
    notify();
  });
  input.on('end', () => parser.end());
  input.on('error', (e) => {
    readError = e;
    ended = true;
    notify();
  });
  try {
    for (;;) {
      if (out.length > 0) {
        const records = out;
        out = [];
        yield records;
        if (signal?.aborted) return;
        continue;
      }
      if (ended) break;
      if (input.isPaused()) input.resume();
      await new Promise<void>((resolve) => (wake = resolve));
    }
    if (readError) throw readError;
    if (parseError) yield [{ malformed: `malformed line: ${parseError.message}` }];
  } finally {
    input.destroy();
    parser.destroy();
  }
}

/** Words a header cell may hold (lower-cased, letters and digits only): a first row made of them is skipped. */
const HEADER_WORDS = new Set([
  'code',
  'codes',
  'coupon',
  'couponcode',
  'couponcodes',
  'couponid',
  'voucher',
  'vouchercode',
  'customer',
  'customeridentifier',
  'customerid',
  'identifier',
  'id',
  'userid',
  'user',
  'mobile',
  'mobileno',
  'mobilenumber',
  'phone',
  'phonenumber',
  'email',
  'emailid',
  'emailaddress',
  'externalid',
  'redeemeddateinmillis',
  'redeemeddate',
  'redeemedat',
  'redemptiondate',
  'till',
  'tillid',
  'billid',
  'billnumber',
  'details',
]);

/** True when a cell reads as a column name rather than a value (`Coupon Code`, `customer_identifier`). */
export function isHeaderWord(cell: string | undefined): boolean {
  if (cell === undefined) return false;
  return HEADER_WORDS.has(cell.toLowerCase().replace(/[^a-z0-9]/g, ''));
}

/**
 * CSV text for rows (each line ends with a newline), as result files hold them. A cell a spreadsheet
 * would run as a formula (starting with = + - @, OWASP "CSV injection") gets a leading apostrophe: the
 * files are opened in spreadsheets, and their cells come from whoever wrote the upload.
 */
export function csvLines(rows: readonly (readonly string[])[]): Buffer {
  if (rows.length === 0) return Buffer.alloc(0);
  return Buffer.from(stringify(rows as string[][], { escape_formulas: true }), 'utf8');
}
