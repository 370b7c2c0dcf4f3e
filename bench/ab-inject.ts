// `tsx bench/ab-inject.ts TREE_A TREE_B [check|settings|redeem|issue] [rounds]`: CPU per request of two
// checkouts of coupond compared in ONE process, on PostgreSQL (BENCH_DATABASE_URL, else the local test
// database): each tree's app is built from its own sources, and both are loaded through inject by 10 callers
// in alternating 1 s slices (the order flips every round), so that both see the same disturbance of a shared
// machine. `check` is is_redeemable of one code, `settings` GET /v2/org/settings, `redeem` one pre-issued
// coupon per call (seeded by SQL, as the benchmark does), `issue` a coupon to a new customer per call.
// Beside this process's CPU per call, PostgreSQL's (every `postgres` process; keep the machine otherwise
// quiet). Diagnostics: nothing here is a target (BENCHMARKS.md says where it was used).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { benchSeries } from './api.js';
import { asNewClient, benchEnv, oneIssuedCoupon } from './inject-kit.js';
import { HZ, postgresTicks } from './machine.js';
import { redeemBody } from './scenarios/requests.js';
import { openSeeder } from './seed.js';

const url = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const [treeA, treeB, which = 'check', rounds = '12'] = process.argv.slice(2);
if (!treeA || !treeB)
  throw new Error('usage: tsx bench/ab-inject.ts TREE_A TREE_B [check|settings|redeem|issue] [rounds]');
const trees = { A: path.resolve(treeA), B: path.resolve(treeB) } as const;
const CALLERS = 10;
/** Coupons seeded per tree for `redeem`: two trees' slices at ~1,500 redemptions a second fit in it. */
const REDEEM_COUPONS = 60_000;

async function setup(tree: string, tag: string) {
  const { buildApp } = await import(`${tree}/src/app.ts`);
  const { configFrom } = await import(`${tree}/src/config.ts`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ab-'));
  const schema = `ab_${tag}_${process.pid}`;
  const app = await buildApp(configFrom(benchEnv(dir, { DATABASE_URL: url, DATABASE_SCHEMA: schema })));
  const { inject, client } = await asNewClient(app);
  let call: () => Promise<unknown>;
  if (which === 'redeem' || which === 'issue') {
    const seriesId = ((await inject('POST', '/v2/coupon/series', benchSeries('ab'))) as { id: number }).id;
    let i = 0;
    if (which === 'redeem') {
      const seeder = openSeeder({ dataDir: dir, databaseUrl: url, schema });
      const coupons = await seeder.issue(client.orgId, seriesId, 0, REDEEM_COUPONS);
      await seeder.close();
      call = () => {
        const c = coupons[i++];
        if (!c) throw new Error(`more than ${REDEEM_COUPONS} redemptions: raise REDEEM_COUPONS`);
        return inject('POST', '/v2/coupon/redeem', JSON.parse(redeemBody(c, `AB${i}`)) as object);
      };
    } else {
      call = () =>
        inject('POST', '/v2/coupon/issue', { seriesId, customer: { mobile: String(9_700_000_000 + i++) } });
    }
  } else {
    const { mobile, code } = await oneIssuedCoupon(inject);
    call =
      which === 'settings'
        ? () => inject('GET', '/v2/org/settings')
        : () => inject('GET', `/v2/coupon/is_redeemable?mobile=${mobile}&code=${code}`);
  }
  return {
    call,
    close: async () => {
      await app.close();
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      await c.query(`drop schema if exists ${schema} cascade`);
      await c.end();
    },
  };
}

async function slice(call: () => Promise<unknown>, ms: number) {
  const cpu0 = process.cpuUsage();
  const pg0 = postgresTicks();
  const t0 = performance.now();
  const counts = await Promise.all(
    Array.from({ length: CALLERS }, async () => {
      let n = 0;
      while (performance.now() < t0 + ms) {
        await call();
        n++;
      }
      return n;
    }),
  );
  const cpu = process.cpuUsage(cpu0);
  const pg = ((postgresTicks() - pg0) * 1e6) / HZ;
  return { calls: counts.reduce((a, b) => a + b, 0), us: cpu.user + cpu.system, pg };
}

const A = await setup(trees.A, 'a');
const B = await setup(trees.B, 'b');
await slice(A.call, 1500);
await slice(B.call, 1500);
const tot = { A: { calls: 0, us: 0, pg: 0 }, B: { calls: 0, us: 0, pg: 0 } };
const per: string[] = [];
for (let i = 0; i < Number(rounds); i++) {
  const order = i % 2 === 0 ? (['A', 'B'] as const) : (['B', 'A'] as const);
  const r: Record<string, number> = {};
  for (const k of order) {
    const s = await slice(k === 'A' ? A.call : B.call, 1000);
    tot[k].calls += s.calls;
    tot[k].us += s.us;
    tot[k].pg += s.pg;
    r[k] = s.us / s.calls;
  }
  per.push(`${Math.round(r.A!)}/${Math.round(r.B!)}`);
}
console.log('per round A/B µs:', per.join(' '));
for (const k of ['A', 'B'] as const) {
  const t = tot[k];
  console.log(
    `${k} ${trees[k]}: ${Math.round(t.calls / Number(rounds))} calls/s, ${Math.round(t.us / t.calls)} µs/call (this process), PostgreSQL ${Math.round(t.pg / t.calls)} µs/call`,
  );
}
await A.close();
await B.close();
