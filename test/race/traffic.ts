// The race clients: each loop picks an operation at random (seeded) and sends it to one of the server
// processes, learning the coupons, redemptions and holds the answers name. Every answer is tallied by
// operation, status and error code; what the clients were told is kept in a ledger to compare with the rows.
import type { Random } from './prng.js';
import { countAnswer, type Answer, type Tally } from './tally.js';
import type { KnownCoupon, SeriesKey, World } from './world.js';

export const WEIGHTS = {
  issue: 16,
  bulkIssue: 4,
  issueMultiple: 4,
  burstIssue: 3,
  redeem: 20,
  bulkRedeem: 5,
  burstRedeem: 3,
  isRedeemable: 4,
  hold: 10,
  redeemHeld: 7,
  release: 4,
  reactivateIds: 7,
  reactivateTxn: 4,
  revoke: 3,
  read: 2,
} as const;
export type Kind = keyof typeof WEIGHTS;

const ISSUE_SERIES: SeriesKey[] = [
  'capped',
  'onePerCustomer',
  'resend',
  'perUser',
  'issueGap',
  'pool',
  'generic',
  'plain',
  'exclusiveA',
  'exclusiveB',
];
const ANY_USER: SeriesKey[] = ['perCoupon', 'multiUse'];

export function createTraffic(world: World, servers: readonly string[], authorization: string, tally: Tally) {
  const seriesById = new Map(Object.entries(world.seriesIds).map(([k, id]) => [id, k as SeriesKey]));

  const count = (kind: Kind, r: Answer, what: string): void => countAnswer(tally, kind, r, what);

  async function send(random: Random, method: string, path: string, body?: unknown): Promise<Answer> {
    const url = `${random.pick(servers)}${path}`;
    try {
      const r = await fetch(url, {
        method,
        headers: { authorization, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
      const text = await r.text();
      let parsed: unknown;
      try {
        parsed = text ? JSON.parse(text) : undefined;
      } catch {
        parsed = text;
      }
      return { status: r.status, body: parsed };
    } catch (e) {
      // No answer at all: a server died or refused the connection. Never expected in the race.
      return { status: 0, body: String(e) };
    }
  }

  const learnCoupon = (result: any, series: SeriesKey, mobile: string) => {
    if (!result || typeof result.id !== 'number') return;
    tally.ledger.issued.add(result.id);
    if (!world.coupons.some((c) => c.id === result.id))
      world.coupons.push({ id: result.id, code: result.code, series, mobile });
  };
  const learnRedemptions = (ids: unknown[], txn: string, mobile: string) => {
    for (const id of ids) {
      if (typeof id !== 'number') continue;
      tally.ledger.redeemed.add(id);
      world.redemptions.push({ id, txn, mobile });
    }
  };

  /** One to `max` coupons of one customer (or any coupon of an anyUser series), and who redeems them. */
  function pickCoupons(random: Random, max: number): { mobile: string; coupons: KnownCoupon[] } | undefined {
    if (world.coupons.length === 0) return undefined;
    const first = random.pick(world.coupons);
    const mobile =
      ANY_USER.includes(first.series) && random.chance(0.5) ? random.pick(world.mobiles) : first.mobile;
    const coupons = [first];
    const more = world.coupons.filter((c) => c.mobile === mobile || ANY_USER.includes(c.series));
    while (coupons.length < max && more.length > 0 && random.chance(0.5)) coupons.push(random.pick(more));
    return { mobile, coupons };
  }
  const item = (random: Random, c: KnownCoupon) =>
    c.series === 'generic'
      ? { code: world.genericCode }
      : random.chance(0.8)
        ? { code: c.code }
        : { id: c.id };

  const ops: Record<Kind, (random: Random) => Promise<void>> = {
    async issue(random) {
      const series = random.pick(ISSUE_SERIES);
      const mobile = random.pick(world.mobiles);
      const r = await send(random, 'POST', '/v2/coupon/issue', {
        seriesId: world.seriesIds[series],
        customer: { mobile },
      });
      count('issue', r, series);
      if (r.status === 200) learnCoupon(r.body, series, mobile);
    },
    async bulkIssue(random) {
      const picked = [
        ...new Set([random.pick(ISSUE_SERIES), random.pick(ISSUE_SERIES), random.pick(ISSUE_SERIES)]),
      ];
      const mobile = random.pick(world.mobiles);
      const r = await send(random, 'POST', '/v2/coupon/bulk/issue?source=INSTORE', {
        seriesIds: picked.map((s) => world.seriesIds[s]),
        customer: { mobile },
      });
      count('bulkIssue', r, picked.join(','));
      for (const e of Array.isArray(r.body?.response) ? r.body.response : [])
        if (e.result) learnCoupon(e.result, seriesById.get(Number(e.entityId)) ?? 'plain', mobile);
    },
    async issueMultiple(random) {
      const series = random.pick<SeriesKey>(['capped', 'perUser', 'pool', 'generic', 'plain', 'issueGap']);
      const mobile = random.pick(world.mobiles);
      const r = await send(random, 'POST', '/v2/coupon/issue/multiple', {
        seriesId: world.seriesIds[series],
        count: 1 + random.int(4),
        customer: { mobile },
      });
      count('issueMultiple', r, series);
      for (const c of Array.isArray(r.body?.coupons) ? r.body.coupons : []) learnCoupon(c, series, mobile);
    },
    async burstIssue(random) {
      const series = random.pick<SeriesKey>([
        'onePerCustomer',
        'resend',
        'perUser',
        'capped',
        'pool',
        'exclusiveA',
        'exclusiveB',
      ]);
      const mobile = random.pick(world.mobiles);
      const replies = await Promise.all(
        servers.flatMap((_, i) =>
          [0, 1].map(() =>
            send({ ...random, pick: <T>(l: readonly T[]) => l[i % l.length]! }, 'POST', '/v2/coupon/issue', {
              seriesId: world.seriesIds[random.chance(0.3) ? 'exclusiveB' : series],
              customer: { mobile },
            }),
          ),
        ),
      );
      for (const r of replies) {
        count('burstIssue', r, series);
        if (r.status === 200) learnCoupon(r.body, seriesById.get(Number(r.body.seriesId)) ?? series, mobile);
      }
    },
    async redeem(random) {
      const p = pickCoupons(random, 2);
      if (!p) return;
      const txn = world.nextTxn();
      const r = await send(random, 'POST', '/v2/coupon/redeem', {
        billAmount: 100,
        transactionNumber: txn,
        user: { mobile: p.mobile },
        redemptionRequestList: p.coupons.map((c) => item(random, c)),
      });
      count('redeem', r, p.coupons.map((c) => c.series).join(','));
      if (r.status === 200)
        learnRedemptions(
          r.body.redemption.map((x: any) => x.id),
          txn,
          p.mobile,
        );
    },
    async bulkRedeem(random) {
      const p = pickCoupons(random, 3);
      if (!p) return;
      const txn = world.nextTxn();
      const partial = random.chance(0.5);
      const r = await send(
        random,
        'POST',
        `/v2/coupon/bulk/redeem?source=INSTORE${partial ? '&allowPartial=true' : ''}`,
        {
          billAmount: 100,
          transactionNumber: txn,
          user: { mobile: p.mobile },
          redemptionRequestList: p.coupons.map((c) => item(random, c)),
        },
      );
      count('bulkRedeem', r, partial ? 'partial' : 'atomic');
      const items = Array.isArray(r.body?.response) ? r.body.response : [];
      learnRedemptions(
        items.filter((e: any) => e.result?.redemptionStatus?.success).map((e: any) => e.result.id),
        txn,
        p.mobile,
      );
    },
    async burstRedeem(random) {
      const p = pickCoupons(random, 1);
      if (!p) return;
      const c = p.coupons[0]!;
      const replies = await Promise.all(
        servers.flatMap((_, i) =>
          [0, 1].map(async () => {
            const txn = world.nextTxn();
            const r = await send(
              { ...random, pick: <T>(l: readonly T[]) => l[i % l.length]! },
              'POST',
              '/v2/coupon/redeem',
              {
                billAmount: 100,
                transactionNumber: txn,
                user: { mobile: p.mobile },
                redemptionRequestList: [item(random, c)],
              },
            );
            return { r, txn };
          }),
        ),
      );
      for (const { r, txn } of replies) {
        count('burstRedeem', r, c.series);
        if (r.status === 200)
          learnRedemptions(
            r.body.redemption.map((x: any) => x.id),
            txn,
            p.mobile,
          );
      }
    },
    async isRedeemable(random) {
      const p = pickCoupons(random, 2);
      if (!p) return;
      const codes = p.coupons.map((c) => (c.series === 'generic' ? world.genericCode : c.code)).join(',');
      const r = await send(
        random,
        'GET',
        `/v2/coupon/is_redeemable?mobile=${p.mobile}&code=${codes}&details=true`,
      );
      count('isRedeemable', r, codes);
    },
    async hold(random) {
      const p = pickCoupons(random, 2);
      if (!p) return;
      const txn = world.nextTxn();
      const codes = p.coupons.map((c) => (c.series === 'generic' ? world.genericCode : c.code));
      const r = await send(random, 'POST', '/v2/coupon/hold', {
        user: { mobile: p.mobile },
        codes,
        billAmount: 100,
        transactionNumber: txn,
        ttlSeconds: random.pick([1, 2, 5, 60, 600]),
      });
      count('hold', r, codes.join(','));
      if (r.status === 200 && typeof r.body.holdId === 'number') {
        tally.ledger.holds.add(r.body.holdId);
        world.holds.push({ holdId: r.body.holdId, codes, txn, mobile: p.mobile });
      }
    },
    async redeemHeld(random) {
      if (world.holds.length === 0) return;
      const h = random.pick(world.holds);
      const r = await send(random, 'POST', '/v2/coupon/redeem', {
        billAmount: 100,
        transactionNumber: h.txn,
        ...(random.chance(0.5) ? { holdId: h.holdId } : {}),
        user: { mobile: h.mobile },
        redemptionRequestList: h.codes.map((code) => ({ code })),
      });
      count('redeemHeld', r, String(h.holdId));
      if (r.status === 200)
        learnRedemptions(
          r.body.redemption.map((x: any) => x.id),
          h.txn,
          h.mobile,
        );
    },
    async release(random) {
      if (world.holds.length === 0) return;
      const h = random.pick(world.holds);
      count('release', await send(random, 'DELETE', `/v2/coupon/hold/${h.holdId}`), String(h.holdId));
    },
    async reactivateIds(random) {
      if (world.redemptions.length === 0) return;
      const ids = [
        ...new Set([
          random.pick(world.redemptions).id,
          ...(random.chance(0.3) ? [random.pick(world.redemptions).id] : []),
        ]),
      ];
      const r = await send(random, 'POST', '/v2/coupon/reactivate', { redemptionIds: ids });
      count('reactivateIds', r, ids.join(','));
      if (r.status === 200) for (const id of r.body.reactivated) tally.ledger.reactivated.add(id);
    },
    async reactivateTxn(random) {
      if (world.redemptions.length === 0) return;
      const x = random.pick(world.redemptions);
      const r = await send(random, 'POST', '/v2/coupon/reactivate', {
        transactionNumber: x.txn,
        user: { mobile: x.mobile },
      });
      count('reactivateTxn', r, x.txn);
      if (r.status === 200) for (const id of r.body.reactivated) tally.ledger.reactivated.add(id);
    },
    async revoke(random) {
      const code = random.chance(0.4)
        ? random.pick(world.poolCodes)
        : world.coupons.length > 0
          ? random.pick(world.coupons).code
          : undefined;
      if (!code) return;
      const r = await send(random, 'POST', '/v2/coupon/revoke', { codes: [code] });
      count('revoke', r, code);
      if (r.status === 200) for (const c of r.body.revoked) tally.ledger.revoked.add(String(c).toUpperCase());
    },
    async read(random) {
      const p = pickCoupons(random, 3);
      if (!p) return;
      const r = random.chance(0.5)
        ? await send(random, 'GET', `/v2/coupon?couponCodes=${p.coupons.map((c) => c.code).join(',')}`)
        : await send(random, 'GET', `/v2/coupon/series?ids=${Object.values(world.seriesIds).join(',')}`);
      count('read', r, 'coupons');
    },
  };

  /** Runs one client until `deadline`: weighted random operations, one at a time. */
  async function client(random: Random, deadline: number): Promise<void> {
    while (Date.now() < deadline) await ops[random.weighted(WEIGHTS)](random);
  }

  return { client };
}
