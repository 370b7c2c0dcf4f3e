// Drives one request scenario with autocannon (in this process, 50 connections): a warm-up, then a
// measured run of fixed length with the CPU of every party and the server's peak memory recorded.
import autocannon, { type RequestSpec, type Result } from 'autocannon';
import { measureCpu, round2, trackPeakRss, type CpuUse } from './machine.js';

export interface LoadSpec {
  url: string;
  method: 'GET' | 'POST';
  path: string;
  headers: Record<string, string>;
  /** A fresh request list per phase (the hooks may carry state such as the next coupon). */
  requests?: () => RequestSpec[];
  connections: number;
  warmupSeconds: number;
  seconds: number;
  serverPid: number;
  withPostgres: boolean;
  /** Called right before and right after the measured phase (e.g. to open a profiling window). */
  around?: { before(): Promise<void>; after(): Promise<void> };
}

export interface LoadFigures {
  /** Successful (2xx) answers per second of the measured phase. */
  rate: number;
  p50: number;
  p99: number;
  ok: number;
  /** Answers that were not 2xx, connection errors and timeouts, over both phases. */
  failures: { non2xx: number; errors: number; timeouts: number; statusCodes: Record<string, number> };
  seconds: number;
  cpu: CpuUse;
  peakRssMB: number;
}

function run(spec: LoadSpec, seconds: number): Promise<Result> {
  return Promise.resolve(
    autocannon({
      url: spec.url,
      connections: spec.connections,
      duration: seconds,
      method: spec.method,
      headers: spec.headers,
      timeout: 30, // seconds; a request slower than this counts as an error
      requests: spec.requests ? spec.requests() : [{ method: spec.method, path: spec.path }],
    }),
  );
}

function codes(r: Result): Record<string, number> {
  return Object.fromEntries(Object.entries(r.statusCodeStats).map(([k, v]) => [k, v.count]));
}

export async function runLoad(spec: LoadSpec): Promise<LoadFigures> {
  const statusCodes: Record<string, number> = {};
  const add = (r: Result) => {
    for (const [k, v] of Object.entries(codes(r))) statusCodes[k] = (statusCodes[k] ?? 0) + v;
  };
  let warm: Result | undefined;
  if (spec.warmupSeconds > 0) {
    warm = await run(spec, spec.warmupSeconds);
    add(warm);
  }
  await spec.around?.before();
  const stopCpu = measureCpu(spec.serverPid, spec.withPostgres);
  const stopRss = trackPeakRss(spec.serverPid);
  const result = await run(spec, spec.seconds);
  const cpu = stopCpu();
  const peakRssMB = stopRss();
  await spec.around?.after();
  add(result);
  const seconds = result.duration;
  return {
    rate: Math.round(result['2xx'] / seconds),
    p50: round2(result.latency.p50),
    p99: round2(result.latency.p99),
    ok: result['2xx'],
    failures: {
      non2xx: result.non2xx + (warm?.non2xx ?? 0),
      errors: result.errors + (warm?.errors ?? 0),
      timeouts: result.timeouts + (warm?.timeouts ?? 0),
      statusCodes,
    },
    seconds: round2(seconds),
    cpu,
    peakRssMB,
  };
}

/** Why a run does not count: answers that were not 2xx, errors or timeouts (undefined when it is clean). */
export function failureOf(f: LoadFigures): string | undefined {
  const { non2xx, errors, timeouts, statusCodes } = f.failures;
  if (non2xx + errors + timeouts === 0 && f.ok > 0) return undefined;
  if (f.ok === 0 && non2xx + errors + timeouts === 0) return 'no answers at all';
  return `${non2xx} non-2xx, ${errors} errors, ${timeouts} timeouts (status codes ${JSON.stringify(statusCodes)})`;
}
