// The request scenarios against one coupond instance: is_redeemable, redeem, issue, and on PostgreSQL
// raw-redeem; each as a ratio of the baseline measured earlier in the same run.
import { createSeries, get } from '../api.js';
import type { Database, Instance, Instances } from '../instance.js';
import { failureOf, runLoad, type LoadFigures, type LoadSpec } from '../load.js';
import { profiled, quietest } from '../measure.js';
import { wants, type Options } from '../options.js';
import type { Attempt, ScenarioResult } from '../results.js';
import { runRawRedeem } from './raw-redeem.js';
import { CouponPool, couponsFor, isRedeemableSpec, issueSpec, redeemSpec } from './requests.js';

export const ratio = (rate: number, of: number, to: string) => ({
  to,
  value: Math.round((rate / of) * 1000) / 1000,
});

/** The first redeem attempt's guess at its rate, for sizing the coupon pool, when no baseline ran. */
const RATE_GUESS = 10_000;

export function toResult(
  name: string,
  database: Database['kind'],
  f: LoadFigures,
  attempts: Attempt[],
  base?: { to: string; rate: number | undefined },
): ScenarioResult {
  const error = failureOf(f);
  return {
    name,
    database,
    unit: 'req/s',
    rate: f.rate,
    p50: f.p50,
    p99: f.p99,
    seconds: f.seconds,
    peakRssMB: f.peakRssMB,
    cpu: f.cpu,
    ratios: base?.rate ? [ratio(f.rate, base.rate, base.to)] : [],
    attempts,
    ...(error ? { error } : {}),
  };
}

/** Runs the redeem scenario on an instance (also what the scale runs measure). */
export async function measureRedeem(
  o: Options,
  inst: Instance,
  pool: CouponPool,
  label: string,
  rateGuess: number,
): Promise<{ best: LoadFigures; attempts: Attempt[]; exhausted: boolean }> {
  let guess = rateGuess;
  const spec = redeemSpec(o, inst, pool);
  const run = await quietest(o, [inst.server.pid], async (n) => {
    await pool.ensure(couponsFor(o, guess));
    const f = await runLoad({ ...spec, around: profiled(inst.server, inst.hooks, `${label}-${n}`) });
    guess = Math.max(f.rate, 1000);
    return f;
  });
  return { ...run, exhausted: pool.exhausted };
}

export async function runMain(
  o: Options,
  instances: Instances,
  baselineRate: number | undefined,
): Promise<ScenarioResult[]> {
  const results: ScenarioResult[] = [];
  const { inst, release } = await instances.acquire('main');
  const db = inst.database.kind;
  const hooks = inst.hooks;
  const base = { to: 'baseline', rate: baselineRate };
  const attempt = async (name: string, spec: Omit<LoadSpec, 'around'>) =>
    quietest(o, [inst.server.pid], (n) =>
      runLoad({ ...spec, around: profiled(inst.server, hooks, `${db}-${name}-${n}`) }),
    );
  try {
    const seriesId = await createSeries(inst.client, 'bench redeem');
    const pool = new CouponPool(inst, seriesId);
    await pool.ensure(1);
    const checked = pool.take().coupon;
    // The seeded rows must be what coupond itself would have written: ask it before measuring anything.
    const check = (await get(
      inst.client,
      `/v2/coupon/is_redeemable?mobile=${checked.mobile}&code=${checked.code}`,
    )) as {
      redemption: { isRedeemable: boolean }[];
    };
    if (!check.redemption[0]?.isRedeemable)
      throw new Error(`a seeded coupon is not redeemable: ${JSON.stringify(check)}`);

    // The pool is sized from the best rate a redeem could reach; is_redeemable does a subset of its work.
    let guess = baselineRate ?? RATE_GUESS;
    if (wants(o, 'is_redeemable')) {
      const { best, attempts } = await attempt('is_redeemable', isRedeemableSpec(o, inst, checked));
      results.push(toResult('is_redeemable', db, best, attempts, base));
      if (!failureOf(best)) guess = Math.min(guess, Math.max(best.rate, 500));
    }
    if (wants(o, 'redeem')) {
      const { best, attempts, exhausted } = await measureRedeem(o, inst, pool, `${db}-redeem`, guess);
      const r = toResult('redeem', db, best, attempts, base);
      if (exhausted) r.error = `the coupon pool ran out (${r.error ?? ''})`;
      r.notes = [`${pool.seeded.toLocaleString('en')} pre-issued coupons, one customer each, seeded by SQL`];
      results.push(r);
    }
    if (wants(o, 'issue')) {
      const { best, attempts } = await attempt('issue', await issueSpec(o, inst));
      results.push(toResult('issue', db, best, attempts, base));
    }
    if (db === 'postgres' && wants(o, 'raw-redeem')) {
      const raw = await runRawRedeem(o, inst, seriesId);
      results.push(raw);
      const redeem = results.find((r) => r.name === 'redeem');
      if (redeem?.rate && raw.rate && !raw.error)
        redeem.ratios?.push(ratio(redeem.rate, raw.rate, 'raw-redeem'));
    }
  } finally {
    await release();
  }
  return results;
}
