// Every store, created once per engine (their statements are compiled at creation).
import type { Engine } from './database.js';
import { createIdempotencyStore } from './idempotency-store.js';
import { createOrgStore } from './org-store.js';

export function createStores(engine: Engine) {
  return {
    org: createOrgStore(engine),
    idempotency: createIdempotencyStore(engine),
  };
}

export type Stores = ReturnType<typeof createStores>;
