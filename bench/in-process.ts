// `npm run bench -- --in-process`: where a request's time goes, without sockets or a load generator.
// coupond and a bare Fastify route run in this process and are called through Fastify's `inject` (and
// the services directly, with no HTTP at all), 10 callers at a time, on the embedded SQLite default.
// Each line reports calls per second and CPU microseconds per call (process.cpuUsage: every thread,
// the checkpointer's included), and for redemptions the time inside the write transaction itself (those
// lines run each transaction on its own, as before group commit, so that it can be timed).
// The last two lines touch memory between redemptions, to show how much of a transaction's cost is the
// CPU caches it finds cold. Diagnostics for BENCHMARKS.md: nothing here is a target.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import Fastify from 'fastify';
import { buildApp, type App } from '../src/app.js';
import { configFrom } from '../src/config.js';
import { machineInfo } from './machine.js';
import { asNewClient, benchEnv } from './inject-kit.js';
import { openSeeder, type Issued } from './seed.js';

interface Line {
  name: string;
  perSecond: number;
  cpuMicros: number;
  txnMicros?: number;
}

const CALLERS = 10;

/** Runs `call` from CALLERS concurrent loops for `seconds` after a one-second warm-up. */
async function measure(
  name: string,
  seconds: number,
  call: () => Promise<void>,
  txn?: { reset(): void; mean(): number },
): Promise<Line> {
  const loop = async (until: number) => {
    let n = 0;
    while (performance.now() < until) {
      await call();
      n++;
    }
    return n;
  };
  await Promise.all(Array.from({ length: CALLERS }, () => loop(performance.now() + 1000)));
  txn?.reset();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const counts = await Promise.all(Array.from({ length: CALLERS }, () => loop(t0 + seconds * 1000)));
  const cpu = process.cpuUsage(cpu0);
  const calls = counts.reduce((a, b) => a + b, 0);
  const elapsed = (performance.now() - t0) / 1000;
  return {
    name,
    perSecond: Math.round(calls / elapsed),
    cpuMicros: Math.round(((cpu.user + cpu.system) / calls) * 10) / 10,
    ...(txn ? { txnMicros: Math.round(txn.mean() * 10) / 10 } : {}),
  };
}

/**
 * Runs each write transaction on its own, synchronously (as SQLite served them before group commit), and
 * times it; `grouped` switches back to the engine's group commit, which cannot be timed per script.
 */
function timeWriteTransactions(app: App): { reset(): void; mean(): number; grouped(on: boolean): void } {
  const engine = app.engine as { run: App['engine']['run'] };
  const run = engine.run.bind(app.engine);
  const runSync = app.engine.runSync!.bind(app.engine);
  let grouped = false;
  let total = 0;
  let count = 0;
  engine.run = (script, options) => {
    if (grouped || !options?.write) return run(script, options);
    const t0 = performance.now();
    try {
      return Promise.resolve(runSync(script, options));
    } catch (e) {
      // runSync waits only a few ms for a lock the checkpointer thread holds (storage/sqlite-engine.ts);
      // the engine's own run retries from a timer, so a busy file costs this line a timing, not the run.
      if ((e as { code?: string }).code === 'SQLITE_BUSY') return run(script, options);
      return Promise.reject(e as Error);
    } finally {
      total += performance.now() - t0;
      count++;
    }
  };
  return {
    reset: () => {
      total = 0;
      count = 0;
    },
    mean: () => (count === 0 ? 0 : (total / count) * 1000),
    grouped: (on) => {
      grouped = on;
    },
  };
}

async function bareRoute(seconds: number): Promise<Line> {
  const bare = Fastify({ logger: false });
  bare.get('/health', async () => ({ status: 'ok' }));
  await bare.ready();
  try {
    return await measure('bare Fastify route (the reference)', seconds, async () => {
      const r = await bare.inject({ method: 'GET', url: '/health', headers: { authorization: 'Basic x' } });
      if (r.statusCode !== 200) throw new Error(`bare route: ${r.statusCode}`);
    });
  } finally {
    await bare.close();
  }
}

