// fast-check generators of hostile uploads: CSV cells that break naive parsers (quotes and line breaks
// inside fields, formula injection, bytes that are not UTF-8) and the text fields of an upload form.
import fc from 'fast-check';
import { hostileBytes, hostileJson, hostileScalar } from './arbitraries.js';

const formulaCell = fc.constantFrom(
  '=cmd',
  "=cmd|' /C calc'!A0",
  '+1',
  '-1',
  '@x',
  '=1+1',
  '=HYPERLINK("http://evil.example","click")',
  '+cmd',
  '-2+3',
  '@SUM(1+1)*cmd',
  '\t=1',
  '\r=1',
);

const csvCell = fc.oneof(
  formulaCell,
  fc.constantFrom(
    '"',
    '""',
    '"a""b"',
    'a"b',
    'a,b',
    '"a,b"',
    'a\nb',
    '"a\nb"',
    '"a\r\nb"',
    '\ufeffcode',
    '\u0000',
  ),
  fc.stringMatching(/^[A-Z0-9]{4,12}$/),
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.constantFrom('mobile', 'code', 'email', '9876543210', ''),
);

/** A CSV file: rows of hostile cells, with quotes and line breaks inside fields, some bytes not UTF-8. */
export const hostileCsv: fc.Arbitrary<Buffer> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc
      .tuple(
        fc.array(fc.array(csvCell, { minLength: 1, maxLength: 4 }), { minLength: 0, maxLength: 12 }),
        fc.constantFrom('\n', '\r\n', '\r'),
      )
      .map(([rows, eol]) => Buffer.from(rows.map((r) => r.join(',')).join(eol))),
  },
  { weight: 1, arbitrary: hostileBytes },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      Buffer.from([0x63, 0x6f, 0x64, 0x65, 0x0a, 0xff, 0xfe, 0x41, 0x0a]),
      Buffer.from('"unclosed\nA1234\n'),
      Buffer.from('code\n' + '"'.repeat(5000)),
      Buffer.from('a,'.repeat(5000)),
    ),
  },
);

/** Text fields of an upload form: known names with good and hostile values, and stray fields. */
export const uploadFields: fc.Arbitrary<Record<string, string>> = fc
  .record(
    {
      customerIdentifier: fc.oneof(
        fc.constantFrom('NOT_TAGGED', 'MOBILE', 'EMAIL', 'EXTERNAL_ID', 'USER_ID', 'not_tagged', ''),
        hostileScalar.map(String),
      ),
      customerIdentifierColumn: fc.oneof(
        fc.constantFrom('0', '1', '2', '-1', '999', '1e3', ''),
        hostileScalar.map(String),
      ),
      couponIdentifier: fc.oneof(fc.constantFrom('COUPON_CODE', 'COUPON_ID', ''), hostileScalar.map(String)),
      uploadHeaders: fc.oneof(
        fc.constantFrom(
          '{"mobile":0,"couponCode":1}',
          "{'mobile':0, couponCode: 1}",
          '{"mobile":-1,"couponCode":1e9}',
          '{"__proto__":{"x":1}}',
          '[]',
          'null',
          '{',
          '{"mobile":"0","couponCode":"1","redeemedAt":"x"}',
        ),
        hostileJson.map((v) => JSON.stringify(v) ?? ''),
      ),
      [`x${'y'.repeat(3)}`]: hostileScalar.map(String),
    },
    { requiredKeys: [] },
  )
  .map((r) => Object.fromEntries(Object.entries(r).filter((e): e is [string, string] => e[1] !== undefined)));
