// What every service may depend on. Each service takes only what it uses (docs/architecture.md "Conventions": no object that carries every dependency).
import type { Engine } from '../storage/database.js';
import type { Script } from '../storage/script.js';
import type { Stores } from '../storage/stores.js';

export interface StorageDeps<K extends keyof Stores = keyof Stores> {
  engine: Engine;
  /** Every store, or the few a service names (`StorageDeps<'org'>`), so it can be built with only those. */
  stores: Pick<Stores, K>;
  /** The clock, in epoch ms; tests substitute it. */
  now: () => number;
}

/**
 * Called by a write service at the end of its transaction script with its result, to store the request's
 * answer under its Idempotency-Key in the same transaction (src/http/idempotency.ts, `answerOnce`).
 */
export type AnswerInWork<T> = (result: T) => Script<void>;
