// The scale scenario: the redeem scenario when the database already holds N coupons (pool codes of
// another series, inserted with one SQL statement by seed.ts), for the small and then the large N on
// the same instance; the large run is reported as a share of the small one.
import { createSeries } from '../api.js';
import type { Instance, Instances } from '../instance.js';
import type { Options } from '../options.js';
import type { ScenarioResult } from '../results.js';
import { measureRedeem, ratio, toResult } from './main.js';
import { CouponPool } from './requests.js';

/** 10000 → 10k, 5000000 → 5M. */
export function shortCount(n: number): string {
  if (n >= 1e6 && n % 1e6 === 0) return `${n / 1e6}M`;
  if (n >= 1e3 && n % 1e3 === 0) return `${n / 1e3}k`;
  return String(n);
}

/** One redeem run on `inst`, after topping its background coupons up to `coupons`. */
async function scaleRun(
  o: Options,
  inst: Instance,
  run: { coupons: number; already: number; background: number; seriesId: number; firstMobile: number },
  baselineRate: number | undefined,
  rateGuess: number,
): Promise<ScenarioResult> {
  const name = `scale-${shortCount(run.coupons)}`;
  const t0 = performance.now();
  const added = await inst.seeder.background(inst.org.orgId, run.background, run.coupons - run.already);
  const loadSeconds = (performance.now() - t0) / 1000;
  const pool = new CouponPool(inst, run.seriesId, run.firstMobile);
  const db = inst.database.kind;
  const { best, attempts, exhausted } = await measureRedeem(o, inst, pool, `${db}-${name}`, rateGuess);
  const r = toResult(name, db, best, attempts, { to: 'baseline', rate: baselineRate });
  if (exhausted) r.error = `the coupon pool ran out (${r.error ?? ''})`;
  r.notes = [
    `${added.toLocaleString('en')} background pool codes added by one SQL statement in ${loadSeconds.toFixed(1)} s before this run; ${pool.seeded.toLocaleString('en')} pre-issued coupons (one customer each) on top`,
  ];
  return r;
}

/**
 * Both runs on one instance (one server, one database): the small background, a redeem run, the
 * background topped up to the large count, the same redeem run again on fresh coupons.
 */
export async function runScale(
  o: Options,
  instances: Instances,
  baselineRate: number | undefined,
): Promise<ScenarioResult[]> {
  const [small, large] = o.scaleCoupons;
  const { inst, release } = await instances.acquire('scale');
  try {
    const background = await createSeries(inst.client, 'bench background');
    const seriesId = await createSeries(inst.client, 'bench redeem');
    const guess = baselineRate ?? 10_000;
    const a = await scaleRun(
      o,
      inst,
      { coupons: small, already: 0, background, seriesId, firstMobile: 200_000_000 },
      baselineRate,
      guess,
    );
    const b = await scaleRun(
      o,
      inst,
      { coupons: large, already: small, background, seriesId, firstMobile: 300_000_000 }, // apart from the first pool's mobiles
      baselineRate,
      a.rate && !a.error ? a.rate : guess,
    );
    if (a.rate && b.rate && !a.error && !b.error)
      b.ratios = [ratio(b.rate, a.rate, a.name), ...(b.ratios ?? [])];
    return [a, b];
  } finally {
    await release();
  }
}
