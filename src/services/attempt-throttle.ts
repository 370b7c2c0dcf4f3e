// Counts failed attempts per key in fixed windows, so that codes (and secrets) cannot be guessed by brute
// force: past the limit the key is refused until its window ends (docs/errors.md 429 with Retry-After).
// In memory, per server process: with N processes an attacker gets at most N times the limit.
import { CouponError } from '../domain/errors.js';

/** Keys tracked at most; past it the oldest windows are dropped (a flood of keys must not exhaust memory). */
const MAX_KEYS = 100_000;

export interface AttemptThrottle {
  /** Throws 429 when `key` has used up its failures in the current window. */
  check(key: string): void;
  /** Records `count` failures for `key`. */
  fail(key: string, count?: number): void;
}

export function createAttemptThrottle(limit: number, windowMs: number, now: () => number): AttemptThrottle {
  const windows = new Map<string, { count: number; resetAt: number }>();
  return {
    check(key) {
      if (limit <= 0) return;
      const w = windows.get(key);
      if (!w) return;
      const t = now();
      if (w.resetAt <= t) {
        windows.delete(key);
        return;
      }
      if (w.count >= limit) {
        const e = new CouponError('RateLimited', 'too many failed attempts');
        e.retryAfterSeconds = Math.max(1, Math.ceil((w.resetAt - t) / 1000));
        throw e;
      }
    },
    fail(key, count = 1) {
      if (limit <= 0 || count <= 0) return;
      const t = now();
      const w = windows.get(key);
      if (w && w.resetAt > t) {
        w.count += count;
        return;
      }
      if (windows.size >= MAX_KEYS) {
        for (const k of windows.keys()) {
          windows.delete(k);
          if (windows.size < MAX_KEYS * 0.9) break;
        }
      }
      windows.set(key, { count, resetAt: t + windowMs });
    },
  };
}
