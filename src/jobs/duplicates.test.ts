import { describe, expect, it } from 'vitest';
import { DuplicateFinder } from './duplicates.js';

function find(values: readonly string[]): DuplicateFinder {
  const d = new DuplicateFinder();
  for (const v of values) d.add(v);
  d.seal();
  if (d.needsRecount) for (const v of values) d.recount(v);
  return d;
}

describe('DuplicateFinder', () => {
  it('flags every value that occurs more than once, and no other', () => {
    const d = find(['A', 'B', 'A', 'C', 'D', 'D', 'D']);
    expect(['A', 'B', 'C', 'D', 'E'].map((v) => d.isDuplicate(v))).toEqual([true, false, false, true, false]);
  });

  it('needs no second pass when nothing repeats', () => {
    const d = new DuplicateFinder();
    for (const v of ['X1', 'X2', 'X3']) d.add(v);
    d.seal();
    expect(d.needsRecount).toBe(false);
    expect(d.isDuplicate('X1')).toBe(false);
  });

  it('tells values apart by their exact text (case and prefixes matter)', () => {
    const d = find(['c:ABC', 'u:ABC', 'c:abc', 'c:ABC ']);
    expect(d.isDuplicate('c:ABC')).toBe(false);
  });

  it('answers nothing before the first pass is sealed', () => {
    expect(() => new DuplicateFinder().isDuplicate('A')).toThrow(/seal/);
  });

  it('keeps up with hundreds of thousands of values past its initial capacity', () => {
    const values = Array.from({ length: 300_000 }, (_, i) => `V${i}`);
    values.push('V17', 'V299999');
    const d = find(values);
    expect(d.isDuplicate('V17')).toBe(true);
    expect(d.isDuplicate('V299999')).toBe(true);
    expect(d.isDuplicate('V18')).toBe(false);
    expect(values.filter((v) => d.isDuplicate(v))).toHaveLength(4);
  });
});
