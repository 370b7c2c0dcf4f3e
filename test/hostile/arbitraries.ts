// fast-check generators of hostile input: wrong types, huge and non-finite numbers, numeric-looking
// strings, control characters, lone surrogates, deep nesting, raw bytes, broken percent encodings and
// headers (hostile uploads are in csv-arbitraries.ts).
import fc from 'fast-check';

/** Runs per property: moderate by default so `npm test` stays quick; HOSTILE_RUNS=5000 for a deep run. */
export const RUNS = Math.max(1, Number(process.env.HOSTILE_RUNS ?? 60));

const nastyStrings = [
  '',
  ' ',
  'NaN',
  'Infinity',
  '-Infinity',
  '1e309',
  '-1e309',
  '1e-400',
  '-1',
  '0',
  '-0',
  '0x1F',
  '1_000',
  '1,5',
  '١٢٣',
  '99999999999999999999999',
  '9223372036854775808',
  '9223372036854775807',
  '18446744073709551616',
  '2147483648',
  '9007199254740993',
  'true',
  'null',
  'undefined',
  '[]',
  '{}',
  '\u0000',
  'a\u0000b',
  '\ud800',
  '\udfff\ud800',
  '\ufeff',
  '\u202e',
  '\r\n',
  '<script>alert(1)</script>',
  "' OR 1=1 --",
  '"; drop table coupon; --',
  '../../etc/passwd',
  '..\\..\\windows',
  '%00',
  '%ZZ',
  '${jndi:ldap://x/a}',
  '{{7*7}}',
  '__proto__',
  'constructor',
  'prototype',
  "=cmd|' /C calc'!A0",
  '=HYPERLINK("http://x","y")',
  '+1',
  '-1+1',
  '@SUM(A1)',
  '\t=1',
  'x'.repeat(10_000),
  '9'.repeat(400),
];

const nastyNumbers = [
  0,
  -0,
  -1,
  1.5,
  -1.5,
  0.1 + 0.2,
  1e-7,
  1e21,
  1e308,
  -1e308,
  Number.MAX_SAFE_INTEGER,
  Number.MAX_SAFE_INTEGER + 2,
  Number.MIN_SAFE_INTEGER,
  2 ** 31,
  2 ** 31 - 1,
  -(2 ** 31) - 1,
  2 ** 63,
  2 ** 64,
  Number.MAX_VALUE,
  Number.MIN_VALUE,
];

/** A scalar a schema does not expect: nasty strings and numbers, booleans, null, random text. */
export const hostileScalar: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...nastyStrings) },
  { weight: 2, arbitrary: fc.constantFrom(...nastyNumbers) },
  { weight: 1, arbitrary: fc.constantFrom(null, true, false) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 1, arbitrary: fc.integer() },
  { weight: 1, arbitrary: fc.double() },
  { weight: 1, arbitrary: fc.bigInt().map((b) => b.toString()) },
);

const key = fc.oneof(
  fc.constantFrom(
    '__proto__',
    'constructor',
    'prototype',
    'toString',
    'hasOwnProperty',
    'seriesId',
    'customer',
    'user',
    'codes',
    'code',
    'id',
    'redemptionRequestList',
    'billAmount',
    'CouponSeriesV2',
  ),
  fc.string({ unit: 'binary', maxLength: 12 }),
);

/** Any JSON value made of hostile scalars, up to a few levels deep. */
export const hostileJson: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    hostileScalar,
    fc.array(tie('value'), { maxLength: 5 }),
    fc.dictionary(key, tie('value'), { maxKeys: 6 }),
  ),
})).value;

/** Paths into a JSON value: every key and index, nested. */
function pathsOf(v: unknown, prefix: (string | number)[] = [], out: (string | number)[][] = []) {
  if (prefix.length > 0) out.push(prefix);
  if (Array.isArray(v)) v.forEach((x, i) => pathsOf(x, [...prefix, i], out));
  else if (typeof v === 'object' && v !== null)
    for (const [k, x] of Object.entries(v)) pathsOf(x, [...prefix, k], out);
  return out;
}

