// raw-redeem (PostgreSQL): the statements of one real redemption, captured from a coupond process by
// bench/server-hooks.ts, replayed through pg with coupond's pool size (10) and 50 concurrent callers, no
// HTTP: what PostgreSQL itself allows on this machine. Each replay redeems another fresh coupon: the
// captured coupon's code, mobile, ids and transaction number are replaced by the new coupon's.
import { randomInt } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { createSeries } from '../api.js';
import type { Instance } from '../instance.js';
import { failureOf, type LoadFigures } from '../load.js';
import { measureCpu, round2 } from '../machine.js';
import { quietest } from '../measure.js';
import type { Options } from '../options.js';
import { hookWindow, startCoupond } from '../processes.js';
import type { ScenarioResult } from '../results.js';
import type { Issued } from '../seed.js';
import { CouponPool, couponsFor, redeemBody } from './requests.js';

/** What bench/server-hooks.ts logs for a pipeline of statements sent before one Sync (storage/pg-pipeline.ts). */
const PIPELINE = 'pipeline';
/** coupond's DATABASE_POOL_SIZE default: the replay uses the same number of connections. */
const POOL_SIZE = 10;
/** The first attempt's guess at the rate, for sizing its coupons (the statements alone reached ~2,000–2,800/s on this class of machine). */
const RAW_RATE_GUESS = 3000;
/** Redeems sent before the captured one: the capture then shows a warm process (caches, prepared statements). */
const WARM_REDEEMS = 20;

interface Logged {
  client: number;
  sql: string;
  name: string | undefined;
  values: unknown[];
}

interface Identity {
  code: string;
  mobile: string;
  txn: string;
  coupon: number;
  customer: number;
}

async function redeemOnce(url: string, auth: string, c: Issued, txn: string): Promise<void> {
  const res = await fetch(`${url}/v2/coupon/redeem`, {
    method: 'POST',
    headers: { authorization: auth, 'content-type': 'application/json' },
    body: redeemBody(c, txn),
  });
  if (res.status !== 200)
    throw new Error(`raw-redeem capture: redeem answered ${res.status}: ${await res.text()}`);
}

/** Captures the statements of one redeem from a second coupond process (with the SQL hooks) on the same store. */
async function capture(
  o: Options,
  inst: Instance,
  pool: CouponPool,
): Promise<{ log: Logged[]; coupon: Issued; txn: string }> {
  const dir = fs.mkdtempSync(path.join(inst.store.dataDir, 'capture-'));
  const hooks = { dir, profile: false, sql: true };
  const server = await startCoupond(inst.store, hooks);
  try {
    for (let i = 0; i < WARM_REDEEMS; i++)
      await redeemOnce(server.url, inst.client.auth, pool.take().coupon, `RAW-WARM-${i}`);
    const coupon = pool.take().coupon;
    const txn = 'RAW-CAPTURED-0001';
    await hookWindow(server, hooks, 'capture', 'opened');
    await redeemOnce(server.url, inst.client.auth, coupon, txn);
    await hookWindow(server, hooks, 'capture', 'closed');
    const { log } = JSON.parse(fs.readFileSync(path.join(dir, 'capture.sql.json'), 'utf8')) as {
      log: Logged[];
    };
    if (o.profile)
      fs.copyFileSync(
        path.join(dir, 'capture.sql.json'),
        path.join(o.profileDir, 'postgres-redeem-statements.json'),
      );
    return { log, coupon, txn };
  } finally {
    await server.stop();
  }
}

/** The captured transaction: the statements of the client that ran BEGIN, from BEGIN to COMMIT. */
function transactionOf(log: readonly Logged[]): Logged[] {
  const begin = log.findIndex((l) => /^begin$/i.test(l.sql.trim()));
  if (begin < 0)
    throw new Error(
      `raw-redeem: no BEGIN among the captured statements: ${JSON.stringify(log).slice(0, 500)}`,
    );
  const client = log[begin]!.client;
  const mine = log.slice(begin).filter((l) => l.client === client);
  const end = mine.findIndex((l) => /^commit$/i.test(l.sql.trim()));
  if (end < 0) throw new Error('raw-redeem: the captured transaction has no COMMIT');
  const others = log.slice(0, begin).filter((l) => l.client !== client);
  if (others.length > 0)
    throw new Error(`raw-redeem: statements outside the transaction: ${others.map((l) => l.sql).join('; ')}`);
  return mine.slice(0, end + 1);
}

/** Replaces the captured coupon's identity in a statement's values by another coupon's. */
function substitute(
  values: readonly unknown[],
  from: Identity,
  to: Identity,
  slotAt: number | undefined,
): unknown[] {
  return values.map((v, i) => {
    if (i === slotAt) return randomInt(8); // counter slot: coupond picks one at random (COUNTER_SLOTS)
    if (typeof v === 'number') return v === from.coupon ? to.coupon : v === from.customer ? to.customer : v;
    if (typeof v !== 'string') return v;
    if (v === from.code) return to.code;
    if (v === from.mobile) return to.mobile;
    if (v === from.txn) return to.txn;
    return v.includes(from.txn) ? v.replaceAll(from.txn, to.txn) : v;
  });
}

/** The 0-based index of the slot parameter of a counter update (`"slot" = $n`), if the statement has one. */
function slotParameter(sql: string): number | undefined {
  if (!/series_counter/.test(sql)) return undefined;
  const m = /"slot"\s*=\s*\$(\d+)/.exec(sql);
  return m ? Number(m[1]) - 1 : undefined;
}

