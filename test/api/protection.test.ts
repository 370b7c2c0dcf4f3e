// Protections of a public endpoint (issue 8): rate limits, failed-attempt throttles, headers, body limits.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { basicOf, buildTestApp, type TestApp } from '../support/build-test-app.js';
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
