// Tests for random coupon codes: format, alphabet, reproducibility with a fake source, and uniformity.
import { describe, expect, it } from 'vitest';
import { createCodeGenerator, generateCode, type RandomBytes } from './code-generator.js';
import { codeAlphabet, type CodeFormat } from './series.js';

const format = (over: Partial<CodeFormat> = {}): CodeFormat => ({
  alphaNumeric: true,
  length: 8,
  prefix: '',
  prefixEnabled: false,
  suffix: '',
  suffixEnabled: false,
  excludeLookAlikes: false,
  ...over,
});

/** A fake source that hands out `bytes` in order, cycling, however many it is asked for. */
const cycling = (bytes: readonly number[]): RandomBytes => {
  let i = 0;
  return (size) => Uint8Array.from({ length: size }, () => bytes[i++ % bytes.length]!);
};

/** A deterministic pseudo-random fake (xorshift32): reproducible but varied. */
const seeded = (seed: number): RandomBytes => {
  let x = seed >>> 0 || 1;
  return (size) =>
    Uint8Array.from({ length: size }, () => {
      x ^= x << 13;
      x >>>= 0;
      x ^= x >>> 17;
      x ^= x << 5;
      x >>>= 0;
      return x & 0xff;
    });
};

const every256 = Array.from({ length: 256 }, (_, b) => b);

