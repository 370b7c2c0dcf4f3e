// Protections of a public endpoint (issue 8): rate limits, failed-attempt throttles, headers, body limits.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { basicOf, buildTestApp, type TestApp, type TestClient } from '../support/build-test-app.js';
import { createSeries } from '../support/factories.js';

let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp({
    env: {
      COUPOND_RATE_LIMIT_PER_MINUTE: '0',
      COUPOND_GUESS_LIMIT: '3',
      COUPOND_GUESS_LIMIT_PER_CLIENT: '8',
      COUPOND_AUTH_FAILURE_LIMIT: '4',
    },
  });
});
afterAll(async () => t.close());

describe('failed code attempts', () => {
  it('refuses a customer with 429 and Retry-After after too many unknown codes, and only that customer', async () => {
    const s = await createSeries(t, { description: 'x', discountValue: 1 });
    await t.post('/v2/coupon/issue', { seriesId: s.id, customer: { mobile: '9000000001' } });
    await t.post('/v2/coupon/issue', { seriesId: s.id, customer: { mobile: '9000000002' } });
    for (let i = 0; i < 3; i++) {
      const r = await t.get(`/v2/coupon/is_redeemable?mobile=9000000001&code=GUESS${i}`);
      expect(r.status).toBe(200);
    }
    const blocked = await t.get('/v2/coupon/is_redeemable?mobile=9000000001&code=GUESS9');
    expect(blocked.status).toBe(429);
    expect(blocked.body.errors[0]).toMatchObject({ code: 429, reason: 'RATE_LIMITED' });
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
    const redeem = await t.post('/v2/coupon/redeem', {
      billAmount: 1,
      user: { mobile: '9000000001' },
      redemptionRequestList: [{ code: 'GUESS10' }],
    });
    expect(redeem.status).toBe(429);
    expect((await t.get('/v2/coupon/is_redeemable?mobile=9000000002&code=GUESS1')).status).toBe(200);
  });

  it('refuses a client with 429 after too many failed codes across customers', async () => {
    const org = await t.createOrg('guesser');
    const s = await createSeries(t, { description: 'x', discountValue: 1 }, org);
    for (let i = 0; i < 4; i++)
      await t.post('/v2/coupon/issue', { seriesId: s.id, customer: { mobile: `910000000${i}` } }, org);
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) {
      for (let j = 0; j < 3; j++)
        statuses.push(
          (await t.get(`/v2/coupon/is_redeemable?mobile=910000000${i}&code=NO${i}X${j}`, org)).status,
        );
    }
    expect(statuses.slice(0, 8).every((s) => s === 200)).toBe(true);
    expect(statuses.slice(8).every((s) => s === 429)).toBe(true);
  });
});

describe('failed authentications', () => {
  let own: TestApp;
  beforeAll(async () => {
    own = await buildTestApp({ env: { COUPOND_AUTH_FAILURE_LIMIT: '4' } });
  });
  afterAll(async () => own.close());

  it('answers 429 after too many failed authentications from one address', async () => {
    const bad = basicOf(own.client.key, 'wrong-secret');
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++)
      statuses.push(
        (await own.request({ url: '/v2/org/settings', as: null, headers: { authorization: bad } })).status,
      );
    expect(statuses.slice(0, 4)).toEqual([401, 401, 401, 401]);
    expect(statuses.slice(4)).toEqual([429, 429]);
  });
});

describe('headers and limits', () => {
  it('sends security headers', async () => {
    const r = await t.get('/health', null);
    expect(r.headers['x-content-type-options']).toBe('nosniff');
    expect(r.headers['x-frame-options']).toBeTruthy();
    expect(r.headers['strict-transport-security']).toBeTruthy();
  });

  it('refuses a JSON body over the limit with 413 in the error shape', async () => {
    const big = { description: 'x'.repeat(2 * 1024 * 1024) };
    const r = await t.post('/v2/coupon/series', big);
    expect(r.status).toBe(413);
    expect(r.body.errors[0].code).toBe(413);
  });
});

