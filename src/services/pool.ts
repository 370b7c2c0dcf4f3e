// The series pool: uploaded codes waiting to be issued (SPEC §6, §10). Filled by NOT_TAGGED uploads;
// issuing takes the oldest first (services/issue-coupon.ts).
import { randomInt } from 'node:crypto';
import { normaliseCode } from '../domain/coupon.js';
import { COUNTER_SLOTS } from '../storage/series-store.js';
import type { Script } from '../storage/script.js';
import type { Stores } from '../storage/stores.js';
import type { StorageDeps } from './deps.js';

export type PoolAddResult = 'added' | 'exists' | 'malformed';

/**
 * Adds codes to a series pool inside the caller's transaction, one answer per code: a code that exists
 * anywhere in the org (generated, uploaded or a generic code) is refused by the unique index.
 */
export function* addPoolCodes(
  stores: Stores,
  org: number,
  seriesId: number,
  codes: readonly string[],
  context: { actor: string; now: number; uploadJobId?: number },
): Script<PoolAddResult[]> {
  const results: PoolAddResult[] = [];
  let added = 0;
  // Generic codes are few per org: read once per batch rather than once per code.
  const generic = new Set(yield* stores.series.genericCodes(org));
  for (const raw of codes) {
    const code = normaliseCode(raw);
    if (code === undefined) {
      results.push('malformed');
      continue;
    }
    if (generic.has(code)) {
      results.push('exists');
      continue;
    }
    const coupon = yield* stores.coupon.insert({
      org,
      series: seriesId,
      code,
      generic: 0,
      customer: null,
      issuedAt: null,
      validTill: null,
      origin: 'pool',
      uploadJob: context.uploadJobId ?? null,
      by: context.actor,
      now: context.now,
    });
    results.push(coupon ? 'added' : 'exists');
    if (coupon) added++;
  }
  if (added > 0) yield* stores.coupon.countPoolAdded(org, seriesId, randomInt(COUNTER_SLOTS), added);
  return results;
}

export function createPoolService(deps: StorageDeps) {
  const { engine, stores } = deps;
  return {
    /** Adds codes to a series pool in one transaction (what a NOT_TAGGED upload batch does). */
    async addCodes(
      org: number,
      seriesId: number,
      codes: readonly string[],
      context: { actor: string; now: number },
    ): Promise<PoolAddResult[]> {
      return engine.run(() => addPoolCodes(stores, org, seriesId, codes, context), { write: true });
    },
  };
}

export type PoolService = ReturnType<typeof createPoolService>;
