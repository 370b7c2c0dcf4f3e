import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { csvLines, isHeaderWord, readCsv, type CsvItem } from './csv.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'coupond-csv-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
let n = 0;
function fileWith(content: string | Buffer): string {
  const f = path.join(dir, `f${++n}.csv`);
  fs.writeFileSync(f, content);
  return f;
}
async function readAll(file: string): Promise<CsvItem[]> {
  const out: CsvItem[] = [];
  for await (const items of readCsv(file)) out.push(...items);
  return out;
}

describe('readCsv', () => {
  it('reads records in order, dropping a BOM and empty lines, with CRLF or LF, keeping odd quotes as text', async () => {
    const f = fileWith(
      Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('code\r\nA1\r\n\r\nB"2\n"C,3",x\n')]),
    );
    expect(await readAll(f)).toEqual([['code'], ['A1'], ['B"2'], ['C,3', 'x']]);
  });

  it('ends a file whose last quote never closes with one malformed item, after every record before it', async () => {
    const rows = Array.from({ length: 30_000 }, (_, i) => `R${i}`).join('\n');
    const items = await readAll(fileWith(`${rows}\n"never closed\nX\n`));
    expect(items).toHaveLength(30_001);
    expect(items[29_999]).toEqual(['R29999']);
    expect(items[30_000]).toEqual({ malformed: expect.stringMatching(/^malformed line: Quote Not Closed/) });
  });

  it('stops at a record over 1 MB instead of holding it in memory', async () => {
    const items = await readAll(fileWith(`A\n"${'x'.repeat(1_100_000)}\nB\n`));
    expect(items[0]).toEqual(['A']);
    expect(items).toHaveLength(2);
    expect(items[1]).toEqual({ malformed: expect.stringMatching(/Max Record Size/) });
  });

  it('throws when the file is missing', async () => {
    await expect(readAll(path.join(dir, 'missing.csv'))).rejects.toThrow(/ENOENT/);
  });

  it('stops early when its signal is aborted', async () => {
    const f = fileWith(Array.from({ length: 50_000 }, (_, i) => `R${i}`).join('\n'));
    const c = new AbortController();
    let seen = 0;
    for await (const items of readCsv(f, c.signal)) {
      seen += items.length;
      c.abort();
    }
    expect(seen).toBeLessThan(50_000);
  });
});

describe('header words', () => {
  it('recognises column names whatever their case and punctuation', () => {
    for (const w of [
      'Coupon Code',
      'customer_identifier',
      'MOBILE',
      'userId',
      'redeemed date in millis',
      'Bill Number',
    ])
      expect(isHeaderWord(w), w).toBe(true);
    for (const w of ['ABC123', '9876543210', '', undefined]) expect(isHeaderWord(w), String(w)).toBe(false);
  });
});

describe('result files', () => {
  it('writes CSV lines with quoting where needed', () => {
    expect(csvLines([['A', 'b,c', 'say "hi"']]).toString()).toBe('A,"b,c","say ""hi"""\n');
    expect(csvLines([]).length).toBe(0);
  });
});
