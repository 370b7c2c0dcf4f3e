// Fastify type augmentation: route config and the request's principal.
import type { Principal, Scope } from '../domain/principal.js';
import type { CoercibleLeaf } from './json-input.js';
import type { IdempotencyClaim } from '../services/idempotency.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The scope a caller needs; routes without it are public. */
    scope?: Scope;
    /** Which refusal shape the route answers with (docs/api.md §2, §10); default is the v2 shape. */
    errorShape?: 'v2' | 'upload' | 'token' | 'oauth' | 'success' | 'v11';
    /** Routes that handle Idempotency-Key themselves (multipart uploads) or not at all. */
    idempotency?: 'auto' | 'self' | 'none';
  }
  interface FastifyRequest {
    principal: Principal | null;
    /** The Idempotency-Key this request runs under (src/http/idempotency.ts), if any. */
    idempotency: IdempotencyClaim | null;
    startedAt: bigint;
    /** Body leaves schema coercion could turn into numbers (http/json-input.ts); null without a JSON body. */
    coercible: CoercibleLeaf[] | null;
  }
}

export {};
