// The per-file setup of the customer tests (test/api/customers*.test.ts): fresh mobiles, registration and lookup
// as an org (by default the Indian one `get()` answers once `beforeAll` has built it), and a reply's customer id.
import type { TestApp, TestClient } from './build-test-app.js';

export function customerKit(get: () => { t: TestApp; india: TestClient }) {
  let seq = 0;
  /** A fresh ten-digit national number for each test, so tests don't share customers. */
  const nextMobile = (): string => `9${String(700_000_000 + ++seq * 7919).padStart(9, '0')}`;
  /** The number of the last mobile nextMobile handed out. */
  const lastSeq = (): number => seq;

  const register = (body: unknown, as: TestClient = get().india) => get().t.post('/v2/customers', body, as);
  const lookup = (query: string, as: TestClient = get().india) =>
    get().t.get(`/v2/customers/lookup?${query}`, as);
  const idOf = (r: { body: { customer: { id: number } } }): number => r.body.customer.id;

  return { nextMobile, lastSeq, register, lookup, idOf };
}