describe('request rate limit', () => {
  let limited: TestApp;
  beforeAll(async () => {
    limited = await buildTestApp({ env: { COUPOND_RATE_LIMIT_PER_MINUTE: '5' } });
  });
  afterAll(async () => limited.close());

  it('answers 429 with RateLimit headers and Retry-After past the per-client limit, per client', async () => {
    const first = await limited.get('/v2/org/settings');
    expect(first.headers['ratelimit-limit']).toBe('5');
    for (let i = 0; i < 4; i++) expect((await limited.get('/v2/org/settings')).status).toBe(200);
    const over = await limited.get('/v2/org/settings');
    expect(over.status).toBe(429);
    expect(over.body.errors[0].code).toBe(429);
    expect(Number(over.headers['retry-after'])).toBeGreaterThan(0);
    const other = await limited.createClient(limited.client.orgId);
    expect((await limited.get('/v2/org/settings', other)).status).toBe(200);
  });
});

// Issue 15: throttles that stop attackers and spare customers.
describe('failed logins per address and per key', () => {
  let own: TestApp;
  beforeAll(async () => {
    own = await buildTestApp({
      env: { COUPOND_AUTH_FAILURE_LIMIT: '4', COUPOND_RATE_LIMIT_PER_MINUTE: '0' },
    });
  });
  afterAll(async () => own.close());

  const from = (remoteAddress: string, authorization: string, headers: Record<string, string> = {}) =>
    own.app.http
      .inject({
        method: 'GET',
        url: '/v2/org/settings',
        remoteAddress,
        headers: { authorization, ...headers },
      })
      .then((r) => r.statusCode);
  let n = 0;
  /** A key of the right shape that no client holds: each one fails once, so only the address counts up. */
  const madeUpKey = () => `${own.client.orgId}_MadeUpKey${String(++n).padStart(12, '0')}`;

  it('lets a valid new client in from an address throttled by other keys’ failures; failures there get 429', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push(await from('10.1.0.7', basicOf(madeUpKey(), 'guess')));
    expect(statuses).toEqual([401, 401, 401, 401, 429]);
    const fresh = await own.createClient(own.client.orgId);
    expect(await from('10.1.0.7', fresh.basic)).toBe(200);
    expect(await from('10.1.0.7', own.client.basic)).toBe(200);
    // A failure from the throttled address is still refused with 429, whoever it claims to be.
    expect(await from('10.1.0.7', basicOf(fresh.key, 'wrong'))).toBe(429);
  });

  it('throttles a key that failed too often, from any address, even with its right secret', async () => {
    const victim = await own.createClient(own.client.orgId);
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push(await from(`10.2.0.${i + 1}`, basicOf(victim.key, 'wrong')));
    expect(statuses).toEqual([401, 401, 401, 401]);
    expect(await from('10.2.1.1', basicOf(victim.key, 'wrong'))).toBe(429);
    expect(await from('10.2.1.2', victim.basic)).toBe(429);
    // Another key from the same addresses is untouched.
    expect(await from('10.2.0.1', own.client.basic)).toBe(200);
  });

  it('counts failures of the token endpoint too', async () => {
    const key = madeUpKey();
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await own.app.http.inject({
        method: 'POST',
        url: '/v3/oauth/token/generate',
        remoteAddress: `10.3.0.${i + 1}`,
        payload: { key, secret: 'guess' },
      });
      statuses.push(r.statusCode);
    }
    expect(statuses).toEqual([401, 401, 401, 401, 429]);
  });

  it('takes the address from X-Forwarded-For only when COUPOND_TRUST_PROXY trusts the proxy', async () => {
    // Not trusted (the default): every caller behind the proxy is the proxy's address.
    for (let i = 0; i < 4; i++)
      await from('10.9.0.1', basicOf(madeUpKey(), 'guess'), { 'x-forwarded-for': '203.0.113.1' });
    expect(await from('10.9.0.1', basicOf(madeUpKey(), 'guess'), { 'x-forwarded-for': '203.0.113.2' })).toBe(
      429,
    );

    const behind = await buildTestApp({
      env: {
        COUPOND_AUTH_FAILURE_LIMIT: '4',
        COUPOND_RATE_LIMIT_PER_MINUTE: '0',
        COUPOND_TRUST_PROXY: '10.9.0.0/16',
      },
    });
    try {
      const call = (remoteAddress: string, forwarded: string) =>
        behind.app.http
          .inject({
            method: 'GET',
            url: '/v2/org/settings',
            remoteAddress,
            headers: {
              authorization: basicOf(`${behind.client.orgId}_MadeUpKey${String(++n).padStart(12, '0')}`, 'x'),
              'x-forwarded-for': forwarded,
            },
          })
          .then((r) => r.statusCode);
      for (let i = 0; i < 4; i++) expect(await call('10.9.0.1', '203.0.113.1')).toBe(401);
      expect(await call('10.9.0.1', '203.0.113.1')).toBe(429);
      // Another customer behind the same proxy is another address.
      expect(await call('10.9.0.1', '203.0.113.2')).toBe(401);
      // A caller that is not a trusted proxy cannot pick its address with the header.
      for (let i = 0; i < 4; i++) await call('198.51.100.7', '203.0.113.50');
      expect(await call('198.51.100.7', '203.0.113.51')).toBe(429);
    } finally {
      await behind.close();
    }
  });
});

