import { describe, expect, it } from 'vitest';
import { CouponError } from '../domain/errors.js';
import {
  checkJsonDepth,
  checkWellFormed,
  inspectJson,
  isNonFiniteNumeric,
  MAX_JSON_DEPTH,
  refuseCoercedNumbers,
} from './json-input.js';

const refused = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    return e instanceof CouponError && e.reason === 'InvalidInput';
  }
  return false;
};

describe('JSON depth on the raw text', () => {
  it('counts arrays and objects, not brackets inside strings or after an escaped quote', () => {
    expect(refused(() => checkJsonDepth('['.repeat(MAX_JSON_DEPTH) + ']'.repeat(MAX_JSON_DEPTH)))).toBe(
      false,
    );
    expect(refused(() => checkJsonDepth('['.repeat(MAX_JSON_DEPTH + 1)))).toBe(true);
    expect(refused(() => checkJsonDepth(`{"a":"${'['.repeat(1000)}"}`))).toBe(false);
    expect(refused(() => checkJsonDepth(`{"a":"\\"${'{'.repeat(1000)}"}`))).toBe(false);
    expect(refused(() => checkJsonDepth(`{"a":"\\\\"${',['.repeat(100)}`))).toBe(true);
    expect(refused(() => checkJsonDepth('[]'.repeat(100_000)))).toBe(false);
  });
});

describe('strings and coercible leaves', () => {
  it('refuses lone surrogates in values and keys, takes surrogate pairs', () => {
    expect(refused(() => inspectJson({ a: ['x', { b: 'y\ud800' }] }))).toBe(true);
    expect(refused(() => inspectJson({ ['k\udfff']: 1 }))).toBe(true);
    expect(refused(() => inspectJson({ a: 'smile \ud83d\ude00' }))).toBe(false);
    expect(refused(() => checkWellFormed('query', { email: ['ok', 'x\udc00'] }))).toBe(true);
    expect(refused(() => checkWellFormed('query', { email: 'ok' }))).toBe(false);
  });

  it('finds the leaves a schema could turn into numbers, and refuses them once they are numbers', () => {
    const body = { count: 'Infinity', ok: 'text', list: [true], n: null, five: '5' };
    const leaves = inspectJson(body);
    expect(leaves.map((l) => l.path.join('.')).sort()).toEqual(['count', 'list.0', 'n']);
    expect(refused(() => refuseCoercedNumbers(body, leaves))).toBe(false); // nothing coerced yet
    expect(refused(() => refuseCoercedNumbers({ ...body, count: Infinity }, leaves))).toBe(true);
    expect(refused(() => refuseCoercedNumbers({ ...body, list: 1 }, leaves))).toBe(true);
    expect(refused(() => refuseCoercedNumbers({ ...body, n: 0 }, leaves))).toBe(true);
    expect(['Infinity', '-Infinity', '1e309', ' -1e400 '].every(isNonFiniteNumeric)).toBe(true);
    expect(['', 'NaN', '5', '1e308', 'abc'].some(isNonFiniteNumeric)).toBe(false);
  });
});
