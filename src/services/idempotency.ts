// Idempotency-Key for every POST (docs/api.md §3 beyond): a retry with the same key and body within 24 hours
// replays the first answer; the same key with another body is 409.
//
// Exactly once across crashes (docs/architecture.md, "Idempotency"): nothing is written for a request still
// running. The answer row is written in the same transaction as the work on every POST route that writes
// (http/idempotency.ts, `answerOnce`), so after a kill -9 a retry finds either the committed work with its
// answer (and replays it) or neither (and runs it). A duplicate arriving while the first still runs is 409 on the same process;
// on another process it runs, and its transaction meets the first one's row under the unique (org, key)
// and rolls back, and the first answer is replayed.
import { createHash } from 'node:crypto';
import { CouponError } from '../domain/errors.js';
import type { Script } from '../storage/script.js';
import type { StorageDeps } from './deps.js';

/** How long an answer is replayed. */
const KEEP_MS = 24 * 3600_000;

export type IdempotencyStart =
  { kind: 'run'; claim: IdempotencyClaim } | { kind: 'replay'; status: number; body: string };

/** A request running under an Idempotency-Key in this process. */
export interface IdempotencyClaim {
  readonly org: number;
  readonly client: number;
  readonly key: string;
  readonly hash: string;
  /** Set once the answer is stored (in the work's transaction); the HTTP hook then stores nothing. */
  recorded: boolean;
  /** Released (the request answered); a later start of the same key may run. */
  released: boolean;
}

/** Thrown inside a work transaction when the key already holds an answer: the work is rolled back. */
export class AlreadyAnswered extends Error {
  constructor() {
    super('Idempotency-Key already answered');
    this.name = 'AlreadyAnswered';
  }
}

export function requestHash(method: string, path: string, body: unknown): string {
  return createHash('sha256')
    .update(`${method} ${path}\n`)
    .update(JSON.stringify(body ?? null))
    .digest('hex');
}

export function createIdempotencyService(deps: StorageDeps) {
  const { engine, stores, now } = deps;
  /** Keys of requests running in this process: a duplicate meanwhile is 409 IN_PROGRESS. */
  const running = new Set<string>();
  const id = (org: number, key: string) => `${org}\0${key}`;

  async function replayOf(
    org: number,
    key: string,
    hash: string,
  ): Promise<{ status: number; body: string } | undefined> {
    const stored = await engine.run(() => stores.idempotency.find(org, key));
    if (!stored || stored.state !== 'done' || stored.createdAt < now() - KEEP_MS) return undefined;
    if (stored.requestHash !== hash) throw new CouponError('IdempotencyConflict');
    return { status: stored.responseStatus ?? 200, body: stored.responseBody ?? '' };
  }

  /** Stores the answer under the claim's key; false when the key holds a live answer already. */
  function* storeAnswer(claim: IdempotencyClaim, status: number, body: string): Script<boolean> {
    const t = now();
    return yield* stores.idempotency.record({
      org: claim.org,
      key: claim.key,
      client: claim.client,
      hash: claim.hash,
      status,
      body,
      now: t,
      expiredBefore: t - KEEP_MS,
    });
  }

  return {
    /** Answers what to replay, or registers the request as running. Throws 409 on a different body. */
    async start(org: number, client: number, key: string, hash: string): Promise<IdempotencyStart> {
      if (key.length === 0 || key.length > 255)
        throw new CouponError('InvalidInput', 'Idempotency-Key: 1 to 255 characters');
      if (running.has(id(org, key))) throw new CouponError('IdempotencyInProgress');
      const replay = await replayOf(org, key, hash);
      if (replay) return { kind: 'replay', ...replay };
      // Checked again: another request with this key may have started while the row was read.
      if (running.has(id(org, key))) throw new CouponError('IdempotencyInProgress');
      running.add(id(org, key));
      return { kind: 'run', claim: { org, client, key, hash, recorded: false, released: false } };
    },

    /**
     * Part of the work's transaction script: stores the answer with the work. Throws AlreadyAnswered when
     * the key holds an answer already (a duplicate on another process committed first), rolling it back.
     * A 5xx answer is never stored.
     */
    *recordInWork(claim: IdempotencyClaim, status: number, body: string): Script<void> {
      if (status >= 500) return;
      if (!(yield* storeAnswer(claim, status, body))) throw new AlreadyAnswered();
    },

    /** The answer stored for a claim's key (after AlreadyAnswered); 409 when it came with another body. */
    async storedAnswer(claim: IdempotencyClaim): Promise<{ status: number; body: string }> {
      const replay = await replayOf(claim.org, claim.key, claim.hash);
      if (!replay) throw new CouponError('IdempotencyInProgress');
      return replay;
    },

    /**
     * Stores the answer of a request that did not store it with its work: a refusal thrown before or
     * instead of any write (the work's transaction rolled back, so there is nothing to pair it with). A 5xx
     * answer is never stored, so a retry runs again.
     */
    async finish(claim: IdempotencyClaim, status: number, body: string): Promise<void> {
      if (claim.recorded || status >= 500) return;
      claim.recorded = true;
      await engine.run(() => storeAnswer(claim, status, body), { write: true });
    },

    /** The request has answered (or its connection ended): the key is no longer running here. */
    release(claim: IdempotencyClaim): void {
      if (claim.released) return;
      claim.released = true;
      running.delete(id(claim.org, claim.key));
    },
  };
}

export type IdempotencyService = ReturnType<typeof createIdempotencyService>;
