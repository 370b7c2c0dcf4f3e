// `npm run bench` / `npm run bench:quick`: runs every scenario on SQLite (and on PostgreSQL when
// BENCH_DATABASE_URL is set), prints the table and the targets, writes the results file, and exits 1
// when a scenario failed (non-2xx answers, errors, an upload that did not finish).
import fs from 'node:fs';
import path from 'node:path';
import { instances, type Database, type Instances } from './instance.js';
import { runLoad } from './load.js';
import { machineInfo } from './machine.js';
import { profiled, quietest } from './measure.js';
import { parseOptions, wants, type Options } from './options.js';
import { startBaseline, type Hooks } from './processes.js';
import { summariseFile } from './profile-summary.js';
import { checkTargets, formatReport } from './report.js';
import type { BenchResults, ScenarioResult } from './results.js';
import { ratio, runMain, toResult } from './scenarios/main.js';
import { baselineSpec } from './scenarios/requests.js';
import { runLimits } from './scenarios/limits.js';
import { runProcesses } from './scenarios/processes.js';
import { runScale } from './scenarios/scale.js';
import { runUpload } from './scenarios/uploads.js';
import { sourceState } from './source.js';
import { runInProcess } from './in-process.js';

const t0 = performance.now();
const log = (line: string) =>
  process.stderr.write(`bench ${((performance.now() - t0) / 1000).toFixed(0)}s: ${line}\n`);