export async function runInProcess(seconds: number): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'coupond-in-process-'));
  const lines: Line[] = [await bareRoute(seconds)];
  const app = await buildApp(configFrom(benchEnv(dir)));
  const seeder = openSeeder({ dataDir: dir });
  try {
    const { client, inject } = await asNewClient(app);
    const series = await inject('POST', '/v2/coupon/series', {
      description: 'in-process',
      discountCode: 'BENCH10',
      discountType: 'ABS',
      discountValue: 10,
      clientHandlingType: 'DISC_CODE',
      validTillDate: '2030-12-31', // the seeder's coupons carry this date
      expiryStrategyType: 'SERIES_EXPIRY',
      anyUser: false,
      smsTemplate: '',
      isSMSDisabled: true,
    });
    const principal = await app.services.auth.authenticateBasic(client.key, client.secret);
    // Fresh pre-issued coupons, seeded before each redemption line so that seeding is not measured.
    let seeded = 0;
    const fresh: Issued[] = [];
    const stock = async (n: number): Promise<void> => {
      if (fresh.length >= n) return;
      const more = await seeder.issue(client.orgId, series.id, seeded, n - fresh.length);
      seeded += more.length;
      fresh.push(...more);
      // Start the measurement with the WAL copied back, as a server in steady state has it: a long WAL
      // makes every page read search a larger WAL index.
      const db = new BetterSqlite3(path.join(dir, 'coupond.db'));
      try {
        db.pragma('wal_checkpoint(TRUNCATE)');
      } finally {
        db.close();
      }
    };
    const next = (): Issued => {
      const c = fresh.pop();
      if (!c) throw new Error('in-process: ran out of seeded coupons');
      return c;
    };
    const enough = (perSecond: number) => perSecond * (seconds + 2);
    const [checked] = await seeder.issue(client.orgId, series.id, 10_000_000, 1);
    const checkUrl = `/v2/coupon/is_redeemable?mobile=${checked!.mobile}&code=${checked!.code}`;
    const txn = timeWriteTransactions(app);
    let bill = 0;
    const scratch = new Uint8Array(4 << 20);
    const redeemOverHttp = async () => {
      const c = next();
      await inject('POST', '/v2/coupon/redeem', {
        billAmount: '2000',
        transactionNumber: `IP${++bill}`,
        user: { mobile: c.mobile },
        redemptionRequestList: [{ code: c.code }],
      });
    };
    const redeemService = async (touchBytes: number) => {
      const c = next();
      for (let i = 0; i < touchBytes; i += 64) scratch[i] = (scratch[i]! + 1) & 255;
      await app.services.redemption.redeem(principal, {
        ref: { mobile: c.mobile },
        codes: [{ code: c.code }],
        bill: undefined,
        billNumber: `IP${++bill}`,
        at: undefined,
        holdId: null,
        allowPartial: false,
        tillId: null,
      });
    };

    lines.push(
      await measure('coupond GET /health (every global hook)', seconds, () => inject('GET', '/health')),
      await measure('coupond GET /v2/org/settings (plus authentication)', seconds, () =>
        inject('GET', '/v2/org/settings'),
      ),
      await measure('coupond is_redeemable', seconds, () => inject('GET', checkUrl)),
      await measure('check service alone, no HTTP', seconds, async () => {
        await app.services.redemption.check(principal, {
          ref: { mobile: checked!.mobile },
          codes: [{ code: checked!.code }],
          bill: undefined,
          billNumber: null,
          at: undefined,
          tillId: null,
        });
      }),
    );
    await stock(enough(8_000));
    txn.grouped(true);
    lines.push(await measure('coupond redeem (group commit, as served)', seconds, redeemOverHttp));
    txn.grouped(false);
    await stock(enough(5_000));
    lines.push(await measure('coupond redeem, one transaction each', seconds, redeemOverHttp, txn));
    for (const [name, bytes] of [
      ['redeem service alone, no HTTP', 0],
      ['redeem service, 1 MB touched between calls', 1 << 20],
      ['redeem service, 4 MB touched between calls', 4 << 20],
    ] as const) {
      await stock(enough(20_000));
      lines.push(await measure(name, seconds, () => redeemService(bytes), txn));
    }
    await stock(enough(30_000));
    txn.grouped(true);
    lines.push(await measure('redeem service alone, group commit', seconds, () => redeemService(0)));
  } finally {
    await seeder.close();
    await app.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }

  const m = machineInfo();
  const reference = lines[0]!.cpuMicros;
  const rows = lines.map((l) => [
    l.name,
    `${l.perSecond}/s`,
    `${l.cpuMicros} µs`,
    `${(l.cpuMicros / reference).toFixed(1)}×`,
    l.txnMicros === undefined ? '' : `${l.txnMicros} µs`,
  ]);
  const header = ['call (10 callers, through inject or direct)', 'rate', 'CPU/call', 'vs bare', 'write txn'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const format = (r: string[]) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ');
  process.stdout.write(
    [
      `coupond in-process diagnostics, ${new Date().toISOString()}`,
      `machine: ${m.cpuModel}, ${m.cores} cores, ${m.memoryGiB} GiB, Node ${m.node}, ${m.os}`,
      `${seconds} s per line after a 1 s warm-up; SQLite`,
      '',
      format(header),
      ...rows.map(format),
      '',
    ].join('\n'),
  );
}
