// Idempotency-Key on POST (docs/api.md §3 beyond), exercised through POST /v2/customers: replay, 409 on another
// body, per-org keys, expiry after 24 hours, and refusals that are or are not remembered. That the stored answer
// commits with the work on every POST that writes: idempotency-commit.test.ts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCustomerRef } from '../../src/domain/customer.js';
import { requestHash } from '../../src/services/idempotency.js';
import { buildTestApp, TestClock, type TestApp, type TestClient } from '../support/build-test-app.js';
import { createSeries } from '../support/factories.js';
import { idempotencyKit } from '../support/idempotency-helpers.js';

let t: TestApp;
let org: TestClient;
const clock = new TestClock();

beforeAll(async () => {
  t = await buildTestApp({ clock });
  org = await t.createOrg('idempotency', { mobileCountryCode: '91' });
});
afterAll(async () => t.close());

const { nextMobile, nextKey, post } = idempotencyKit(() => ({ t, org }));

/** How many customers the org has: counted in the database, since no API lists them. */
async function customerCount(orgId: number): Promise<number> {
  const row = await t.app.engine.kysely
    .selectFrom('customer')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('org_id', '=', orgId)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

describe('Idempotency-Key', () => {
  it('replays the first answer to a retry with the same key and body, without doing the work again', async () => {
    const key = nextKey();
    const body = { firstName: 'Retry', mobile: nextMobile() };
    const before = await customerCount(org.orgId);
    const first = await post(body, key);
    expect(first.status).toBe(200);
    expect(first.body.created).toBe(true);
    expect(first.headers['idempotent-replayed']).toBeUndefined();

    clock.advance(60_000);
    const retry = await post(body, key);
    expect(retry.status).toBe(first.status);
    expect(retry.text).toBe(first.text);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect(retry.headers['content-type']).toMatch(/^application\/json/);
    // Run again, the registration would have answered created: false.
    expect(retry.body.created).toBe(true);
    expect(await customerCount(org.orgId)).toBe(before + 1);
  });

  it('replays a refusal too', async () => {
    const key = nextKey();
    const first = await post({ mobile: 'not a number' }, key);
    expect(first.status).toBe(400);
    expect(first.body.errors[0].code).toBe(721);
    const retry = await post({ mobile: 'not a number' }, key);
    expect(retry.status).toBe(400);
    expect(retry.text).toBe(first.text);
    expect(retry.headers['idempotent-replayed']).toBe('true');
  });

  it('answers 409 when the same key comes with a different body, and keeps the first answer', async () => {
    const key = nextKey();
    const body = { mobile: nextMobile() };
    const first = await post(body, key);
    expect(first.status).toBe(200);
    const before = await customerCount(org.orgId);
    const other = await post({ mobile: nextMobile() }, key);
    expect(other.status).toBe(409);
    expect(other.body).toEqual({
      errors: [
        {
          code: 409,
          message: 'Idempotency-Key reused with a different body',
          reason: 'IDEMPOTENCY_KEY_REUSED',
        },
      ],
      warnings: [],
    });
    expect(other.headers['idempotent-replayed']).toBeUndefined();
    expect(await customerCount(org.orgId)).toBe(before);
    // The 409 did not replace what the key remembers.
    const retry = await post(body, key);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect(retry.text).toBe(first.text);
  });

  it('keeps keys apart per org: another org using the same key is processed on its own', async () => {
    const key = nextKey();
    const body = { mobile: nextMobile() };
    const inA = await post(body, key);
    const orgB = await t.createOrg('other org', { mobileCountryCode: '91' });
    const inB = await post(body, key, orgB);
    expect(inB.status).toBe(200);
    expect(inB.headers['idempotent-replayed']).toBeUndefined();
    expect(inB.body.created).toBe(true);
    expect(inB.body.customer.id).not.toBe(inA.body.customer.id);
    // Each org replays its own answer.
    expect((await post(body, key, orgB)).text).toBe(inB.text);
    expect((await post(body, key)).text).toBe(inA.text);
  });

  it('processes a request with a different key anew', async () => {
    const body = { mobile: nextMobile() };
    const first = await post(body, nextKey());
    const second = await post(body, nextKey());
    expect(second.status).toBe(200);
    expect(second.headers['idempotent-replayed']).toBeUndefined();
    expect(second.body).toMatchObject({ created: false, customer: { id: first.body.customer.id } });
  });

  it('does not remember a request refused by validation, so the key stays usable', async () => {
    const key = nextKey();
    const invalid = await post({ mobile: nextMobile(), firstName: { not: 'a string' } }, key);
    expect(invalid.status).toBe(400);
    expect(invalid.body.errors[0].code).toBe(629);
    const valid = await post({ mobile: nextMobile() }, key);
    expect(valid.status).toBe(200);
    expect(valid.headers['idempotent-replayed']).toBeUndefined();
  });

  it('forgets an answer after 24 hours: the key then runs the request again', async () => {
    const key = nextKey();
    const body = { mobile: nextMobile() };
    const first = await post(body, key);
    expect(first.body.created).toBe(true);
    clock.advance(24 * 3600_000 + 1000);
    const later = await post(body, key);
    expect(later.status).toBe(200);
    expect(later.headers['idempotent-replayed']).toBeUndefined();
    expect(later.body).toMatchObject({ created: false, customer: { id: first.body.customer.id } });
    // A different body is accepted after expiry as well, and then remembered.
    const key2 = nextKey();
    await post({ mobile: nextMobile() }, key2);
    clock.advance(24 * 3600_000 + 1000);
    const reused = await post({ mobile: nextMobile() }, key2);
    expect(reused.status).toBe(200);
    expect((await post({ mobile: '' }, key2)).status).toBe(409);
  });

  it('refuses a key longer than 255 characters with 629', async () => {
    const r = await post({ mobile: nextMobile() }, 'k'.repeat(256));
    expect(r.status).toBe(400);
    expect(r.body.errors[0].code).toBe(629);
    expect(r.body.errors[0].message).toContain('Idempotency-Key');
  });

  it('runs the request once when retries with one key race', async () => {
    const key = nextKey();
    const body = { mobile: nextMobile() };
    const replies = await Promise.all(Array.from({ length: 10 }, () => post(body, key)));
    const ran = replies.filter((r) => r.status === 200 && r.headers['idempotent-replayed'] === undefined);
    expect(ran).toHaveLength(1);
    for (const r of replies) {
      if (r === ran[0]) continue;
      // Either the first answer replayed, or 409 while the first request was still running.
      if (r.status === 200) expect(r.text).toBe(ran[0]!.text);
      else expect(r.body.errors[0]).toMatchObject({ code: 409, reason: 'IDEMPOTENCY_KEY_IN_PROGRESS' });
    }
  });

  // Issue 15: a claim must not outlive its request, and the answer commits with the work.
  it('does not make a retry wait for a request whose server died (a leftover pending claim)', async () => {
    const key = nextKey();
    const body = { mobile: nextMobile() };
    // What a server killed mid-request left behind in earlier versions: a pending claim with no answer.
    await t.app.engine.kysely
      .insertInto('idempotency_key')
      .values({
        org_id: org.orgId,
        key,
        client_id: 1,
        request_hash: requestHash('POST', '/v2/customers', body),
        state: 'pending',
        response_status: null,
        response_body: null,
        created_at: clock.now(),
      })
      .execute();
    const retry = await post(body, key);
    expect(retry.status, retry.text).toBe(200);
    expect(retry.body.created).toBe(true);
    expect((await post(body, key)).headers['idempotent-replayed']).toBe('true');
  });

  it('stores the answer of an issue with its coupon, and replays it', async () => {
    const series = await createSeries(
      t,
      { description: 'idem', discountValue: 1, isMultipleVouchersPerUserAllowed: true },
      org,
    );
    const key = nextKey();
    const body = { seriesId: series.id, customer: { mobile: nextMobile() } };
    const first = await t.post('/v2/coupon/issue', body, org, { 'idempotency-key': key });
    expect(first.status, first.text).toBe(200);
    const row = await t.app.engine.kysely
      .selectFrom('idempotency_key')
      .selectAll()
      .where('org_id', '=', org.orgId)
      .where('key', '=', key)
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({ state: 'done', response_status: 200, response_body: first.text });
    const again = await t.post('/v2/coupon/issue', body, org, { 'idempotency-key': key });
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.text).toBe(first.text);
  });

  it('rolls the work back when another process answered the key first, so the work is done once', async () => {
    const series = await createSeries(
      t,
      { description: 'idem2', discountValue: 1, isMultipleVouchersPerUserAllowed: true },
      org,
    );
    const mobile = nextMobile();
    const key = nextKey();
    const p = await t.app.services.auth.authenticateBasic(org.key, org.secret);
    const { idempotency, issuing } = t.app.services;
    const start = await idempotency.start(org.orgId, p.clientId, key, 'same-body');
    if (start.kind !== 'run') throw new Error('expected to run');
    // Meanwhile another server ran the same request and committed its answer.
    await t.app.engine.kysely
      .insertInto('idempotency_key')
      .values({
        org_id: org.orgId,
        key,
        client_id: p.clientId,
        request_hash: 'same-body',
        state: 'done',
        response_status: 200,
        response_body: '{"from":"the other server"}',
        created_at: clock.now(),
      })
      .execute();
    const record = function* () {
      yield* idempotency.recordInWork(start.claim, 200, '{"from":"this server"}');
    };
    const ref = parseCustomerRef({ mobile }, p.org.mobileCountryCode);
    await expect(issuing.issue(p, series.id, ref, {}, record)).rejects.toThrow(/already answered/);
    idempotency.release(start.claim);
    const coupons = await t.app.engine.kysely
      .selectFrom('coupon')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('org_id', '=', org.orgId)
      .where('series_id', '=', series.id)
      .executeTakeFirstOrThrow();
    expect(Number(coupons.n), 'the rolled-back issue left no coupon').toBe(0);
    expect(await idempotency.storedAnswer(start.claim)).toEqual({
      status: 200,
      body: '{"from":"the other server"}',
    });
  });

  it('stores the answers of bulk issue and hold with their work, and replays them', async () => {
    const a = await createSeries(t, { description: 'bulk a', discountValue: 1 }, org);
    const b = await createSeries(t, { description: 'bulk b', discountValue: 1 }, org);
    const mobile = nextMobile();
    const bulkKey = nextKey();
    const bulk = { seriesIds: [a.id, b.id], customer: { mobile } };
    const first = await t.post('/v2/coupon/bulk/issue?source=INSTORE', bulk, org, {
      'idempotency-key': bulkKey,
    });
    expect(first.status, first.text).toBe(200);
    const again = await t.post('/v2/coupon/bulk/issue?source=INSTORE', bulk, org, {
      'idempotency-key': bulkKey,
    });
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.text).toBe(first.text);

    const code = first.body.response[0].result.code as string;
    const holdKey = nextKey();
    const hold = { user: { mobile }, codes: [code], ttlSeconds: 60 };
    const held = await t.post('/v2/coupon/hold', hold, org, { 'idempotency-key': holdKey });
    expect(held.status, held.text).toBe(200);
    const heldAgain = await t.post('/v2/coupon/hold', hold, org, { 'idempotency-key': holdKey });
    expect(heldAgain.headers['idempotent-replayed']).toBe('true');
    expect(heldAgain.body.holdId).toBe(held.body.holdId);
    const rows = await t.app.engine.kysely
      .selectFrom('idempotency_key')
      .select(['key', 'state'])
      .where('org_id', '=', org.orgId)
      .where('key', 'in', [bulkKey, holdKey])
      .execute();
    expect(rows.map((r) => r.state)).toEqual(['done', 'done']);
  });
});
