// Idempotency-Key for every POST (docs/api.md §3 beyond): a retry with the same key and body within 24 hours
// replays the first answer; the same key with another body is 409.
import { createHash } from 'node:crypto';
import { CouponError } from '../domain/errors.js';
import type { StorageDeps } from './deps.js';

/** How long an answer is replayed. */
const KEEP_MS = 24 * 3600_000;
/**
 * A key still pending after this long belongs to a request whose server died before answering; a retry
 * may run again. Shorter than the slowest legitimate request would let a retry run twice.
 */
const STALE_PENDING_MS = 5 * 60_000;

export type IdempotencyStart = { kind: 'run' } | { kind: 'replay'; status: number; body: string };

export function requestHash(method: string, path: string, body: unknown): string {
  return createHash('sha256')
    .update(`${method} ${path}\n`)
    .update(JSON.stringify(body ?? null))
    .digest('hex');
}

export function createIdempotencyService(deps: StorageDeps) {
  const { engine, stores, now } = deps;
  return {
    /** Claims the key for this request, or answers what to replay. Throws 409 on a different body. */
    async start(org: number, client: number, key: string, hash: string): Promise<IdempotencyStart> {
      if (key.length === 0 || key.length > 255)
        throw new CouponError('InvalidInput', 'Idempotency-Key: 1 to 255 characters');
      const t = now();
      return engine.run(
        function* () {
          if (yield* stores.idempotency.claim({ org, key, client, hash, now: t }))
            return { kind: 'run' } as const;
          const row = yield* stores.idempotency.find(org, key);
          if (!row) throw new CouponError('IdempotencyInProgress');
          const fresh = row.created_at >= t - KEEP_MS;
          if (fresh && row.request_hash !== hash) throw new CouponError('IdempotencyConflict');
          if (fresh && row.state === 'done') {
            return {
              kind: 'replay',
              status: row.response_status ?? 200,
              body: row.response_body ?? '',
            } as const;
          }
          const taken = yield* stores.idempotency.takeOver({
            org,
            key,
            client,
            hash,
            now: t,
            expiredBefore: t - KEEP_MS,
            staleBefore: t - STALE_PENDING_MS,
          });
          if (!taken) throw new CouponError('IdempotencyInProgress');
          return { kind: 'run' } as const;
        },
        { write: true },
      );
    },

    /** Records the answer; a server error releases the key so the client may retry. */
    async finish(org: number, key: string, status: number, body: string): Promise<void> {
      await engine.run(
        function* () {
          if (status >= 500) yield* stores.idempotency.release(org, key);
          else yield* stores.idempotency.complete(org, key, status, body);
        },
        { write: true },
      );
    },
  };
}

export type IdempotencyService = ReturnType<typeof createIdempotencyService>;
