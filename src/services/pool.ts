// The series pool: uploaded codes waiting to be issued (docs/api.md §6, §10). Filled by NOT_TAGGED uploads;
// issuing takes the oldest first (services/issue-coupon.ts).
import { normaliseCode } from '../domain/coupon.js';
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
  const results: PoolAddResult[] = new Array<PoolAddResult>(codes.length);
  // Generic codes are few per org: read once per batch rather than once per code.
  const generic = new Set(yield* stores.series.genericCodes(org));
  const fresh: { index: number; code: string }[] = [];
  const seen = new Set<string>();
  codes.forEach((raw, index) => {
    const code = normaliseCode(raw);
    if (code === undefined) results[index] = 'malformed';
    else if (generic.has(code) || seen.has(code)) results[index] = 'exists';
    else {
      seen.add(code);
      fresh.push({ index, code });
    }
  });
  // Multi-row inserts, in the order given (the pool hands out the oldest first); a code that exists
  // anywhere in the org meets the unique index and is left out of what comes back.
  const inserted = yield* stores.bulk.insertCoupons(
    org,
    fresh.map((f) => ({
      series_id: seriesId,
      code: f.code,
      is_generic: 0,
      customer_id: null,
      issued_at: null,
      valid_till: null,
      origin: 'pool',
      upload_job_id: context.uploadJobId ?? null,
      issued_by: context.actor,
    })),
    context.now,
  );
  const added = new Set(inserted.map((r) => r.code));
  for (const f of fresh) results[f.index] = added.has(f.code) ? 'added' : 'exists';
  if (added.size > 0) yield* stores.counter.addToPool(org, seriesId, added.size);
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
