// GET /v2/coupon/series/{id}/stats: coupons issued and redeemed per day, in the org's timezone.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, TestClock, type TestApp, type TestClient } from '../support/build-test-app.js';
import { seriesBody } from '../support/factories.js';

const clock = new TestClock(Date.UTC(2026, 2, 1, 6, 0, 0));
let t: TestApp;
/** An org in Asia/Kathmandu (UTC+05:45): local midnight falls on a quarter hour, not on an hour. */
let nepal: TestClient;
let seriesId: number;
let seq = 9_700_000_000;
const mobile = () => String(++seq);

beforeAll(async () => {
  t = await buildTestApp({ clock });
  nepal = await t.createOrg('nepal', { timezone: 'Asia/Kathmandu' });
  const s = await t.post(
    '/v2/coupon/series',
    seriesBody({ description: 'stats', discountValue: 10, validTillDate: '2027-12-31' }),
    nepal,
  );
  expect(s.status).toBe(200);
  seriesId = s.body.id;

  const issue = async (at: string) => {
    clock.set(at);
    const m = mobile();
    const r = await t.post('/v2/coupon/issue', { seriesId, customer: { mobile: m } }, nepal);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    return { mobile: m, code: r.body.code as string };
  };
  const redeem = async (c: { mobile: string; code: string }, bill: string, time?: string) => {
    const r = await t.post(
      '/v2/coupon/redeem',
      {
        billAmount: 100,
        transactionNumber: bill,
        user: { mobile: c.mobile },
        redemptionRequestList: [{ code: c.code }],
        ...(time ? { redemptionTime: time } : {}),
      },
      nepal,
    );
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    return r.body.redemption[0].id as number;
  };

  const a = await issue('2026-03-09T18:10:00Z'); // 23:55 on the 9th in Kathmandu
  const b = await issue('2026-03-09T18:20:00Z'); // 00:05 on the 10th
  const c = await issue('2026-03-09T18:30:00Z'); // 00:15 on the 10th
  clock.set('2026-03-11T06:00:00Z'); // 11:45 on the 11th
  await redeem(a, 'S-1');
  const undone = await redeem(b, 'S-2');
  expect((await t.post('/v2/coupon/reactivate', { redemptionIds: [undone] }, nepal)).status).toBe(200);
  // redemptionTime is the till's time for the bill, not the recorded time (docs/api.md §7): a redemption
  // counts on the local day the server recorded it.
  clock.set('2026-03-10T06:15:00Z'); // 12:00 on the 10th
  await redeem(c, 'S-3', '2026-03-11 12:00:00');
  clock.set('2026-03-11T06:00:00Z');
});
afterAll(async () => t.close());

const stats = (query: string, as: TestClient | null = nepal, id = seriesId) =>
  t.get(`/v2/coupon/series/${id}/stats${query}`, as);

describe('series stats', () => {
  it('counts issues and redemptions on the local day they happened, listing empty days as zeros', async () => {
    const r = await stats('?from=2026-03-08&to=2026-03-12');
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body).toEqual({
      days: [
        { date: '2026-03-08', issued: 0, redeemed: 0 },
        { date: '2026-03-09', issued: 1, redeemed: 0 },
        { date: '2026-03-10', issued: 2, redeemed: 1 },
        { date: '2026-03-11', issued: 0, redeemed: 1 },
        { date: '2026-03-12', issued: 0, redeemed: 0 },
      ],
      warnings: [],
    });
  });

  it("adds up to the series' counters, a redemption undone by a reactivation not counting", async () => {
    const r = await stats('?from=2026-01-01&to=2026-12-31');
    const series = (await t.get(`/v2/coupon/series?ids=${seriesId}`, nepal)).body.entity[0];
    const sum = (k: 'issued' | 'redeemed') => r.body.days.reduce((n: number, d: any) => n + d[k], 0);
    expect(r.body.days).toHaveLength(365);
    expect(sum('issued')).toBe(series.numIssued);
    expect(sum('redeemed')).toBe(series.numRedeemed);
    expect([sum('issued'), sum('redeemed')]).toEqual([3, 2]);
  });

  it('answers the 30 days ending today in the org timezone when no range is given', async () => {
    const r = await stats('');
    expect(r.status).toBe(200);
    expect(r.body.days).toHaveLength(30);
    expect(r.body.days[0].date).toBe('2026-02-10');
    expect(r.body.days[29]).toEqual({ date: '2026-03-11', issued: 0, redeemed: 1 });
    const to = await stats('?to=2026-03-10');
    expect(to.body.days.map((d: any) => d.date).slice(-1)).toEqual(['2026-03-10']);
    expect(to.body.days).toHaveLength(30);
  });

  it("answers another org's series as an unknown one: 400 with code 707", async () => {
    const foreign = await stats('?from=2026-03-01&to=2026-03-02', t.client);
    const unknown = await stats('?from=2026-03-01&to=2026-03-02', nepal, 987_654);
    for (const r of [foreign, unknown]) {
      expect(r.status).toBe(400);
      expect(r.body.errors[0].code).toBe(707);
      expect(r.body.warnings).toEqual([]);
    }
    expect(foreign.body.errors[0].message.replace(String(seriesId), 'N')).toBe(
      unknown.body.errors[0].message.replace('987654', 'N'),
    );
  });

  it('refuses ranges it cannot answer with 629 naming the field', async () => {
    const cases: [string, RegExp][] = [
      ['?from=2026-03-05&to=2026-03-04', /from: on or before to/],
      ['?from=2025-01-01&to=2026-03-04', /to: at most 366 days after from/],
      ['?from=2026-02-30&to=2026-03-04', /from: a calendar date/],
      ['?from=yesterday', /querystring\.from/],
    ];
    for (const [query, message] of cases) {
      const r = await stats(query);
      expect(r.status, query).toBe(400);
      expect(r.body.errors[0].code, query).toBe(629);
      expect(r.body.errors[0].message, query).toMatch(message);
    }
    expect((await stats('?from=2025-03-11&to=2026-03-11')).status).toBe(200); // 366 days
  });

  it('needs credentials with the read scope', async () => {
    expect((await stats('', null)).status).toBe(401);
    const writer = await t.createClient(nepal.orgId, { scopes: ['write'] });
    expect((await stats('', writer)).status).toBe(403);
  });
});