describe('generateCode', () => {
  it.each([4, 32])('makes a random part of exactly %i characters', (length) => {
    expect(generateCode(format({ length }))).toHaveLength(length);
    expect(createCodeGenerator(format({ length }))()).toHaveLength(length);
  });

  it('uses digits only when alphaNumeric is false', () => {
    const next = createCodeGenerator(format({ alphaNumeric: false, length: 32 }));
    for (let i = 0; i < 200; i++) expect(next()).toMatch(/^[0-9]{32}$/);
    expect(generateCode(format({ alphaNumeric: false }))).toMatch(/^[0-9]{8}$/);
  });

  it('uses A-Z and 0-9 when alphaNumeric is true, and both kinds occur', () => {
    const codes = Array.from({ length: 200 }, createCodeGenerator(format({ length: 32 }))).join('');
    expect(codes).toMatch(/^[A-Z0-9]+$/);
    expect(codes).toMatch(/[A-Z]/);
    expect(codes).toMatch(/[0-9]/);
  });

  it.each([true, false])('never yields 0, O, 1, I or L with excludeLookAlikes (alphaNumeric %s)', (alnum) => {
    const next = createCodeGenerator(format({ alphaNumeric: alnum, length: 32, excludeLookAlikes: true }));
    const text = Array.from({ length: 2000 }, next).join('');
    expect(text).not.toMatch(/[0O1IL]/);
    expect(new Set(text).size).toBe(codeAlphabet({ alphaNumeric: alnum, excludeLookAlikes: true }).length);
  });

  it('adds the prefix and suffix only when they are enabled', () => {
    const texts = { prefix: 'PRE', suffix: 'SUF' };
    expect(generateCode(format({ ...texts, prefixEnabled: true, suffixEnabled: true }))).toMatch(
      /^PRE[A-Z0-9]{8}SUF$/,
    );
    expect(generateCode(format({ ...texts, prefixEnabled: true }))).toMatch(/^PRE[A-Z0-9]{8}$/);
    expect(generateCode(format({ ...texts, suffixEnabled: true }))).toMatch(/^[A-Z0-9]{8}SUF$/);
    const bare = format({ ...texts, length: 4 });
    expect(generateCode(bare, cycling([0, 1, 2, 3]))).toBe('ABCD');
  });

  it('is reproducible with a deterministic random source', () => {
    const f = format({ length: 12, prefix: 'X', prefixEnabled: true });
    const a = Array.from({ length: 50 }, () => generateCode(f, seeded(42)));
    expect(a.every((code) => code === a[0])).toBe(true);
    const nextA = createCodeGenerator(f, seeded(7));
    const nextB = createCodeGenerator(f, seeded(7));
    const run = (next: () => string) => Array.from({ length: 1000 }, next);
    const first = run(nextA);
    expect(run(nextB)).toEqual(first);
    expect(new Set(first).size).toBe(1000);
    expect(generateCode(f, seeded(43))).not.toBe(a[0]);
  });

  it('maps bytes straight onto the alphabet', () => {
    expect(generateCode(format({ length: 4 }), cycling([0, 25, 26, 35]))).toBe('AZ09');
    expect(generateCode(format({ alphaNumeric: false, length: 4 }), cycling([0, 9, 10, 249]))).toBe('0909');
  });

  it.each([
    // The bytes at and above the largest multiple of the alphabet size must be dropped, not wrapped.
    {
      name: 'A-Z0-9 (36)',
      f: format({ length: 4 }),
      rejected: [252, 253, 254, 255],
      valid: [35, 34, 33, 32],
    },
    {
      name: 'digits (10)',
      f: format({ alphaNumeric: false, length: 4 }),
      rejected: [250, 255],
      valid: [9, 8, 7, 6],
    },
    {
      name: 'A-Z0-9 without look-alikes (31)',
      f: format({ length: 4, excludeLookAlikes: true }),
      rejected: [248, 250, 255],
      valid: [30, 29, 28, 27],
    },
  ])('rejects the bytes that would bias $name instead of reducing them modulo', ({ f, rejected, valid }) => {
    // Modulo would read 252 as 'A' (252 % 36 = 0); rejection skips it, so the code comes from `valid` alone.
    const source = () => cycling([...rejected, ...valid]);
    expect(generateCode(f, source())).toBe('9876');
    expect(createCodeGenerator(f, source())()).toBe('9876');
    // Rejected bytes between accepted ones are skipped too.
    const [a, b, c, d] = valid;
    expect(generateCode(f, cycling([a!, ...rejected, b!, c!, ...rejected, d!]))).toBe('9876');
  });

  it('gives every character exactly the same share of the 256 byte values', () => {
    for (const alnum of [true, false]) {
      for (const excludeLookAlikes of [true, false]) {
        const f = format({ alphaNumeric: alnum, excludeLookAlikes, length: 32 });
        const size = codeAlphabet(f).length;
        const accepted = 256 - (256 % size);
        // One pass over all 256 byte values yields `accepted` characters; 32 passes fill `accepted` codes.
        const next = createCodeGenerator(f, cycling(every256));
        const text = Array.from({ length: accepted }, next).join('');
        const counts = new Map<string, number>();
        for (const ch of text) counts.set(ch, (counts.get(ch) ?? 0) + 1);
        expect(counts.size).toBe(size);
        expect(new Set(counts.values())).toEqual(new Set([(32 * accepted) / size]));
      }
    }
  });

  it('spreads real CSPRNG output evenly over the alphabet', () => {
    const f = format({ length: 8 });
    const alphabet = codeAlphabet(f);
    const next = createCodeGenerator(f);
    const counts = new Map<string, number>();
    const codes = 20_000;
    for (let i = 0; i < codes; i++) for (const ch of next()) counts.set(ch, (counts.get(ch) ?? 0) + 1);
    const expected = (codes * f.length) / alphabet.length; // ≈ 4444, standard deviation ≈ 66
    expect([...counts.keys()].sort().join('')).toBe([...alphabet].sort().join(''));
    for (const n of counts.values()) {
      // ±15 % is about ten standard deviations: a real bias of 4/256 would still show at the edges over
      // repeated runs, while a false failure is practically impossible.
      expect(n).toBeGreaterThan(expected * 0.85);
      expect(n).toBeLessThan(expected * 1.15);
    }
  });

  it('fails loudly instead of looping when the random source only returns rejected bytes', () => {
    expect(() => generateCode(format(), () => new Uint8Array(64).fill(255))).toThrow(/rejected/);
    expect(() => generateCode(format(), () => new Uint8Array(0))).toThrow(/no bytes/);
  });

  it('draws random bytes in large chunks when generating in bulk', () => {
    const sizes: number[] = [];
    const counting: RandomBytes = (size) => {
      sizes.push(size);
      return seeded(sizes.length)(size);
    };
    const next = createCodeGenerator(format({ length: 8 }), counting);
    for (let i = 0; i < 1000; i++) next();
    expect(sizes.length).toBe(1);
  });

  it('refuses a length that is not a positive integer', () => {
    expect(() => generateCode(format({ length: 0 }))).toThrow(RangeError);
    expect(() => createCodeGenerator(format({ length: 2.5 }))).toThrow(RangeError);
  });
});
