// Redemption limits under any race (issue 4): in one process and across two server processes, with the
// counters compared with the rows afterwards.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../support/build-test-app.js';
import { createSeries, issueCoupon, redeemBody } from '../support/factories.js';
import { checkInvariants } from '../support/invariants.js';
import { call, spawnServer, type ServerProcess } from '../support/spawn-server.js';

let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp();
});
afterAll(async () => t.close());

let seq = 9_300_000_000;
const mobile = () => String(++seq);
let txnSeq = 0;
const txn = () => `RACE-${++txnSeq}`;

const series = async (fields: Record<string, unknown>): Promise<number> =>
  (
    await createSeries(t, {
      description: 'race',
      discountValue: 5,
      isMultipleVouchersPerUserAllowed: true,
      ...fields,
    })
  ).id;
const issue = (seriesId: number, m: string) => issueCoupon(t, seriesId, { mobile: m });
const body = (m: string, code: string) => redeemBody(m, [code], txn(), { billAmount: 100 });

async function expectInvariants() {
  const report = await checkInvariants(t.app.engine.kysely, t.client.orgId);
  expect(report.violations).toEqual([]);
}

describe('redemption races in one process', () => {
  it('redeems a single-use coupon once for 40 parallel redeems with different transaction numbers', async () => {
    const s = await series({ anyUser: true });
    const m = mobile();
    const c = await issue(s, m);
    const replies = await Promise.all(
      Array.from({ length: 40 }, () => t.post('/v2/coupon/redeem', body(m, c.code))),
    );
    expect(replies.filter((r) => r.status === 200)).toHaveLength(1);
    await expectInvariants();
  });

  it('stops at maxRedeem 10 for 50 parallel redeems of different coupons', async () => {
    const s = await series({ maxRedeem: 10 });
    const coupons = await Promise.all(
      Array.from({ length: 50 }, async () => {
        const m = mobile();
        return { m, code: (await issue(s, m)).code as string };
      }),
    );
    const replies = await Promise.all(coupons.map((c) => t.post('/v2/coupon/redeem', body(c.m, c.code))));
    expect(replies.filter((r) => r.status === 200)).toHaveLength(10);
    expect(
      replies
        .filter((r) => r.status === 400)
        .every((r) => r.body.redemption[0].redemptionStatus.code === 714),
    ).toBe(true);
    expect((await t.get(`/v2/coupon/series?ids=${s}`)).body.entity[0].numRedeemed).toBe(10);
    await expectInvariants();
  });

  it('holds maxRedemptionsInSeriesPerUser and one hold per coupon under parallel requests', async () => {
    const s = await series({ maxRedemptionsInSeriesPerUser: 3 });
    const m = mobile();
    const codes: string[] = [];
    for (let i = 0; i < 12; i++) codes.push((await issue(s, m)).code);
    const replies = await Promise.all(codes.map((code) => t.post('/v2/coupon/redeem', body(m, code))));
    expect(replies.filter((r) => r.status === 200)).toHaveLength(3);
    const held = await series({});
    const hm = mobile();
    const hc = await issue(held, hm);
    const holds = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        t.post('/v2/coupon/hold', { user: { mobile: hm }, codes: [hc.code], transactionNumber: `H-${i}` }),
      ),
    );
    expect(holds.filter((r) => r.status === 200)).toHaveLength(1);
    await expectInvariants();
  });

  it('leaves counters equal to the rows when redeems race reactivations', async () => {
    const s = await series({ isMultipleUseAllowed: true, sameUserMultipleRedeem: true });
    const m = mobile();
    const c = await issue(s, m);
    const ids: number[] = [];
    for (let i = 0; i < 10; i++)
      ids.push((await t.post('/v2/coupon/redeem', body(m, c.code))).body.redemption[0].id);
    await Promise.all([
      ...ids.map((id) => t.post('/v2/coupon/reactivate', { redemptionIds: [id] })),
      ...Array.from({ length: 10 }, () => t.post('/v2/coupon/redeem', body(m, c.code))),
    ]);
    expect((await t.get(`/v2/coupon/series?ids=${s}`)).body.entity[0].numRedeemed).toBe(10);
    await expectInvariants();
  });
});

describe('redemption races across two server processes sharing the database', () => {
  let servers: ServerProcess[] = [];
  beforeAll(async () => {
    servers = await Promise.all([spawnServer(t.db.env), spawnServer(t.db.env)]);
  }, 60_000);
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.stop()));
  });
  const send = (i: number, payload: unknown) =>
    call(servers[i % 2]!.url, 'POST', '/v2/coupon/redeem', t.client.basic, payload);

  it('redeems a single-use coupon once for 40 redeems spread over both processes', async () => {
    const s = await series({ anyUser: true });
    const m = mobile();
    const c = await issue(s, m);
    const replies = await Promise.all(Array.from({ length: 40 }, (_, i) => send(i, body(m, c.code))));
    expect(replies.filter((r) => r.status === 200)).toHaveLength(1);
    await expectInvariants();
  });

  it('stops at maxRedeem 10 for 50 redeems of different coupons spread over both processes', async () => {
    const s = await series({ maxRedeem: 10 });
    const coupons: { m: string; code: string }[] = [];
    for (let i = 0; i < 50; i++) {
      const m = mobile();
      coupons.push({ m, code: (await issue(s, m)).code });
    }
    const replies = await Promise.all(coupons.map((c, i) => send(i, body(c.m, c.code))));
    expect(replies.filter((r) => r.status === 200)).toHaveLength(10);
    await expectInvariants();
  });
});
