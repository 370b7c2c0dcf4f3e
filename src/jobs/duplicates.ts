// Finding values that occur more than once in an upload (docs/api.md §10: every copy of a duplicated value is
// refused) with memory that stays flat for a million rows: a 64-bit hash per value in a typed array,
// sorted once; only values whose hash repeats are then counted exactly, so a hash collision never refuses
// a row. The result depends only on the file, so a resumed job makes the same decisions.

/** Hashes a string to two 32-bit halves (cyrb53-style multiply-xorshift; not cryptographic, just well spread). */
function hashHalves(s: string, out: Uint32Array, at: number): void {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  // Little-endian halves of one 64-bit lane: low word first.
  out[at] = h1 >>> 0;
  out[at + 1] = h2 >>> 0;
}

/** Initial room for hashes; the array doubles as needed (1M values: 8 MB, 16 MB while growing). */
const INITIAL_CAPACITY = 1 << 16;

/**
 * Collects values in a first pass, then answers which occur more than once.
 * @example
 * const d = new DuplicateFinder();
 * for (const v of values) d.add(v);
 * d.seal();
 * if (d.needsRecount) for (const v of values) d.recount(v);
 * d.isDuplicate('A');
 */
export class DuplicateFinder {
  private lanes = new BigUint64Array(INITIAL_CAPACITY);
  private halves = new Uint32Array(this.lanes.buffer);
  private size = 0;
  /** Sorted hashes seen more than once, as (low, high) pairs. */
  private repeated = new Uint32Array(0);
  private readonly counts = new Map<string, number>();
  private readonly scratch = new Uint32Array(2);
  private sealed = false;

  /** Records one occurrence of a value (first pass). */
  add(value: string): void {
    if (this.size === this.lanes.length) {
      const grown = new BigUint64Array(this.lanes.length * 2);
      grown.set(this.lanes);
      this.lanes = grown;
      this.halves = new Uint32Array(grown.buffer);
    }
    hashHalves(value, this.halves, this.size * 2);
    this.size++;
  }

  /** Ends the first pass: sorts the hashes and keeps those that repeat; the rest is released. */
  seal(): void {
    const sorted = this.lanes.subarray(0, this.size).sort();
    const repeated: bigint[] = [];
    for (let i = 1; i < sorted.length; i++) {
      if (sorted[i] === sorted[i - 1] && (repeated.length === 0 || repeated.at(-1) !== sorted[i])) {
        repeated.push(sorted[i]!);
      }
    }
    this.repeated = new Uint32Array(BigUint64Array.from(repeated).buffer);
    this.lanes = new BigUint64Array(0);
    this.halves = new Uint32Array(0);
    this.sealed = true;
  }

  /** True when some hash repeats, so a second pass must count those values exactly. */
  get needsRecount(): boolean {
    return this.repeated.length > 0;
  }

  private repeats(value: string): boolean {
    if (this.repeated.length === 0) return false;
    hashHalves(value, this.scratch, 0);
    const lo = this.scratch[0]!;
    const hi = this.scratch[1]!;
    let a = 0;
    let b = this.repeated.length / 2 - 1;
    while (a <= b) {
      const m = (a + b) >>> 1;
      const mhi = this.repeated[m * 2 + 1]!;
      const mlo = this.repeated[m * 2]!;
      if (mhi === hi && mlo === lo) return true;
      if (mhi < hi || (mhi === hi && mlo < lo)) a = m + 1;
      else b = m - 1;
    }
    return false;
  }

  /** Counts one occurrence exactly when its hash repeats (second pass). */
  recount(value: string): void {
    if (!this.repeats(value)) return;
    this.counts.set(value, (this.counts.get(value) ?? 0) + 1);
  }

  /** True when the value occurs more than once in the file. */
  isDuplicate(value: string): boolean {
    if (!this.sealed) throw new Error('DuplicateFinder: seal() before asking');
    return this.repeats(value) && (this.counts.get(value) ?? 0) > 1;
  }
}