/** Runs `fn`; a failure becomes a failed result instead of ending the run. */
async function guarded(
  name: string,
  database: Database['kind'],
  fn: () => Promise<ScenarioResult[]>,
): Promise<ScenarioResult[]> {
  log(`${database} ${name} …`);
  try {
    const results = await fn();
    for (const r of results)
      log(`${database} ${r.name}: ${r.rate ?? '-'} ${r.unit}${r.error ? ` FAILED: ${r.error}` : ''}`);
    return results;
  } catch (e) {
    log(`${database} ${name} FAILED: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    return [{ name, database, unit: 'req/s', error: e instanceof Error ? e.message : String(e) }];
  }
}

async function runBaseline(
  o: Options,
  database: Database,
  hooks: Hooks | undefined,
): Promise<ScenarioResult[]> {
  const server = await startBaseline(hooks);
  try {
    const auth = `Basic ${Buffer.from('bench:baseline').toString('base64')}`;
    const spec = baselineSpec(o, server, auth, database.kind === 'postgres');
    const { best, attempts } = await quietest(o, [server.pid], (n) =>
      runLoad({ ...spec, around: profiled(server, hooks, `${database.kind}-baseline-${n}`) }),
    );
    return [toResult('baseline', database.kind, best, attempts)];
  } finally {
    await server.stop();
  }
}

async function runDatabase(
  o: Options,
  database: Database,
  hooks: Hooks | undefined,
): Promise<ScenarioResult[]> {
  const db = database.kind;
  const results: ScenarioResult[] = [];
  const requests = ['is_redeemable', 'redeem', 'issue', 'raw-redeem'] as const;
  if (wants(o, 'baseline') || requests.some((s) => wants(o, s)))
    results.push(...(await guarded('baseline', db, () => runBaseline(o, database, hooks))));
  if (wants(o, 'limits')) results.push(...(await guarded('limits', db, () => runLimits(o, database))));
  const baseline = results.find((r) => r.name === 'baseline' && !r.error)?.rate;
  // Full runs give every part a fresh store and server; quick runs share one to save start-ups.
  const pool: Instances = instances(database, {
    ...(hooks ? { hooks } : {}),
    keep: o.keep,
    shared: o.mode === 'quick',
  });
  try {
    if (requests.some((s) => wants(o, s)))
      results.push(...(await guarded('main', db, () => runMain(o, pool, baseline))));
    for (const kind of ['upload-codes', 'upload-audience'] as const) {
      if (!wants(o, kind)) continue;
      results.push(
        ...(await guarded(kind, db, async () => {
          const { inst, release } = await pool.acquire(kind);
          try {
            return [await runUpload(o, inst, kind)];
          } finally {
            await release(); // a fresh instance's close also ends a job still running after the timeout
          }
        })),
      );
    }
    if (wants(o, 'scale')) results.push(...(await guarded('scale', db, () => runScale(o, pool, baseline))));
    if (wants(o, 'processes'))
      results.push(...(await guarded('processes', db, () => runProcesses(o, database))));
  } finally {
    await pool.closeAll();
  }
  return results;
}

/**
 * Ratios to the baseline use the quietest baseline of the run (least other-process CPU): the baseline
 * needs no database, and a disturbed one would flatter every ratio.
 */
function useQuietestBaseline(scenarios: ScenarioResult[]): void {
  const quiet = scenarios
    .filter((r) => r.name === 'baseline' && !r.error && r.rate && r.cpu)
    .sort((a, b) => a.cpu!.other - b.cpu!.other)[0];
  if (!quiet?.rate) return;
  quiet.notes = [
    ...(quiet.notes ?? []),
    'the reference of every ratio to baseline (the quietest baseline run)',
  ];
  for (const r of scenarios) {
    if (!r.rate || !r.ratios) continue;
    r.ratios = r.ratios.map((x) => (x.to === 'baseline' ? ratio(r.rate!, quiet.rate!, 'baseline') : x));
  }
}

/**
 * Issue 17: server CPU per request on every request row, and the rates beside the limits of the same run:
 * PostgreSQL redeem as a share of pg-limit and is_redeemable of pg-limit-read; on SQLite both as a share
 * of 1 / (1/baseline + 1/limit), the HTTP edge and the database together ("combined-limit").
 */
function addLimitRatios(scenarios: ScenarioResult[]): void {
  const rateOf = (db: string, name: string) =>
    scenarios.find((r) => r.database === db && r.name === name && !r.error)?.rate;
  for (const r of scenarios) {
    if (r.cpuUsPerRequest === undefined && r.cpu && r.rate && r.unit === 'req/s')
      r.cpuUsPerRequest = Math.round((r.cpu.server / r.rate) * 1e6);
    if (!r.rate || r.error || (r.name !== 'redeem' && r.name !== 'is_redeemable')) continue;
    const limitName = r.name === 'redeem' ? 'limit' : 'limit-read';
    if (r.database === 'postgres') {
      const limit = rateOf('postgres', `pg-${limitName}`);
      if (limit) r.ratios = [...(r.ratios ?? []), ratio(r.rate, limit, `pg-${limitName}`)];
    } else {
      const limit = rateOf('sqlite', `sqlite-${limitName}`);
      // The baseline every ratio uses (useQuietestBaseline), else this database's.
      const baseline =
        scenarios.find((b) => b.name === 'baseline' && b.notes?.some((n) => n.startsWith('the reference')))
          ?.rate ?? rateOf('sqlite', 'baseline');
      if (limit && baseline)
        r.ratios = [...(r.ratios ?? []), ratio(r.rate, 1 / (1 / baseline + 1 / limit), 'combined-limit')];
    }
  }
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args[0] === '--in-process') {
    // Diagnostics (BENCHMARKS.md, "Where the time goes"): its own flags, `--seconds N` only.
    const at = args.indexOf('--seconds');
    await runInProcess(at > 0 ? Number(args[at + 1]) : 5);
    return;
  }
  const o = parseOptions(args);
  let hooks: Hooks | undefined;
  if (o.profile || o.sqlTrace) {
    fs.mkdirSync(o.profileDir, { recursive: true });
    for (const f of fs.readdirSync(o.profileDir))
      if (/\.(opened|closed)$|^label$/.test(f)) fs.rmSync(path.join(o.profileDir, f));
    hooks = { dir: o.profileDir, profile: o.profile, sql: o.sqlTrace };
  }
  const started = new Date();
  const sourceAtStart = sourceState();
  const scenarios: ScenarioResult[] = [];
  for (const database of o.databases) scenarios.push(...(await runDatabase(o, database, hooks)));
  useQuietestBaseline(scenarios);
  addLimitRatios(scenarios);
  const out: BenchResults = {
    date: started.toISOString(),
    mode: hooks ? 'profile' : o.mode,
    machine: machineInfo(),
    source: { start: sourceAtStart, end: sourceState() },
    settings: {
      connections: o.connections,
      warmupSeconds: o.warmupSeconds,
      seconds: o.seconds,
      uploadRows: o.uploadRows,
      scaleCoupons: o.scaleCoupons,
    },
    scenarios,
    targets: checkTargets(scenarios),
  };
  fs.writeFileSync(o.resultsFile, `${JSON.stringify(out, null, 2)}\n`);
  process.stdout.write(`${formatReport(out)}\n\nresults: ${o.resultsFile}\n`);
  if (hooks) {
    for (const f of fs
      .readdirSync(o.profileDir)
      .filter((f) => f.endsWith('.cpuprofile'))
      .sort())
      summariseFile(path.join(o.profileDir, f));
    process.stdout.write(`profiles and their summaries (*.cpuprofile.md, *.sql.json): ${o.profileDir}\n`);
  }
  const failed = scenarios.filter((r) => r.error);
  if (failed.length > 0) {
    process.stderr.write(
      `bench: ${failed.length} scenario(s) failed: ${failed.map((r) => `${r.database}/${r.name}`).join(', ')}\n`,
    );
    process.exitCode = 1;
  }
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    process.stderr.write(`bench: ${signal}: stopping the servers\n`);
    process.exit(130); // the exit handler of processes.ts kills every child
  });
}

main().catch((e: unknown) => {
  process.stderr.write(`bench: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
