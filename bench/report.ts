// The printed table of a run, and the targets of issue 6 §3 checked against it.
import type { MachineInfo } from './machine.js';
import type { BenchResults, DatabaseName, ScenarioResult, TargetCheck } from './results.js';

const pct = (v: number) => `${Math.round(v * 100)} %`;

function find(results: readonly ScenarioResult[], db: DatabaseName, name: string) {
  return results.find((r) => r.database === db && r.name === name && r.error === undefined);
}

/** Issue 6 §3: met on the embedded default (SQLite); on PostgreSQL, redeem against raw-redeem. */
export function checkTargets(results: readonly ScenarioResult[]): TargetCheck[] {
  const checks: TargetCheck[] = [];
  const ratio = (db: DatabaseName, name: string, to: string, min: number, label: string) => {
    const v = find(results, db, name)?.ratios?.find((x) => x.to === to)?.value;
    checks.push({
      target: label,
      measured: v === undefined ? 'not measured' : pct(v),
      met: v === undefined ? undefined : v >= min,
    });
  };
  const p99 = (name: string) => {
    const r = find(results, 'sqlite', name);
    checks.push({
      target: `${name} p99 ≤ 20 ms (SQLite)`,
      measured: r?.p99 === undefined ? 'not measured' : `${r.p99} ms`,
      met: r?.p99 === undefined ? undefined : r.p99 <= 20,
    });
  };
  // Issue 17: against what a perfect server would reach, the HTTP edge and the database together.
  ratio(
    'sqlite',
    'redeem',
    'combined-limit',
    0.6,
    'redeem ≥ 60 % of 1/(1/baseline + 1/sqlite-limit) (SQLite)',
  );
  ratio(
    'sqlite',
    'is_redeemable',
    'combined-limit',
    0.6,
    'is_redeemable ≥ 60 % of 1/(1/baseline + 1/sqlite-limit-read) (SQLite)',
  );
  p99('redeem');
  p99('is_redeemable');
  const big = results.find(
    (r) => r.database === 'sqlite' && r.ratios?.some((x) => x.to.startsWith('scale-')),
  );
  const growth = big?.ratios?.find((x) => x.to.startsWith('scale-'));
  checks.push({
    target: 'scale: redeem with the large data ≥ 80 % of the small (SQLite)',
    measured: growth ? `${big!.name}: ${pct(growth.value)} of ${growth.to}` : 'not measured',
    met: growth ? growth.value >= 0.8 : undefined,
  });
  for (const [name, limit] of [
    ['upload-codes', 20],
    ['upload-audience', 40],
  ] as const) {
    const r = results.find((x) => x.database === 'sqlite' && x.name === name);
    const finished = r !== undefined && r.error === undefined;
    checks.push({
      target: `${name} ≤ ${limit} s, server peak RSS < 300 MB (SQLite)`,
      measured: r ? `${r.seconds} s${finished ? '' : ' (not finished)'}, ${r.peakRssMB} MB` : 'not measured',
      met: r ? finished && r.seconds! <= limit && r.peakRssMB! < 300 : undefined,
    });
  }
  // Issue 17: two processes beside one on this machine (the load generator shares its cores).
  for (const db of ['sqlite', 'postgres'] as const) {
    const two = results.find(
      (r) => r.database === db && r.name === 'processes-2' && r.of === 'is_redeemable',
    );
    if (!two && db === 'postgres') continue;
    const v = two?.error ? undefined : two?.ratios?.find((x) => x.to === 'processes-1')?.value;
    checks.push({
      target: `is_redeemable with COUPOND_PROCESSES=2 ≥ 1.4× one process (${db === 'sqlite' ? 'SQLite' : 'PostgreSQL'})`,
      measured: v === undefined ? 'not measured' : `${v}×`,
      met: v === undefined ? undefined : v >= 1.4,
    });
  }
  if (results.some((r) => r.database === 'postgres')) {
    ratio('postgres', 'redeem', 'raw-redeem', 0.5, 'redeem ≥ 50 % of raw-redeem (PostgreSQL)');
    ratio('postgres', 'redeem', 'pg-limit', 0.6, 'redeem ≥ 60 % of pg-limit (PostgreSQL)');
    ratio(
      'postgres',
      'is_redeemable',
      'pg-limit-read',
      0.6,
      'is_redeemable ≥ 60 % of pg-limit-read (PostgreSQL)',
    );
    for (const name of ['redeem', 'is_redeemable']) {
      const r = find(results, 'postgres', name);
      checks.push({
        target: `${name} p99 ≤ 50 ms (PostgreSQL, 50 connections)`,
        measured: r?.p99 === undefined ? 'not measured' : `${r.p99} ms`,
        met: r?.p99 === undefined ? undefined : r.p99 <= 50,
      });
    }
    // Issue 17 item 2: the server's CPU per is_redeemable on PostgreSQL against the SQLite path's, same run.
    const pgCpu = find(results, 'postgres', 'is_redeemable')?.cpuUsPerRequest;
    const sqliteCpu = find(results, 'sqlite', 'is_redeemable')?.cpuUsPerRequest;
    const cpuRatio = pgCpu && sqliteCpu ? pgCpu / sqliteCpu : undefined;
    checks.push({
      target: 'server CPU per is_redeemable ≤ 1.5× the SQLite path (PostgreSQL)',
      measured:
        cpuRatio === undefined ? 'not measured' : `${pgCpu} / ${sqliteCpu} µs = ${cpuRatio.toFixed(2)}×`,
      met: cpuRatio === undefined ? undefined : cpuRatio <= 1.5,
    });
  }
  return checks;
}

