// Measuring on a shared machine: wait for other processes to go quiet, repeat a run they disturbed, and
// keep the quietest attempt; and profiling windows around the measured phase.
import { failureOf, type LoadFigures } from './load.js';
import { otherLoad } from './machine.js';
import type { Options } from './options.js';
import { hookWindow, type Hooks, type Running } from './processes.js';
import type { Attempt } from './results.js';

/** Waits (up to quietWaitSeconds) until processes other than `pids` and this one use ≤ noiseCores. */
export async function waitForQuiet(o: Options, pids: readonly number[]): Promise<number> {
  const deadline = Date.now() + o.quietWaitSeconds * 1000;
  for (;;) {
    if (o.quietWaitSeconds <= 0) return 0;
    const other = await otherLoad(2, pids);
    if (other <= o.noiseCores || Date.now() >= deadline) return other;
  }
}

/** Runs `attempt` until one is quiet (other CPU ≤ noiseCores) or attempts run out; answers the quietest. */
export async function quietest(
  o: Options,
  pids: readonly number[],
  attempt: (n: number) => Promise<LoadFigures>,
): Promise<{ best: LoadFigures; attempts: Attempt[] }> {
  const attempts: Attempt[] = [];
  let best: LoadFigures | undefined;
  for (let n = 1; n <= o.maxAttempts; n++) {
    await waitForQuiet(o, pids);
    const f = await attempt(n);
    attempts.push({ rate: f.rate, otherCores: f.cpu.other });
    if (failureOf(f)) return { best: f, attempts };
    if (!best || f.cpu.other < best.cpu.other) best = f;
    if (f.cpu.other <= o.noiseCores) break;
  }
  return { best: best!, attempts };
}

/** before/after callbacks that open and close a profiling window named `label` (no-ops without hooks). */
export function profiled(server: Running, hooks: Hooks | undefined, label: string) {
  return hooks
    ? {
        before: () => hookWindow(server, hooks, label, 'opened'),
        after: () => hookWindow(server, hooks, label, 'closed'),
      }
    : undefined;
}
