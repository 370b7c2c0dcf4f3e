// Crash test (issue 8, docs/api.md §7): a server is killed with SIGKILL in the middle of a stream of redemptions,
// several times; a new server starts on the same database. Every redemption that answered 700 is in the
// database, none that was refused is, a request that got no answer is all in or all out (it may have
// committed just before the kill), a retry of it never redeems twice, and every counter equals its rows.
// Knobs: CRASH_ROUNDS (kills, default 3), RACE_SEED.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../support/build-test-app.js';
import { createSeries } from '../support/factories.js';
import { checkInvariants } from '../support/invariants.js';
import { spawnServer, type ServerProcess } from '../support/spawn-server.js';
import { dialectName } from '../support/test-database.js';
import { runSeed, seeded } from '../race/prng.js';
import { RACE_ENV } from '../race/world.js';

const ROUNDS = Number(process.env.CRASH_ROUNDS ?? 3);
const SEED = runSeed();
const CLIENTS = 8;

interface Request {
  txn: string;
  mobile: string;
  codes: string[];
  /** Whether the request should be refused as a whole (it names a code that cannot be redeemed). */
  doomed: boolean;
  outcome?: { kind: 'answered'; status: number; ids: number[] } | { kind: 'no answer'; error: string };
}

let t: TestApp;
let final: ServerProcess | undefined;
const coupons: { code: string; mobile: string; multi: boolean }[] = [];

beforeAll(async () => {
  t = await buildTestApp({ env: RACE_ENV });
  const single = (
    await createSeries(t, { description: 'crash', discountValue: 5, isMultipleVouchersPerUserAllowed: true })
  ).id;
  const multi = (
    await createSeries(t, {
      description: 'crash multi',
      discountValue: 5,
      isMultipleVouchersPerUserAllowed: true,
      isMultipleUseAllowed: true,
      sameUserMultipleRedeem: true,
    })
  ).id;
  for (let c = 0; c < 60; c++) {
    const mobile = String(9_400_000_000 + c);
    for (let i = 0; i < 12; i++) {
      const r = await t.post('/v2/coupon/issue', { seriesId: i < 10 ? single : multi, customer: { mobile } });
      expect(r.status, r.text).toBe(200);
      coupons.push({ code: r.body.code, mobile, multi: i >= 10 });
    }
  }
}, 180_000);
afterAll(async () => {
  await final?.stop();
  await t?.close();
});

async function redeem(url: string, req: Request): Promise<Request['outcome']> {
  try {
    const r = await fetch(`${url}/v2/coupon/redeem`, {
      method: 'POST',
      headers: { authorization: t.client.basic, 'content-type': 'application/json' },
      body: JSON.stringify({
        billAmount: 100,
        transactionNumber: req.txn,
        user: { mobile: req.mobile },
        redemptionRequestList: req.codes.map((code) => ({ code })),
      }),
    });
    const body = (await r.json()) as any;
    const ids = r.status === 200 ? (body.redemption as { id: number }[]).map((x) => x.id) : [];
    return { kind: 'answered', status: r.status, ids };
  } catch (e) {
    return { kind: 'no answer', error: String(e) };
  }
}

