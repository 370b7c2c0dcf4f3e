// The per-file setup of the Idempotency-Key tests (test/api/idempotency*.test.ts): fresh numbers, mobiles and
// keys, and POST /v2/customers with a key, for the app and org `get()` answers once `beforeAll` has built them.
import type { TestApp, TestClient } from './build-test-app.js';

export function idempotencyKit(get: () => { t: TestApp; org: TestClient }) {
  let seq = 0;
  const nextSeq = (): number => ++seq;
  const nextMobile = (): string => `8${String(100_000_000 + ++seq * 104_729).padStart(9, '0')}`;
  const nextKey = (): string => `key-${++seq}-${Date.now()}`;

  const post = (body: unknown, key?: string, as: TestClient = get().org) =>
    get().t.post('/v2/customers', body, as, key === undefined ? undefined : { 'idempotency-key': key });

  return { nextSeq, nextMobile, nextKey, post };
}
