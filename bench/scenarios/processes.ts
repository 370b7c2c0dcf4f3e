// `processes` (issue 17 item 6): is_redeemable and redeem against `coupond serve` with COUPOND_PROCESSES=1
// and =2, same run, each on a fresh store: rows `processes-1` and `processes-2`, the request in `of`; the
// processes-2 rows carry their ratio to processes-1. Server CPU is the primary and its workers together
// (machine.ts, processTreeTicks). Profiling hooks are not passed: they open windows in one process only.
import { get, createSeries } from '../api.js';
import { startInstance, type Database, type Instance } from '../instance.js';
import { failureOf, runLoad } from '../load.js';
import { quietest } from '../measure.js';
import type { Options } from '../options.js';
import type { ScenarioResult } from '../results.js';
import { measureRedeem, ratio, toResult } from './main.js';
import { CouponPool, isRedeemableSpec } from './requests.js';

async function measureWith(o: Options, inst: Instance, name: string): Promise<ScenarioResult[]> {
  const db = inst.database.kind;
  const results: ScenarioResult[] = [];
  const seriesId = await createSeries(inst.client, `bench ${name}`);
  const pool = new CouponPool(inst, seriesId);
  await pool.ensure(1);
  const checked = pool.take().coupon;
  const check = (await get(
    inst.client,
    `/v2/coupon/is_redeemable?mobile=${checked.mobile}&code=${checked.code}`,
  )) as { redemption: { isRedeemable: boolean }[] };
  if (!check.redemption[0]?.isRedeemable)
    throw new Error(`${name}: a seeded coupon is not redeemable: ${JSON.stringify(check)}`);
  let guess = 5_000;
  {
    const { best, attempts } = await quietest(o, [inst.server.pid], () =>
      runLoad(isRedeemableSpec(o, inst, checked)),
    );
    results.push({ ...toResult(name, db, best, attempts), of: 'is_redeemable' });
    if (!failureOf(best)) guess = Math.max(best.rate, 500);
  }
  {
    const { best, attempts, exhausted } = await measureRedeem(o, inst, pool, `${db}-${name}-redeem`, guess);
    const r = { ...toResult(name, db, best, attempts), of: 'redeem' };
    if (exhausted) r.error = `the coupon pool ran out (${r.error ?? ''})`;
    results.push(r);
  }
  return results;
}

export async function runProcesses(o: Options, database: Database): Promise<ScenarioResult[]> {
  const results: ScenarioResult[] = [];
  for (const n of [1, 2]) {
    const name = `processes-${n}`;
    const inst = await startInstance(database, name, {
      keep: o.keep,
      env: { COUPOND_PROCESSES: String(n) },
    });
    try {
      results.push(...(await measureWith(o, inst, name)));
    } finally {
      await inst.close();
    }
  }
  for (const r of results) {
    if (r.name !== 'processes-2' || !r.rate) continue;
    const one = results.find((x) => x.name === 'processes-1' && x.of === r.of && !x.error)?.rate;
    if (one) r.ratios = [ratio(r.rate, one, 'processes-1')];
    r.notes = [`${r.of} with COUPOND_PROCESSES=2; server CPU is the primary and both workers`];
  }
  return results;
}
