// What the benchmark knows about the machine: its description, CPU time from /proc (machine, server,
// load generator, PostgreSQL), and a process's peak resident memory.
import fs from 'node:fs';
import os from 'node:os';

/** Clock ticks per second of /proc/stat and /proc/<pid>/stat (USER_HZ; 100 on every Linux that matters). */
export const HZ = 100;

export interface MachineInfo {
  cpuModel: string;
  cores: number;
  memoryGiB: number;
  node: string;
  os: string;
}

export function machineInfo(): MachineInfo {
  const cpus = os.cpus();
  let model = cpus[0]?.model.trim() ?? 'unknown';
  try {
    // os.cpus() says only "AMD EPYC" in some VMs; /proc/cpuinfo may add the model number.
    const line = /^model name\s*:\s*(.+)$/m.exec(fs.readFileSync('/proc/cpuinfo', 'utf8'));
    if (line?.[1] && line[1].trim().length > model.length) model = line[1].trim();
  } catch {
    // not Linux: keep os.cpus()
  }
  return {
    cpuModel: model,
    cores: cpus.length,
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    os: `${os.type()} ${os.release()}`,
  };
}

/** Busy and total ticks of the whole machine (all cores). */
function machineTicks(): { busy: number; total: number } {
  const line = fs.readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!;
  const v = line.trim().split(/\s+/).slice(1).map(Number);
  const total = v.slice(0, 8).reduce((a, b) => a + b, 0); // user … steal; guest is inside user
  const idle = (v[3] ?? 0) + (v[4] ?? 0); // idle + iowait
  return { busy: total - idle, total };
}

/** utime + stime of a process (all its threads), in ticks; 0 once it is gone. */
export function processTicks(pid: number): number {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]); // fields 14 and 15 of proc(5)
  } catch {
    return 0;
  }
}

/**
 * Ticks of a process and its live descendants (a `coupond serve` with COUPOND_PROCESSES > 1 is a primary
 * and its workers), through /proc/<pid>/task/<tid>/children; the process alone where that is missing.
 */
export function processTreeTicks(pid: number): number {
  let sum = processTicks(pid);
  let tasks: string[] = [];
  try {
    tasks = fs.readdirSync(`/proc/${pid}/task`);
  } catch {
    return sum;
  }
  for (const tid of tasks) {
    let children = '';
    try {
      children = fs.readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8');
    } catch {
      continue;
    }
    for (const child of children.split(' ').filter(Boolean)) sum += processTreeTicks(Number(child));
  }
  return sum;
}

/** Ticks used by every process named `postgres` (the cluster the PostgreSQL runs talk to, and its other users). */
export function postgresTicks(): number {
  let sum = 0;
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${name}/stat`, 'utf8');
      if (stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')) === 'postgres')
        sum += processTicks(Number(name));
    } catch {
      // the process ended between readdir and read
    }
  }
  return sum;
}

/** CPU used during a window, in cores (1.0 = one core busy for the whole window). */
export interface CpuUse {
  /** The server (or baseline) process under test. */
  server: number;
  /** This process: autocannon, or the raw-redeem driver. */
  loadGenerator: number;
  /** PostgreSQL processes (only measured on PostgreSQL runs). */
  postgres: number;
  /** Everything else on the machine: other people's work. Above ~0.1 core the figures are suspect. */
  other: number;
  /** Machine busy time over the window, as a share of all cores (0–1). */
  machineBusy: number;
}

/** Starts measuring CPU; the returned function ends the window and answers the use per party. */
export function measureCpu(serverPid: number | undefined, withPostgres: boolean): () => CpuUse {
  const t0 = process.hrtime.bigint();
  const m0 = machineTicks();
  const s0 = serverPid ? processTreeTicks(serverPid) : 0;
  const l0 = processTicks(process.pid);
  const p0 = withPostgres ? postgresTicks() : 0;
  return () => {
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    const m1 = machineTicks();
    const cores = (ticks: number) => Math.max(0, ticks / HZ / seconds);
    const server = serverPid ? cores(processTreeTicks(serverPid) - s0) : 0;
    const loadGenerator = cores(processTicks(process.pid) - l0);
    const postgres = withPostgres ? cores(postgresTicks() - p0) : 0;
    const busy = cores(m1.busy - m0.busy);
    const share = m1.total > m0.total ? (m1.busy - m0.busy) / (m1.total - m0.total) : 0;
    return {
      server: round2(server),
      loadGenerator: round2(loadGenerator),
      postgres: round2(postgres),
      other: round2(Math.max(0, busy - server - loadGenerator - postgres)),
      machineBusy: round2(share),
    };
  };
}

/** Other processes' CPU, in cores, over a short sample: used to wait for a quiet machine. */
export async function otherLoad(seconds: number, exclude: readonly number[]): Promise<number> {
  const m0 = machineTicks().busy;
  const ex0 = exclude.reduce((a, pid) => a + processTicks(pid), processTicks(process.pid));
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const ex1 = exclude.reduce((a, pid) => a + processTicks(pid), processTicks(process.pid));
  return round2(Math.max(0, (machineTicks().busy - m0 - (ex1 - ex0)) / HZ / seconds));
}

function statusKiB(pid: number, field: 'VmHWM' | 'VmRSS'): number {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/**
 * Tracks a process's peak resident memory over a window: resets the kernel's high-water mark (VmHWM)
 * when allowed (`echo 5 > clear_refs`), and polls VmRSS as well in case it is not. Answers MB (10^6
 * bytes, the unit of the targets).
 */
export function trackPeakRss(pid: number): () => number {
  try {
    fs.writeFileSync(`/proc/${pid}/clear_refs`, '5');
  } catch {
    // not permitted: the polled maximum still bounds the peak from below
  }
  let polled = statusKiB(pid, 'VmRSS');
  const timer = setInterval(() => {
    polled = Math.max(polled, statusKiB(pid, 'VmRSS'));
  }, 200);
  timer.unref();
  return () => {
    clearInterval(timer);
    const kib = Math.max(polled, statusKiB(pid, 'VmHWM'), statusKiB(pid, 'VmRSS'));
    return Math.round((kib * 1024) / 1e6);
  };
}

export function round2(n: number): number {
  return Math.round(n * 100) / 100;
}
