// Crash test (issue 15, docs/architecture.md "Idempotency"): callers issue, bulk issue, redeem and create series with Idempotency-Keys
// while the server is killed with SIGKILL, several times; a new server starts on the same database and every
// request that got no answer is retried with the same key and body. No request may run twice (coupons per
// issued customer, redemptions per bill, series per description), and no key may be stuck: every retry answers within seconds, none
// with 409 IDEMPOTENCY_KEY_IN_PROGRESS. Knobs: CRASH_ROUNDS (kills, default 3), RACE_SEED.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../support/build-test-app.js';
import { createSeries, seriesBody } from '../support/factories.js';
import { spawnServer, type ServerProcess } from '../support/spawn-server.js';
import { dialectName } from '../support/test-database.js';
import { runSeed, seeded } from '../race/prng.js';
import { RACE_ENV } from '../race/world.js';

const ROUNDS = Number(process.env.CRASH_ROUNDS ?? 3);
const SEED = runSeed();
const CLIENTS = 16;
/** A retry slower than this counts as stuck. */
const RETRY_MS = 5_000;

interface Req {
  kind: 'issue' | 'bulk' | 'redeem' | 'series';
  /**
   * Rows the request makes when it runs once: coupons of its new customer, redemptions of its bill, or
   * series of its description.
   */
  expected: number;
  key: string;
  path: string;
  body: unknown;
  /** issue: the new customer's mobile; redeem: the bill number; series: its description. */
  mark: string;
  first?: { status: number; text: string } | { error: string };
}

let t: TestApp;
let final: ServerProcess | undefined;
let issueSeries = 0;
let otherSeries = 0;
const reusable: { code: string; mobile: string }[] = [];

beforeAll(async () => {
  t = await buildTestApp({ env: RACE_ENV });
  // Several coupons per customer allowed: an issue that ran twice leaves two.
  issueSeries = (
    await createSeries(t, {
      description: 'idem crash',
      discountValue: 5,
      isMultipleVouchersPerUserAllowed: true,
    })
  ).id;
  otherSeries = (
    await createSeries(t, {
      description: 'idem crash 2',
      discountValue: 5,
      isMultipleVouchersPerUserAllowed: true,
    })
  ).id;
  // A coupon redeemable again and again by its customer: a redeem that ran twice leaves two redemptions.
  const multi = (
    await createSeries(t, {
      description: 'idem crash multi',
      discountValue: 5,
      isMultipleVouchersPerUserAllowed: true,
      isMultipleUseAllowed: true,
      sameUserMultipleRedeem: true,
    })
  ).id;
  for (let c = 0; c < 40; c++) {
    const mobile = String(9_500_000_000 + c);
    const r = await t.post('/v2/coupon/issue', { seriesId: multi, customer: { mobile } });
    expect(r.status, r.text).toBe(200);
    reusable.push({ code: r.body.code, mobile });
  }
}, 180_000);
afterAll(async () => {
  await final?.stop();
  await t?.close();
});

async function send(url: string, req: Req): Promise<{ status: number; text: string } | { error: string }> {
  try {
    const r = await fetch(`${url}${req.path}`, {
      method: 'POST',
      headers: {
        authorization: t.client.basic,
        'content-type': 'application/json',
        'idempotency-key': req.key,
      },
      body: JSON.stringify(req.body),
    });
    return { status: r.status, text: await r.text() };
  } catch (e) {
    return { error: String(e) };
  }
}

