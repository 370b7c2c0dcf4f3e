// The shape of bench/results.json: what each scenario measured, per database, with the machine.
import type { CpuUse, MachineInfo } from './machine.js';
import type { SourceState } from './source.js';

export type DatabaseName = 'sqlite' | 'postgres';

/** One measured attempt; noisy scenarios are repeated and the quietest attempt is reported. */
export interface Attempt {
  rate: number;
  otherCores: number;
}

export interface ScenarioResult {
  name: string;
  /** The request scenario a row measures when the name does not say (`processes-N`: is_redeemable, redeem). */
  of?: string;
  database: DatabaseName;
  unit: 'req/s' | 'rows/s' | 'tx/s';
  /** Requests, rows or transactions per second. */
  rate?: number;
  p50?: number;
  p99?: number;
  /** Uploads: from the POST to FINISHED; request scenarios: the measured phase. */
  seconds?: number;
  rows?: number;
  peakRssMB?: number;
  cpu?: CpuUse;
  /**
   * CPU microseconds per request of the process under test: the server's for request rows (its cores over
   * the rate); for the limit rows (no server) the driver process's own.
   */
  cpuUsPerRequest?: number;
  /** The rate as a share of other scenarios' rates measured in the same run (baseline; raw-redeem; the small scale run). */
  ratios?: Ratio[];
  attempts?: Attempt[];
  /** Set when the scenario failed: non-2xx answers, errors, a job that did not finish. */
  error?: string;
  notes?: string[];
}

export interface Ratio {
  to: string;
  value: number;
}

export interface TargetCheck {
  target: string;
  measured: string;
  met: boolean | undefined;
}

export interface BenchResults {
  date: string;
  mode: 'full' | 'quick' | 'profile';
  machine: MachineInfo;
  /** The code measured, at the start and at the end of the run (they differ if src/ changed meanwhile). */
  source: { start: SourceState; end: SourceState };
  settings: {
    connections: number;
    warmupSeconds: number;
    seconds: number;
    uploadRows: number;
    scaleCoupons: number[];
  };
  scenarios: ScenarioResult[];
  targets: TargetCheck[];
}