describe(`kill -9 during a stream of redemptions (${dialectName})`, () => {
  it('keeps every answered redemption, none that was refused, unanswered requests all or nothing, and exact counters', async () => {
    const random = seeded(SEED);
    const unused = [...coupons.filter((c) => !c.multi)];
    /** Single-use coupons whose redemption answered 200: certainly spent. */
    const spent: typeof coupons = [];
    const requests: Request[] = [];
    let n = 0;
    /** The next request: one or two fresh coupons of one customer; some also name a used coupon. */
    const next = (): Request | undefined => {
      if (unused.length < 2) return undefined;
      const first = unused.splice(random.int(unused.length), 1)[0]!;
      const codes = [first.code];
      const sameCustomer = unused.filter((c) => c.mobile === first.mobile);
      if (sameCustomer.length > 0 && random.chance(0.4)) {
        const second = sameCustomer[0]!;
        unused.splice(unused.indexOf(second), 1);
        codes.push(second.code);
      }
      const multi = coupons.filter((c) => c.multi && c.mobile === first.mobile);
      if (random.chance(0.2)) codes.push(random.pick(multi).code);
      let doomed = false;
      const mine = spent.filter((c) => c.mobile === first.mobile);
      if (mine.length > 0 && random.chance(0.15)) {
        codes.push(random.pick(mine).code);
        doomed = true;
      } else if (random.chance(0.05)) {
        codes.push(`NOSUCH${++n}`);
        doomed = true;
      }
      return { txn: `CRASH-${SEED}-${++n}`, mobile: first.mobile, codes, doomed };
    };

    let kills = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const server = await spawnServer({ ...t.db.env, ...RACE_ENV });
      const killAfter = 30 + random.int(60);
      let answered = 0;
      let dead = false;
      const client = async () => {
        while (!dead) {
          const req = next();
          if (!req) return;
          requests.push(req);
          req.outcome = await redeem(server.url, req);
          if (req.outcome?.kind === 'answered' && req.outcome.status === 200)
            spent.push(...coupons.filter((c) => !c.multi && req.codes.includes(c.code)));
          if (req.outcome?.kind === 'answered' && ++answered === killAfter && !dead) {
            dead = true;
            await server.kill();
            kills++;
          }
        }
      };
      await Promise.all(Array.from({ length: CLIENTS }, client));
      if (!dead) await server.stop();
    }

    // A new server on the same database: it starts, and retries of the unanswered requests never redeem twice.
    final = await spawnServer({ ...t.db.env, ...RACE_ENV });
    const db = t.app.engine.kysely;
    const rowsOf = async (txn: string) =>
      (
        await sql<{ id: unknown; code: string; reactivated_at: unknown }>`
            select r.id, c.code, r.reactivated_at from redemption r join coupon c on c.org_id = r.org_id and c.id = r.coupon_id
            where r.org_id = ${t.client.orgId} and r.transaction_number = ${txn}`.execute(db)
      ).rows;
    const problems: string[] = [];
    const counts = { ok: 0, refused: 0, unanswered: 0, unansweredCommitted: 0, retried: 0 };
    for (const req of requests) {
      const rows = await rowsOf(req.txn);
      const o = req.outcome;
      if (!o) continue;
      if (o.kind === 'answered' && o.status === 200) {
        counts.ok++;
        if (req.doomed) problems.push(`${req.txn}: answered 200 although it names a spent or unknown code`);
        const found = new Set(rows.map((r) => Number(r.id)));
        if (o.ids.some((id) => !found.has(id)) || rows.length !== req.codes.length)
          problems.push(`${req.txn}: answered 200 with redemptions ${o.ids}, rows ${JSON.stringify(rows)}`);
      } else if (o.kind === 'answered') {
        counts.refused++;
        if (rows.length > 0)
          problems.push(`${req.txn}: refused with ${o.status} but wrote ${rows.length} redemptions`);
      } else {
        counts.unanswered++;
        if (rows.length !== 0 && rows.length !== req.codes.length)
          problems.push(`${req.txn}: no answer, and ${rows.length} of ${req.codes.length} coupons redeemed`);
        if (rows.length > 0) counts.unansweredCommitted++;
        // The till retries the same bill: a committed one must not redeem again.
        const retry = await redeem(final.url, req);
        counts.retried++;
        const after = await rowsOf(req.txn);
        if (retry?.kind !== 'answered') problems.push(`${req.txn}: the new server did not answer the retry`);
        else if (rows.length > 0 && (retry.status === 200 || after.length !== rows.length))
          problems.push(
            `${req.txn}: committed before the kill, and the retry answered ${retry.status} with ${after.length} rows`,
          );
        else if (rows.length === 0 && retry.status === 200 && after.length !== req.codes.length)
          problems.push(`${req.txn}: the retry answered 200 with ${after.length} rows`);
      }
    }
    const report = await checkInvariants(db, t.client.orgId);
    // The new server reads the same state through the API.
    const sample = requests
      .filter((r) => r.outcome?.kind === 'answered' && r.outcome.status === 200)
      .slice(0, 20);
    for (const req of sample) {
      const r = await fetch(`${final.url}/v2/coupon?couponCodes=${req.codes[0]}`, {
        headers: { authorization: t.client.basic },
      });
      const body = (await r.json()) as any;
      const history = await fetch(`${final.url}/v2/coupon/${body.data[0].id}/history`, {
        headers: { authorization: t.client.basic },
      });
      const events = ((await history.json()) as any).events as {
        type: string;
        details: { transactionNumber?: string };
      }[];
      if (!events.some((e) => e.type === 'redeemed'))
        problems.push(`${req.txn}: the history of ${req.codes[0]} shows no redemption`);
    }
    console.log(
      `crash (redemptions): seed ${SEED}, ${dialectName}, ${kills} kills -9 mid-stream, ${requests.length} requests: ${counts.ok} answered 200, ${counts.refused} refused, ${counts.unanswered} without an answer (${counts.unansweredCommitted} had committed; ${counts.retried} retried on a new server); ${report.checked.length} invariants checked, ${report.violations.length + problems.length} failures`,
    );
    expect(kills).toBe(ROUNDS);
    expect(counts.ok).toBeGreaterThan(0);
    expect(problems).toEqual([]);
    expect(report.violations).toEqual([]);
  }, 600_000);
});
