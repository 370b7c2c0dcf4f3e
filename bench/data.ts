// Generated benchmark data: coupon codes, mobile numbers, and the CSV files the upload scenarios post.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { once } from 'node:events';

/** 32 characters without the look-alikes 0, O, 1, I: a code of 10 has 2^50 values, so random ones never clash. */
const ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';
export const CODE_LENGTH = 10;

/** `n` random codes (CSPRNG), distinct from each other with overwhelming probability. */
export function randomCodes(n: number): string[] {
  const codes = new Array<string>(n);
  const bytes = randomBytes(n * CODE_LENGTH);
  for (let i = 0; i < n; i++) {
    let c = '';
    for (let j = 0; j < CODE_LENGTH; j++) c += ALPHABET[bytes[i * CODE_LENGTH + j]! & 31];
    codes[i] = c;
  }
  return codes;
}

/**
 * A ten-digit mobile number: a leading digit that names what the customer is for (6 pre-issued coupons,
 * 7 the issue scenario, 8 the audience upload), then the index. The bench org has no country code, so
 * coupond stores the number as given.
 */
export function mobile(kind: 6 | 7 | 8, index: number): string {
  return `${kind}${String(index).padStart(9, '0')}`;
}

/** Writes `rows` lines produced by `line(i)` to a file, streaming (a 1M-row file is ~11 MB). */
export async function writeLines(file: string, rows: number, line: (i: number) => string): Promise<void> {
  const out = fs.createWriteStream(file);
  const CHUNK = 10_000;
  for (let start = 0; start < rows; start += CHUNK) {
    const end = Math.min(rows, start + CHUNK);
    let text = '';
    for (let i = start; i < end; i++) text += `${line(i)}\n`;
    if (!out.write(text)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}

/** The NOT_TAGGED file of upload-codes: one column of fresh codes, no header. */
export async function codesFile(file: string, rows: number): Promise<void> {
  const CHUNK = 100_000;
  const out = fs.createWriteStream(file);
  for (let start = 0; start < rows; start += CHUNK) {
    const codes = randomCodes(Math.min(CHUNK, rows - start));
    if (!out.write(`${codes.join('\n')}\n`)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}

/** The customer list of upload-audience: one column of new mobiles, no header. */
export function audienceFile(file: string, rows: number): Promise<void> {
  return writeLines(file, rows, (i) => mobile(8, i));
}
