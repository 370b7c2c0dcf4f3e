// Counts failed attempts per key in fixed windows, so that codes (and secrets) cannot be guessed by brute
// force: past the limit the key is refused until its window ends (docs/errors.md 429 with Retry-After).
// The windows are shared by the servers of a fleet (services/shared-windows.ts): a process sees its own
// failures at once and the other processes' within a tick.
import { CouponError } from '../domain/errors.js';
import { createSharedWindows, type SharedWindows } from './shared-windows.js';

export interface AttemptThrottle {
  /** Throws 429 when `key` has used up its failures in the current window. */
  check(key: string): void;
  /** Records `count` failures for `key`. */
  fail(key: string, count?: number): void;
}

/**
 * A throttle of `limit` failures per `windowMs`, named `name` in the shared windows; without `windows` it
 * counts in this process's memory only.
 */
export function createAttemptThrottle(
  limit: number,
  windowMs: number,
  now: () => number,
  shared?: { windows: SharedWindows; name: string },
): AttemptThrottle {
  const windows = shared?.windows ?? createSharedWindows(now);
  const name = shared?.name ?? 'attempts';
  return {
    check(key) {
      if (limit <= 0) return;
      const w = windows.get(name, key);
      if (!w || w.hits < limit) return;
      const e = new CouponError('RateLimited', 'too many failed attempts');
      e.retryAfterSeconds = Math.max(1, Math.ceil((w.resetAt - now()) / 1000));
      throw e;
    },
    fail(key, count = 1) {
      if (limit <= 0 || count <= 0) return;
      windows.add(name, key, count, windowMs);
    },
  };
}
