// Unit tests of identifier normalisation (docs/api.md §3) and of how a ref picks its customer (docs/api.md §4).
import { describe, expect, it } from 'vitest';
import {
  isEmptyRef,
  normaliseEmail,
  normaliseExternalId,
  normaliseMobile,
  parseCustomerId,
  parseCustomerRef,
  pickCustomer,
  type Customer,
} from './customer.js';
import { CouponError } from './errors.js';

const customer = (id: number): Customer => ({
  id,
  mobile: null,
  email: null,
  externalId: null,
  firstName: null,
  lastName: null,
  createdAt: 0,
  updatedAt: 0,
});

function reasonOf(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    if (e instanceof CouponError) return e.reason;
    throw e;
  }
  return undefined;
}

describe('normaliseMobile', () => {
  it('keeps digits only and prefixes the org country code to numbers of ten digits or fewer', () => {
    expect(normaliseMobile('98765 43210', '91')).toBe('919876543210');
    expect(normaliseMobile('(987) 654-3210', '91')).toBe('919876543210');
    expect(normaliseMobile('987.654.3210', '91')).toBe('919876543210');
    expect(normaliseMobile(' 98765\t43210 ', '91')).toBe('919876543210');
  });

  it('drops a leading + or 00 and then leaves a full international number alone', () => {
    expect(normaliseMobile('+91 98765-43210', '91')).toBe('919876543210');
    expect(normaliseMobile('0091 9876543210', '91')).toBe('919876543210');
    expect(normaliseMobile('(+91) 98765 43210', '91')).toBe('919876543210');
    expect(normaliseMobile('919876543210', '91')).toBe('919876543210');
    expect(normaliseMobile('+44 7911 123456', '91')).toBe('447911123456');
  });

  it("checks a number against its country's numbering plan (issue 20)", () => {
    // With the org's country code, a number without one must be a number of that country.
    expect(normaliseMobile('98765', '91')).toBeUndefined();
    expect(normaliseMobile('5555555555', '91')).toBeUndefined();
    expect(normaliseMobile('447911123456', '91')).toBeUndefined();
    // A number written internationally is checked for the country it names, with or without an org code.
    expect(normaliseMobile('+44 7911 123456', null)).toBe('447911123456');
    expect(normaliseMobile('+44 7911 12345', null)).toBeUndefined();
    expect(normaliseMobile('+98 76543210', null)).toBeUndefined();
    // Without a country code, bare digits cannot be checked for a country: 8 to 15 of them are taken.
    expect(normaliseMobile('98765', null)).toBeUndefined();
    expect(normaliseMobile('9876543', null)).toBeUndefined();
    expect(normaliseMobile('98765432', null)).toBe('98765432');
  });

  it('adds no prefix when the org has no country code', () => {
    expect(normaliseMobile('98765 43210', null)).toBe('9876543210');
    expect(normaliseMobile('+91 98765 43210', null)).toBe('919876543210');
    expect(normaliseMobile('0091 98765 43210', null)).toBe('919876543210');
  });

  it('drops a trunk zero before prefixing a national number', () => {
    expect(normaliseMobile('06 12 34 56 78', '33')).toBe('33612345678');
  });

  it('refuses letters, other symbols, too few and too many digits', () => {
    for (const bad of [
      '98765abcde',
      '98765 4321x',
      '+91/9876543210',
      '12#3456',
      '123',
      '',
      '   ',
      '+',
      '00',
    ]) {
      expect(normaliseMobile(bad, '91'), bad).toBeUndefined();
    }
    expect(normaliseMobile('1234567890123456', null)).toBeUndefined();
    expect(normaliseMobile('+1-234-567-890-123-456', null)).toBeUndefined();
  });

  it('refuses a number that is nothing but zeros instead of answering a bare country code', () => {
    expect(normaliseMobile('000000', '91')).toBeUndefined();
    expect(normaliseMobile('0 0000 0000', '91')).toBeUndefined();
  });
});

