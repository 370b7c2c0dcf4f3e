// A small seeded PRNG (mulberry32) for the race suite: the same seed gives the same choices, so a failing
// mix can be replayed with RACE_SEED. Not for anything secret.

export interface Random {
  /** [0, 1) */
  next(): number;
  /** An integer in [0, n). */
  int(n: number): number;
  pick<T>(list: readonly T[]): T;
  chance(p: number): boolean;
  /** One key of `weights`, with probability proportional to its weight. */
  weighted<K extends string>(weights: Readonly<Record<K, number>>): K;
}

export function seeded(seed: number): Random {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
  const int = (n: number) => Math.floor(next() * n);
  return {
    next,
    int,
    pick: <T>(list: readonly T[]) => list[int(list.length)]!,
    chance: (p) => next() < p,
    weighted<K extends string>(weights: Readonly<Record<K, number>>): K {
      const entries = Object.entries(weights) as [K, number][];
      let r = next() * entries.reduce((s, [, w]) => s + w, 0);
      for (const [k, w] of entries) {
        r -= w;
        if (r < 0) return k;
      }
      return entries[entries.length - 1]![0];
    },
  };
}

/** The seed of this run: RACE_SEED when set (to replay), else a fresh one from the clock. */
export function runSeed(): number {
  const fromEnv = Number(process.env.RACE_SEED);
  return Number.isSafeInteger(fromEnv) && process.env.RACE_SEED !== ''
    ? fromEnv >>> 0
    : Date.now() % 4_294_967_296;
}