function percentile(sorted: Float64Array, p: number): number {
  return sorted.length === 0
    ? 0
    : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** Replays the captured transaction for fresh coupons: a warm-up, then the measured phase. */
async function replay(
  o: Options,
  pgPool: pg.Pool,
  statements: readonly Logged[],
  from: Identity,
  fresh: readonly Identity[],
): Promise<LoadFigures> {
  const slots = statements.map((s) => slotParameter(s.sql));
  let next = 0;
  let stopAt = 0;
  let exhausted = false;
  let measuring = false;
  let failures = 0;
  const latencies: number[] = [];
  const worker = async () => {
    while (performance.now() < stopAt) {
      const to = fresh[next++];
      if (!to) {
        exhausted = true;
        return;
      }
      const t0 = performance.now();
      const client = await pgPool.connect();
      try {
        for (let k = 0; k < statements.length; k++) {
          const s = statements[k]!;
          const values = substitute(s.values, from, to, slots[k]);
          await client.query(s.name ? { name: s.name, text: s.sql, values } : { text: s.sql, values });
        }
        if (measuring) latencies.push(performance.now() - t0);
      } catch {
        failures++;
        await client.query('rollback').catch(() => undefined);
      } finally {
        client.release();
      }
    }
  };
  const phase = async (seconds: number) => {
    stopAt = performance.now() + seconds * 1000;
    await Promise.all(Array.from({ length: o.connections }, worker));
  };
  await phase(o.warmupSeconds);
  measuring = true;
  const stopCpu = measureCpu(undefined, true);
  const t0 = performance.now();
  await phase(o.seconds);
  const seconds = (performance.now() - t0) / 1000;
  const cpu = stopCpu();
  const sorted = Float64Array.from(latencies).sort();
  return {
    rate: Math.round(latencies.length / seconds),
    p50: round2(percentile(sorted, 50)),
    p99: round2(percentile(sorted, 99)),
    ok: latencies.length,
    failures: { non2xx: exhausted ? 1 : 0, errors: failures, timeouts: 0, statusCodes: {} },
    seconds: round2(seconds),
    cpu,
    peakRssMB: 0,
  };
}

export async function runRawRedeem(o: Options, inst: Instance, seriesId: number): Promise<ScenarioResult> {
  // A few pool codes first, so that customer and coupon ids differ and each value names one thing.
  await inst.seeder.background(inst.org.orgId, await createSeries(inst.client, 'bench spacer'), 997);
  const pool = new CouponPool(inst, seriesId, 500_000_000);
  await pool.ensure(WARM_REDEEMS + 1);
  const captured = await capture(o, inst, pool);
  if (captured.log.some((l) => l.sql === PIPELINE)) {
    // Since issue 17 coupond sends a redemption as a few pipelined batches (storage/pg-pipeline.ts), whose
    // new ids come from sequences read in the same batch: replayed one statement at a time with the
    // captured values, they would neither run as coupond runs them nor insert fresh rows. The minimal
    // redemption measured by pg-limit (scenarios/limits.ts) is the reference of the PostgreSQL redeem now.
    return {
      name: 'raw-redeem',
      database: 'postgres',
      unit: 'tx/s',
      notes: [
        'not measured: coupond pipelines its statements (issue 17), which a statement-by-statement replay cannot reproduce; see pg-limit',
      ],
    };
  }
  const statements = transactionOf(captured.log);
  const id0 = (await inst.seeder.ids(inst.org.orgId, [captured.coupon.code])).get(captured.coupon.code)!;
  if (id0.coupon === id0.customer)
    throw new Error('raw-redeem: the captured coupon and customer ids are equal');
  const from: Identity = { ...captured.coupon, txn: captured.txn, ...id0 };

  const pgPool = new pg.Pool({
    connectionString: inst.store.databaseUrl,
    max: POOL_SIZE,
    options: `-c search_path="${inst.store.schema}"`,
  });
  let guess = RAW_RATE_GUESS;
  try {
    const { best, attempts } = await quietest(o, [], async () => {
      const n = couponsFor(o, guess);
      await pool.ensure(n);
      const coupons = Array.from({ length: n }, () => pool.take().coupon);
      const ids = await inst.seeder.ids(
        inst.org.orgId,
        coupons.map((c) => c.code),
      );
      const fresh = coupons.map((c, i) => ({ ...c, txn: `RAW-${pool.seeded}-${i}`, ...ids.get(c.code)! }));
      const f = await replay(o, pgPool, statements, from, fresh);
      guess = Math.max(guess, f.rate);
      return f;
    });
    const error = failureOf(best);
    return {
      name: 'raw-redeem',
      database: 'postgres',
      unit: 'tx/s',
      rate: best.rate,
      p50: best.p50,
      p99: best.p99,
      seconds: best.seconds,
      cpu: best.cpu,
      attempts,
      ...(error
        ? {
            error: best.failures.non2xx
              ? 'the coupon pool ran out'
              : `${best.failures.errors} failed transactions`,
          }
        : {}),
      notes: [
        `${statements.length} statements per redemption (BEGIN … COMMIT) captured from a real redeem; pool ${POOL_SIZE}, ${o.connections} callers`,
      ],
    };
  } finally {
    await pgPool.end();
  }
}