function pad(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ')).join('\n');
}

export function formatTable(results: readonly ScenarioResult[]): string {
  const head = [
    'db',
    'scenario',
    'rate',
    'ratio',
    'p50 ms',
    'p99 ms',
    'peak RSS MB',
    'CPU srv/gen/pg/other',
    'srv CPU µs/req',
    'attempts (other)',
    'status',
  ];
  const rows = results.map((r) => [
    r.database,
    r.of ? `${r.name} (${r.of})` : r.name,
    r.rate === undefined
      ? ''
      : `${r.rate} ${r.unit}${r.seconds !== undefined && r.unit === 'rows/s' ? ` (${r.seconds} s)` : ''}`,
    (r.ratios ?? []).map((x) => `${pct(x.value)} of ${x.to}`).join(', '),
    r.p50 === undefined ? '' : String(r.p50),
    r.p99 === undefined ? '' : String(r.p99),
    r.peakRssMB === undefined ? '' : String(r.peakRssMB),
    r.cpu ? `${r.cpu.server}/${r.cpu.loadGenerator}/${r.cpu.postgres}/${r.cpu.other}` : '',
    r.cpuUsPerRequest === undefined ? '' : String(r.cpuUsPerRequest),
    r.attempts ? r.attempts.map((a) => `${a.rate}(${a.otherCores})`).join(' ') : '',
    r.error ? `FAILED: ${r.error}` : 'ok',
  ]);
  return pad([head, ...rows]);
}

function describeSource(out: BenchResults): string {
  const { start, end } = out.source;
  const text = `commit ${start.commit}${start.uncommitted ? ` + ${start.uncommitted} changed files in src/` : ''}, src/ hash ${start.srcHash}`;
  return start.srcHash === end.srcHash
    ? text
    : `${text}; WARNING: src/ changed during the run (now ${end.srcHash})`;
}

export function formatReport(out: BenchResults): string {
  const m: MachineInfo = out.machine;
  const lines = [
    `coupond benchmark (${out.mode}), ${out.date}`,
    `machine: ${m.cpuModel}, ${m.cores} cores, ${m.memoryGiB} GiB, Node ${m.node}, ${m.os}`,
    `code: ${describeSource(out)}`,
    `${out.settings.connections} connections, ${out.settings.warmupSeconds} s warm-up + ${out.settings.seconds} s per request scenario; CPU in cores`,
    '',
    formatTable(out.scenarios),
    '',
    'targets (issue 6 §3):',
    ...out.targets.map(
      (t) => `  [${t.met === undefined ? ' ' : t.met ? 'x' : '!'}] ${t.target}: ${t.measured}`,
    ),
  ];
  for (const r of out.scenarios)
    for (const n of r.notes ?? []) lines.push(`  note ${r.database}/${r.name}: ${n}`);
  return lines.join('\n');
}