function setAt(v: unknown, p: (string | number)[], value: unknown, remove: boolean): unknown {
  if (p.length === 0) return value;
  const [head, ...rest] = p as [string | number, ...(string | number)[]];
  if (Array.isArray(v)) {
    const copy = [...v];
    if (remove && rest.length === 0) copy.splice(Number(head), 1);
    else copy[Number(head)] = setAt(copy[Number(head)], rest, value, remove);
    return copy;
  }
  const copy: Record<string, unknown> = { ...(v as Record<string, unknown>) };
  if (remove && rest.length === 0) delete copy[head];
  else
    Object.defineProperty(copy, head, {
      value: setAt(copy[head], rest, value, remove),
      enumerable: true,
      configurable: true,
      writable: true,
    });
  return copy;
}

/**
 * A valid request body with one to three places changed: a value replaced by a hostile one, removed, or
 * a hostile key added. This is what reaches the rules past the schema, unlike purely random JSON.
 */
export function mutated(template: unknown): fc.Arbitrary<unknown> {
  const paths = pathsOf(template);
  const one = fc.record({
    at: fc.nat({ max: Math.max(0, paths.length - 1) }),
    how: fc.constantFrom('replace', 'remove', 'add'),
    value: hostileJson,
    key,
  });
  return fc.array(one, { minLength: 1, maxLength: 3 }).map((changes) => {
    let v = template;
    for (const c of changes) {
      const p = paths[c.at] ?? [];
      if (c.how === 'add' || p.length === 0) {
        const parent = p.slice(0, -1);
        v = setAt(v, [...parent, c.key], c.value, false);
      } else v = setAt(v, p, c.value, c.how === 'remove');
    }
    return v;
  });
}

/** JSON text nested `depth` levels deep, built as text so no JavaScript stack is involved. */
export function nestedJson(depth: number, kind: 'array' | 'object'): string {
  return kind === 'array'
    ? `${'['.repeat(depth)}1${']'.repeat(depth)}`
    : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
}

/** A body that is not what its content type says: bad UTF-8, truncated JSON, NUL bytes, a BOM. */
export const hostileBytes: fc.Arbitrary<Buffer> = fc.oneof(
  fc.constantFrom(
    Buffer.from([0xc0, 0xaf]),
    Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]),
    Buffer.from('{"seriesId": 1, "customer": {"mobile": "98'),
    Buffer.from('{"a":1}{"b":2}'),
    Buffer.from('\ufeff{"a":1}'),
    Buffer.from('{"a":"\u0000"}'),
    Buffer.from('{"a":1,}'),
    Buffer.from("{'a':1}"),
    Buffer.from('NaN'),
    Buffer.from('"\\ud800"'),
    Buffer.from('{"__proto__":{"admin":true}}'),
    Buffer.from('{"constructor":{"prototype":{"x":1}}}'),
    Buffer.from([0xef, 0xbb, 0xbf, 0xed, 0xa0, 0x80]),
  ),
  fc.uint8Array({ maxLength: 200 }).map((a) => Buffer.from(a)),
  fc.string({ unit: 'binary', maxLength: 200 }).map((s) => Buffer.from(s)),
);

export const hostileContentType = fc.constantFrom(
  'application/json',
  'application/json; charset=latin1',
  'application/json; charset=utf-16',
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data',
  'multipart/form-data; boundary=',
  'multipart/form-data; boundary=x',
  'application/xml',
  'application/octet-stream',
  '*/*',
  'application/json, text/plain',
  'garbage',
);

