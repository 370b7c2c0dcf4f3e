// The benchmark's settings: `npm run bench` (full), `npm run bench:quick` (CI: seconds, small data), and
// the flags that narrow a run or add profiling.
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { Database } from './instance.js';

export const SCENARIOS = [
  'baseline',
  'limits',
  'is_redeemable',
  'redeem',
  'issue',
  'raw-redeem',
  'upload-codes',
  'upload-audience',
  'scale',
  'processes',
] as const;
export type ScenarioName = (typeof SCENARIOS)[number];

export interface Options {
  mode: 'full' | 'quick';
  databases: Database[];
  connections: number;
  warmupSeconds: number;
  seconds: number;
  uploadRows: number;
  /** An upload still running after this long is reported with its progress so far, as not met. */
  uploadTimeoutSeconds: number;
  /** Coupons already in the database for the two scale runs. */
  scaleCoupons: [number, number];
  only: ReadonlySet<ScenarioName>;
  /** A request scenario whose other-process CPU exceeds noiseCores is run again, up to this many times. */
  maxAttempts: number;
  noiseCores: number;
  /** Before each scenario, wait up to this long for other processes to go quiet. */
  quietWaitSeconds: number;
  /** Write a CPU profile of each measured phase of the servers into profileDir. */
  profile: boolean;
  /** Write the SQL each measured phase ran (statement counts and times) into profileDir. */
  sqlTrace: boolean;
  profileDir: string;
  keep: boolean;
  /** Where results go: bench/results.json only for a complete full run. */
  resultsFile: string;
}

const USAGE = `usage: tsx bench/run.ts --in-process [--seconds N]   (diagnostics without sockets)
       tsx bench/run.ts [--quick] [--only a,b] [--profile] [--sql-trace] [--profile-dir DIR] [--seconds N]
  [--warmup N] [--upload-rows N] [--attempts N] [--keep] [--sqlite-only]
scenarios: ${SCENARIOS.join(', ')}
PostgreSQL runs too when BENCH_DATABASE_URL is set (postgres://…; each instance uses a schema of its own).`;

export function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean' },
      only: { type: 'string' },
      profile: { type: 'boolean' },
      'sql-trace': { type: 'boolean' },
      'profile-dir': { type: 'string' },
      seconds: { type: 'string' },
      warmup: { type: 'string' },
      'upload-rows': { type: 'string' },
      attempts: { type: 'string' },
      keep: { type: 'boolean' },
      'sqlite-only': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  const quick = values.quick === true;
  const only = new Set<ScenarioName>();
  for (const name of values.only?.split(',').map((s) => s.trim()) ?? []) {
    if (!(SCENARIOS as readonly string[]).includes(name))
      throw new Error(`unknown scenario ${name}\n${USAGE}`);
    only.add(name as ScenarioName);
  }
  const num = (v: string | undefined, fallback: number) => (v === undefined ? fallback : Number(v));
  const pgUrl = process.env.BENCH_DATABASE_URL;
  const databases: Database[] = [{ kind: 'sqlite' }];
  if (pgUrl && !values['sqlite-only']) databases.push({ kind: 'postgres', url: pgUrl });
  const traced = values.profile === true || values['sql-trace'] === true;
  const complete = !quick && only.size === 0 && !traced;
  const profileDir = values['profile-dir'] ?? path.join(os.tmpdir(), 'coupond-bench-profiles');
  return {
    mode: quick ? 'quick' : 'full',
    databases,
    connections: 50,
    warmupSeconds: num(values.warmup, quick ? 1 : 5),
    seconds: num(values.seconds, quick ? 2 : 20),
    uploadRows: num(values['upload-rows'], quick ? 2_000 : 1_000_000),
    uploadTimeoutSeconds: quick ? 120 : 300,
    scaleCoupons: quick ? [1_000, 20_000] : [10_000, 5_000_000],
    only,
    maxAttempts: num(values.attempts, quick ? 1 : 3),
    noiseCores: 0.2,
    quietWaitSeconds: quick ? 0 : 30,
    profile: values.profile === true,
    sqlTrace: values['sql-trace'] === true,
    profileDir,
    keep: values.keep === true,
    resultsFile: complete
      ? path.resolve(import.meta.dirname, 'results.json')
      : path.join(
          values.profile ? profileDir : os.tmpdir(),
          `coupond-bench-${quick ? 'quick' : 'partial'}.json`,
        ),
  };
}

export const wants = (o: Options, name: ScenarioName): boolean => o.only.size === 0 || o.only.has(name);