describe(`kill -9 under Idempotency-Keyed traffic (${dialectName})`, () => {
  it('runs no request twice and leaves no key stuck: every retry replays or runs once, within seconds', async () => {
    const random = seeded(SEED);
    const requests: Req[] = [];
    let n = 0;
    const next = (): Req => {
      const i = ++n;
      const roll = random.int(10);
      if (roll < 2) {
        const mobile = String(9_600_000_000 + SEED * 10_000 + i).slice(-10);
        return {
          kind: 'bulk',
          expected: 2,
          key: `idem-${SEED}-${i}`,
          path: '/v2/coupon/bulk/issue?source=INSTORE',
          body: { seriesIds: [issueSeries, otherSeries], customer: { mobile } },
          mark: mobile,
        };
      }
      if (roll < 4) {
        const description = `idem crash series ${SEED}-${i}`;
        return {
          kind: 'series',
          expected: 1,
          key: `idem-${SEED}-${i}`,
          path: '/v2/coupon/series',
          body: seriesBody({ description }),
          mark: description,
        };
      }
      if (roll < 7) {
        const mobile = String(9_600_000_000 + SEED * 10_000 + i).slice(-10);
        return {
          kind: 'issue',
          expected: 1,
          key: `idem-${SEED}-${i}`,
          path: '/v2/coupon/issue',
          body: { seriesId: issueSeries, customer: { mobile } },
          mark: mobile,
        };
      }
      const c = random.pick(reusable);
      const txn = `IDEM-${SEED}-${i}`;
      return {
        kind: 'redeem',
        expected: 1,
        key: `idem-${SEED}-${i}`,
        path: '/v2/coupon/redeem',
        body: {
          billAmount: 100,
          transactionNumber: txn,
          user: { mobile: c.mobile },
          redemptionRequestList: [{ code: c.code }],
        },
        mark: txn,
      };
    };

    let kills = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const server = await spawnServer({ ...t.db.env, ...RACE_ENV });
      const killAfter = 40 + random.int(60);
      let answered = 0;
      let dead = false;
      let killed: Promise<void> | undefined;
      const client = async () => {
        while (!dead) {
          const req = next();
          requests.push(req);
          req.first = await send(server.url, req);
          if ('status' in req.first && ++answered === killAfter) {
            // A few milliseconds later, wherever the other requests are: before, inside or after commit.
            killed = (async () => {
              await new Promise((r) => setTimeout(r, random.int(30)));
              dead = true;
              await server.kill();
              kills++;
            })();
          }
        }
      };
      await Promise.all(Array.from({ length: CLIENTS }, client));
      await killed;
    }

    final = await spawnServer({ ...t.db.env, ...RACE_ENV });
    const db = t.app.engine.kysely;
    const org = t.client.orgId;
    const couponsOf = async (mobile: string) =>
      Number(
        (
          await sql<{ n: unknown }>`
            select count(*) as n from coupon c join customer u on u.org_id = c.org_id and u.id = c.customer_id
            where c.org_id = ${org} and c.series_id in (${issueSeries}, ${otherSeries}) and u.mobile like ${`%${mobile}`}`.execute(
            db,
          )
        ).rows[0]!.n,
      );
    const redemptionsOf = async (txn: string) =>
      Number(
        (
          await sql<{ n: unknown }>`
            select count(*) as n from redemption where org_id = ${org} and transaction_number = ${txn}`.execute(
            db,
          )
        ).rows[0]!.n,
      );
    const seriesOf = async (description: string) =>
      Number(
        (
          await sql<{ n: unknown }>`
            select count(*) as n from coupon_series where org_id = ${org} and description = ${description}`.execute(
            db,
          )
        ).rows[0]!.n,
      );
    const rowsOf = (req: Req) =>
      req.kind === 'redeem'
        ? redemptionsOf(req.mark)
        : req.kind === 'series'
          ? seriesOf(req.mark)
          : couponsOf(req.mark);
    const counts = {
      answered: 0,
      unanswered: 0,
      unansweredCommitted: 0,
      replayed: 0,
      ranOnRetry: 0,
      ranTwice: 0,
      stuck: 0,
      slowestRetryMs: 0,
    };
    const problems: string[] = [];
    for (const req of requests) {
      const unanswered = !req.first || !('status' in req.first) || req.first.status >= 500;
      if (!unanswered) {
        counts.answered++;
        continue;
      }
      counts.unanswered++;
      const before = await rowsOf(req);
      if (before > 0) counts.unansweredCommitted++;
      if (before !== 0 && before !== req.expected)
        problems.push(
          `${req.key} (${req.kind}): ${before} of ${req.expected} rows committed: not all or nothing`,
        );
      const started = Date.now();
      const retry = await send(final.url, req);
      const ms = Date.now() - started;
      counts.slowestRetryMs = Math.max(counts.slowestRetryMs, ms);
      if (!('status' in retry)) {
        problems.push(`${req.key}: the retry got no answer (${retry.error})`);
        continue;
      }
      if (retry.status === 409 || ms > RETRY_MS) {
        counts.stuck++;
        problems.push(
          `${req.key}: the retry answered ${retry.status} after ${ms} ms: ${retry.text.slice(0, 200)}`,
        );
        continue;
      }
      const after = await rowsOf(req);
      if (before > 0) counts.replayed++;
      else if (after > 0) counts.ranOnRetry++;
      if (after > req.expected) {
        counts.ranTwice++;
        problems.push(
          `${req.key} (${req.kind} ${req.mark}): ${after} rows after the retry (${before} before)`,
        );
      }
      if (retry.status === 200 && after !== req.expected)
        problems.push(`${req.key}: the retry answered 200 with ${after} rows`);
    }
    // Every request answered before the kill: one row each, and its retry replays the same answer.
    let checkedAnswered = 0;
    for (const req of requests) {
      if (!req.first || !('status' in req.first) || req.first.status !== 200) continue;
      const rows = await rowsOf(req);
      if (rows !== req.expected) {
        counts.ranTwice += rows > req.expected ? 1 : 0;
        problems.push(`${req.key} (${req.kind} ${req.mark}): answered 200 and holds ${rows} rows`);
      }
      if (++checkedAnswered <= 50) {
        const again = await send(final.url, req);
        if (!('status' in again) || again.status !== 200 || again.text !== req.first.text)
          problems.push(`${req.key}: a retry of an answered request did not replay its answer`);
      }
    }
    console.log(
      `crash (idempotency): seed ${SEED}, ${dialectName}, ${kills} kills -9, ${requests.length} keyed requests: ` +
        `${counts.answered} answered, ${counts.unanswered} without an answer (${counts.unansweredCommitted} had committed); ` +
        `retries on a new server: ${counts.replayed} replayed, ${counts.ranOnRetry} ran once, ` +
        `${counts.ranTwice} ran twice, ${counts.stuck} stuck; slowest retry ${counts.slowestRetryMs} ms`,
    );
    expect(kills).toBe(ROUNDS);
    expect(counts.unanswered).toBeGreaterThan(0);
    expect(problems).toEqual([]);
  }, 600_000);
});