describe('normaliseEmail and normaliseExternalId', () => {
  it('lower-cases and trims emails, so they match case-insensitively', () => {
    expect(normaliseEmail(' Tom.Sawyer@Example.COM ')).toBe('tom.sawyer@example.com');
  });

  it('refuses an email without exactly one @ between non-empty parts', () => {
    for (const bad of ['tom', '@example.com', 'tom@', 'to m@example.com', 'a@b@c', '']) {
      expect(normaliseEmail(bad), bad).toBeUndefined();
    }
  });

  it('keeps an external id as given, trimmed, up to 128 characters', () => {
    expect(normaliseExternalId('  Ext-42 ')).toBe('Ext-42');
    expect(normaliseExternalId('x'.repeat(128))).toHaveLength(128);
    expect(normaliseExternalId('x'.repeat(129))).toBeUndefined();
  });
});

describe('parseCustomerId', () => {
  it('takes a positive integer as a number or a numeric string', () => {
    expect(parseCustomerId(126080386)).toBe(126080386);
    expect(parseCustomerId(' 42 ')).toBe(42);
  });

  it('refuses zero, negatives, fractions and text', () => {
    for (const bad of [0, -1, 1.5, '0', '-3', '1e3', 'abc', '', null, {}]) {
      expect(parseCustomerId(bad), String(bad)).toBeUndefined();
    }
  });
});

describe('parseCustomerRef', () => {
  it('normalises every identifier given', () => {
    expect(
      parseCustomerRef({ id: '7', mobile: '98765 43210', email: 'A@B.com', externalId: ' e1 ' }, '91'),
    ).toEqual({ id: 7, mobile: '919876543210', email: 'a@b.com', externalId: 'e1' });
  });

  it('treats empty strings, blanks and null as absent', () => {
    const ref = parseCustomerRef({ id: '', mobile: '  ', email: null, externalId: '' }, '91');
    expect(ref).toEqual({});
    expect(isEmptyRef(ref)).toBe(true);
    expect(parseCustomerRef({ id: 126080386, mobile: '', externalId: '', email: '' }, null)).toEqual({
      id: 126080386,
    });
  });

  it('reads a mobile or external id sent as a JSON number', () => {
    expect(parseCustomerRef({ mobile: 9876543210, externalId: 42 }, '91')).toEqual({
      mobile: '919876543210',
      externalId: '42',
    });
  });

  it('refuses a malformed identifier with 721', () => {
    expect(reasonOf(() => parseCustomerRef({ id: 'abc' }, null))).toBe('InvalidCustomer');
    expect(reasonOf(() => parseCustomerRef({ mobile: '98765 abcde' }, '91'))).toBe('InvalidCustomer');
    expect(reasonOf(() => parseCustomerRef({ email: 'nobody' }, null))).toBe('InvalidCustomer');
    expect(reasonOf(() => parseCustomerRef({ email: 5 }, null))).toBe('InvalidCustomer');
    expect(reasonOf(() => parseCustomerRef({ externalId: { a: 1 } }, null))).toBe('InvalidCustomer');
  });
});

describe('pickCustomer', () => {
  it('answers nothing when no identifier matched', () => {
    expect(pickCustomer({ mobile: '1234' }, {})).toBeUndefined();
  });

  it('answers the customer that all matching identifiers name', () => {
    const c = customer(1);
    expect(pickCustomer({ id: 1, mobile: '1234', email: 'a@b' }, { id: c, mobile: c, email: c })).toBe(c);
  });

  it('ignores identifiers that matched nobody', () => {
    const c = customer(3);
    expect(pickCustomer({ mobile: '1234', email: 'new@b' }, { mobile: c })).toBe(c);
    expect(pickCustomer({ externalId: 'new', email: 'a@b' }, { email: c })).toBe(c);
  });

  it('refuses identifiers that name different customers with 721, whatever their precedence', () => {
    const pairs = [
      ['id', 'externalId'],
      ['externalId', 'mobile'],
      ['mobile', 'email'],
      ['id', 'email'],
    ] as const;
    for (const [high, low] of pairs) {
      const found = { [high]: customer(1), [low]: customer(2) };
      expect(
        reasonOf(() => pickCustomer({ [high]: 'x', [low]: 'y' }, found)),
        `${high}+${low}`,
      ).toBe('InvalidCustomer');
    }
  });
});