/** One `name=value` segment of a query string, encoded or deliberately broken. */
export function querySegment(names: readonly string[]): fc.Arbitrary<string> {
  const name = fc.oneof(
    fc.constantFrom(...(names.length > 0 ? names : ['x'])),
    fc.constantFrom('__proto__', 'constructor', 'a[b]', 'ids[]', 'x', ''),
  );
  const encoded = fc
    .tuple(name, hostileScalar)
    .map(([n, v]) => `${encodeURIComponent(n)}=${safeEncode(String(v))}`);
  const broken = fc
    .tuple(
      name,
      fc.constantFrom(
        '%',
        '%Z',
        '%ZZ',
        '%C0%AF',
        '%FF',
        '%00',
        '%E0%80',
        '%ED%A0%80',
        '&&',
        '==',
        '%2',
        '+%+',
      ),
    )
    .map(([n, v]) => `${encodeURIComponent(n)}=${v}`);
  return fc.oneof({ weight: 3, arbitrary: encoded }, { weight: 1, arbitrary: broken });
}

/** encodeURIComponent that survives lone surrogates (encoded as their UTF-8 replacement). */
export function safeEncode(s: string): string {
  try {
    return encodeURIComponent(s);
  } catch {
    return encodeURIComponent(Buffer.from(s).toString('utf8'));
  }
}

/** A path parameter value: huge, negative, fractional, encoded traversal, unicode, empty-looking. */
export const hostilePathValue: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    '0',
    '-1',
    '1.5',
    '1e3',
    '1e400',
    'NaN',
    '99999999999999999999',
    '9223372036854775807',
    '9223372036854775808',
    '2147483648',
    '9007199254740993',
    ' 1',
    '0x10',
    '..',
    '../../coupond.db',
    '..%2F..%2Fcoupond.db',
    '%2e%2e%2fjwt-secret',
    'jwt-secret',
    'coupond.db',
    'error_1.csv',
    'success_1.csv',
    '%00',
    '%ZZ',
    '%C0%AF',
    '\u0000',
    'x'.repeat(300),
    'é',
  ),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 30 }),
  fc.integer().map(String),
  fc.bigInt().map((b) => b.toString()),
);

/** Header sets a client could send: broken credentials, odd content types, giant or odd header values. */
export function hostileHeaders(valid: string, key: string): fc.Arbitrary<Record<string, string>> {
  const b64 = (s: string | Buffer) => Buffer.from(s).toString('base64');
  const authorization = fc.constantFrom(
    valid,
    '',
    'Basic',
    'Basic ',
    'Basic !!!',
    `Basic ${b64(':')}`,
    `Basic ${b64(`${key}:`)}`,
    `Basic ${b64(`${key}`)}`,
    `Basic ${b64(Buffer.from([0xff, 0xfe, 0x3a, 0x00]))}`,
    `Basic ${b64(`${key}:${'x'.repeat(5000)}`)}`,
    `Basic ${b64('x'.repeat(3000))}`,
    'Bearer',
    'Bearer a.b.c',
    'Bearer eyJhbGciOiJub25lIn0.eyJvcmciOjF9.',
    'Bearer eyJhbGciOiJIUzI1NiJ9.eyJvcmciOjEsImNpZCI6MX0.AAAA',
    `Bearer ${'x'.repeat(8000)}`,
    'Digest username="x"',
    'NTLM TlRMTVNTUAABAAAA',
    `${valid}, ${valid}`,
  );
  return fc.record(
    {
      authorization,
      'x-cap-api-oauth-token': fc.constantFrom('', 'a.b.c', 'null', 'x'.repeat(2000), ' '),
      'content-type': hostileContentType,
      'idempotency-key': fc.oneof(
        fc.constantFrom('', ' ', 'x'.repeat(300), '\t'),
        fc.string({ unit: 'grapheme-ascii', maxLength: 40 }),
      ),
      'x-request-id': fc.constantFrom('', 'x'.repeat(2000), '../../x', '<script>'),
      accept: fc.constantFrom('application/xml', 'text/csv', '*/*', ''),
      'accept-encoding': fc.constantFrom('gzip', 'br', 'deflate', 'identity;q=0', 'x'),
    },
    { requiredKeys: [] },
  );
}
