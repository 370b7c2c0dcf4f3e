// Issuance limits under concurrency (issue 3): in one process, and across two server processes sharing
// the database (PostgreSQL, and SQLite in WAL mode).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../support/build-test-app.js';
import { createSeries } from '../support/factories.js';
import { call, spawnServer, type ServerProcess } from '../support/spawn-server.js';

let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp();
});
afterAll(async () => t.close());

let seq = 9_700_000_000;
const mobile = () => String(++seq);

const series = async (fields: Record<string, unknown>): Promise<number> =>
  (await createSeries(t, { description: 'race', discountValue: 5, ...fields })).id;

async function rowCount(seriesId: number): Promise<number> {
  const r = await t.app.engine.kysely
    .selectFrom('coupon')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('series_id', '=', seriesId)
    .where('customer_id', 'is not', null)
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

async function counters(seriesId: number) {
  return (await t.get(`/v2/coupon/series?ids=${seriesId}`)).body.entity[0];
}

describe('issuance limits under concurrency, one process', () => {
  it('gives exactly 5 coupons for 30 parallel issues against maxCreate 5', async () => {
    const id = await series({ maxCreate: 5 });
    const replies = await Promise.all(
      Array.from({ length: 30 }, () =>
        t.post('/v2/coupon/issue', { seriesId: id, customer: { mobile: mobile() } }),
      ),
    );
    expect(replies.filter((r) => r.status === 200)).toHaveLength(5);
    for (const r of replies.filter((r) => r.status !== 200))
      expect(r.body.errors[0].reason).toBe('MAX_CREATE_EXCEEDED');
    expect(await rowCount(id)).toBe(5);
    expect((await counters(id)).numIssued).toBe(5);
  });

  it('gives exactly one coupon for 20 parallel issues of a one-per-customer series to one customer', async () => {
    const id = await series({ doNotResendExistingVoucher: true });
    const m = mobile();
    // Registered first, so that the race is between issues, not between registrations.
    expect((await t.post('/v2/customers', { mobile: m })).status).toBe(200);
    const replies = await Promise.all(
      Array.from({ length: 20 }, () => t.post('/v2/coupon/issue', { seriesId: id, customer: { mobile: m } })),
    );
    expect(replies.filter((r) => r.status === 200)).toHaveLength(1);
    for (const r of replies.filter((r) => r.status !== 200))
      expect(r.body.errors[0].reason).toBe('ALREADY_ISSUED');
    expect(await rowCount(id)).toBe(1);
    expect((await counters(id)).numIssued).toBe(1);
  });

  it('answers the same coupon to 20 parallel issues when resends are on', async () => {
    const id = await series({ doNotResendExistingVoucher: false });
    const m = mobile();
    const replies = await Promise.all(
      Array.from({ length: 20 }, () => t.post('/v2/coupon/issue', { seriesId: id, customer: { mobile: m } })),
    );
    expect(replies.every((r) => r.status === 200)).toBe(true);
    expect(new Set(replies.map((r) => r.body.code)).size).toBe(1);
    expect(await rowCount(id)).toBe(1);
  });

  it('holds maxVouchersPerUser and minDaysBetweenVouchers for one customer under parallel issues', async () => {
    const perUser = await series({ isMultipleVouchersPerUserAllowed: true, maxVouchersPerUser: 3 });
    const m = mobile();
    expect((await t.post('/v2/customers', { mobile: m })).status).toBe(200);
    const a = await Promise.all(
      Array.from({ length: 15 }, () =>
        t.post('/v2/coupon/issue', { seriesId: perUser, customer: { mobile: m } }),
      ),
    );
    expect(a.filter((r) => r.status === 200)).toHaveLength(3);
    expect(await rowCount(perUser)).toBe(3);
    const gap = await series({ isMultipleVouchersPerUserAllowed: true, minDaysBetweenVouchers: 1 });
    const b = await Promise.all(
      Array.from({ length: 15 }, () =>
        t.post('/v2/coupon/issue', { seriesId: gap, customer: { mobile: m } }),
      ),
    );
    expect(b.filter((r) => r.status === 200)).toHaveLength(1);
  });

  it('hands each pool code out once, and no more than the pool holds', async () => {
    const id = await series({ clientHandlingType: 'DISC_CODE_PIN' });
    const codes = Array.from({ length: 10 }, (_, i) => `RACEPOOL${id}X${i}`);
    await t.app.services.pool.addCodes(t.client.orgId, id, codes, { actor: 'test', now: Date.now() });
    const replies = await Promise.all(
      Array.from({ length: 25 }, () =>
        t.post('/v2/coupon/issue', { seriesId: id, customer: { mobile: mobile() } }),
      ),
    );
    const issued = replies.filter((r) => r.status === 200).map((r) => r.body.code);
    expect(issued).toHaveLength(10);
    expect(new Set(issued)).toEqual(new Set(codes));
    expect(await counters(id)).toMatchObject({
      numIssued: 10,
      numUploadedTotal: 10,
      numUploadedNonIssued: 0,
    });
  });
});

describe('issuance limits across two server processes sharing the database', () => {
  let servers: ServerProcess[] = [];
  beforeAll(async () => {
    servers = await Promise.all([spawnServer(t.db.env), spawnServer(t.db.env)]);
  }, 60_000);
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.stop()));
  });

  const spread = (n: number, body: (i: number) => unknown) =>
    Promise.all(
      Array.from({ length: n }, (_, i) =>
        call(servers[i % 2]!.url, 'POST', '/v2/coupon/issue', t.client.basic, body(i)),
      ),
    );

  it('gives exactly 5 coupons for 30 issues against maxCreate 5', async () => {
    const id = await series({ maxCreate: 5 });
    const replies = await spread(30, () => ({ seriesId: id, customer: { mobile: mobile() } }));
    expect(replies.filter((r) => r.status === 200)).toHaveLength(5);
    expect(
      replies.filter((r) => r.status === 400).every((r) => r.body.errors[0].reason === 'MAX_CREATE_EXCEEDED'),
    ).toBe(true);
    expect(await rowCount(id)).toBe(5);
    expect((await counters(id)).numIssued).toBe(5);
  });

  it('gives exactly one coupon for 20 issues of a one-per-customer series to one customer', async () => {
    const id = await series({ doNotResendExistingVoucher: true });
    const m = mobile();
    expect((await t.post('/v2/customers', { mobile: m })).status).toBe(200);
    const replies = await spread(20, () => ({ seriesId: id, customer: { mobile: m } }));
    expect(replies.filter((r) => r.status === 200)).toHaveLength(1);
    expect(await rowCount(id)).toBe(1);
  });

  it('registers one customer when two processes issue to a new mobile at once', async () => {
    const id = await series({ isMultipleVouchersPerUserAllowed: true });
    const m = mobile();
    const replies = await spread(10, () => ({ seriesId: id, customer: { mobile: m } }));
    expect(replies.filter((r) => r.status !== 200).map((r) => JSON.stringify(r.body))).toEqual([]);
    expect(new Set(replies.map((r) => r.body.customer.id)).size).toBe(1);
  });
});