describe('failed code attempts per till and per customer', () => {
  let g: TestApp;
  let seriesId: number;
  beforeAll(async () => {
    g = await buildTestApp({
      env: {
        COUPOND_RATE_LIMIT_PER_MINUTE: '0',
        COUPOND_GUESS_LIMIT: '3',
        COUPOND_GUESS_LIMIT_PER_CLIENT: '100',
      },
    });
    seriesId = (await createSeries(g, { description: 'guess', discountValue: 1 })).id;
  });
  afterAll(async () => g.close());

  const redeem = (as: TestClient, user: Record<string, unknown>, code: string) =>
    g.post('/v2/coupon/redeem', { billAmount: 10, user, redemptionRequestList: [{ code }] }, as);

  it('does not let one till’s wrong codes block the customer’s real code at another till', async () => {
    const issued = await g.post('/v2/coupon/issue', { seriesId, customer: { mobile: '9300000001' } });
    expect(issued.status, issued.text).toBe(200);
    const tillA = await g.createClient(g.client.orgId, { tillId: 'A' });
    const tillB = await g.createClient(g.client.orgId, { tillId: 'B' });
    const statuses: number[] = [];
    for (let i = 0; i < 20; i++)
      statuses.push((await redeem(tillA, { mobile: '9300000001' }, `WRONG${i}`)).status);
    expect(statuses.slice(0, 3)).toEqual([400, 400, 400]);
    expect(statuses.slice(3).every((s) => s === 429)).toBe(true);
    const real = await redeem(tillB, { mobile: '9300000001' }, issued.body.code);
    expect(real.status, real.text).toBe(200);
  });

  it('counts a customer’s id and mobile as one customer', async () => {
    const issued = await g.post('/v2/coupon/issue', { seriesId, customer: { mobile: '9300000002' } });
    const till = await g.createClient(g.client.orgId, { tillId: 'C' });
    const id = issued.body.customer.id as number;
    expect((await redeem(till, { mobile: '9300000002' }, 'NOPE1')).status).toBe(400);
    expect((await redeem(till, { mobile: '9300000002' }, 'NOPE2')).status).toBe(400);
    expect((await redeem(till, { id }, 'NOPE3')).status).toBe(400);
    // Three failures for one customer, whichever identifier named it: the fourth attempt is refused.
    const fourth = await redeem(till, { mobile: '9300000002' }, issued.body.code);
    expect(fourth.status).toBe(429);
    expect((await redeem(till, { id }, issued.body.code)).status).toBe(429);
  });
});
