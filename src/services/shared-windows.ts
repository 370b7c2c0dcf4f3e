// Fixed windows of hits per subject (failed attempts, requests), counted by every server process of a
// fleet: each process counts in memory as the hits arrive and, every tick (SYNC_MS), adds what it counted
// to the database in one statement and reads what the other processes added. A process therefore sees its
// own hits at once and the others' within a tick: a limit of L holds fleet-wide to L plus what the other
// processes take in one tick. Without a fleet (SQLite, one process) the windows stay in memory only.
import type { Engine } from '../storage/database.js';
import type { ThrottleStore, WindowHits } from '../storage/throttle-store.js';

/** How often a process shares its counts and reads the fleet's. */
export const SYNC_MS = 250;
/** Subjects tracked at most per process; past it the oldest windows are dropped (a flood must not exhaust memory). */
const MAX_SUBJECTS = 100_000;
/** How often windows that ended are deleted from the database. */
const SWEEP_MS = 60_000;

export interface WindowState {
  /** Hits in the window, fleet-wide as far as this process knows. */
  hits: number;
  resetAt: number;
}

interface Entry {
  name: string;
  subject: string;
  resetAt: number;
  /** Hits of the whole fleet as last read from the database (this process's shared ones included). */
  shared: number;
  /** Hits counted here and not yet added to the database. */
  pending: number;
}

export interface SharedWindows {
  /** Counts `n` hits (a window of `windowMs` starts with the first) and answers the window. */
  add(name: string, subject: string, n: number, windowMs: number): WindowState;
  /** The subject's open window, if any. */
  get(name: string, subject: string): WindowState | undefined;
  /** Shares the pending counts and reads the fleet's now (the tick does it on its own). */
  sync(): Promise<void>;
  /** Stops the tick, after a last sync. */
  close(): Promise<void>;
}

/** Where the counts are shared: the database of a fleet (or of several processes on one SQLite file). */
export interface WindowSharing {
  engine: Engine;
  stores: { throttle: ThrottleStore };
  onError?: (e: unknown) => void;
}

/** Windows on the clock `now`, shared through `sharing`, or in this process's memory only without it. */
export function createSharedWindows(now: () => number, sharing?: WindowSharing): SharedWindows {
  const fleet = sharing !== undefined;
  const entries = new Map<string, Entry>();
  const keyOf = (name: string, subject: string): string => `${name}\u0000${subject}`;
  let lastRead = now() - SYNC_MS;
  let lastSweep = now();
  let running: Promise<void> | undefined;
  let failing = false;

  function open(name: string, subject: string, t: number): Entry | undefined {
    const e = entries.get(keyOf(name, subject));
    if (!e) return undefined;
    if (e.resetAt > t) return e;
    if (e.pending === 0 || !fleet) entries.delete(keyOf(name, subject));
    return undefined;
  }

  function adopt(name: string, subject: string, hits: number, resetAt: number): void {
    const key = keyOf(name, subject);
    const e = entries.get(key);
    if (e) {
      e.shared = hits;
      e.resetAt = resetAt;
    } else {
      if (entries.size >= MAX_SUBJECTS) return;
      entries.set(key, { name, subject, resetAt, shared: hits, pending: 0 });
    }
  }

  async function syncOnce(): Promise<void> {
    const t = now();
    const batch: WindowHits[] = [];
    const sent = new Map<string, number>();
    for (const [key, e] of entries) {
      if (e.pending > 0) {
        batch.push({ name: e.name, subject: e.subject, hits: e.pending, resetAt: e.resetAt, now: t });
        sent.set(key, e.pending);
      } else if (e.resetAt <= t) entries.delete(key);
    }
    const since = lastRead - SYNC_MS; // a tick of overlap: a row written while we read is seen next time
    const sweep = t - lastSweep >= SWEEP_MS;
    const { engine, stores } = sharing!;
    const { added, changed } = await engine.run(
      function* () {
        const added = batch.length > 0 ? yield* stores.throttle.add(batch) : [];
        const changed = yield* stores.throttle.changedSince(since, t);
        if (sweep) yield* stores.throttle.dropExpired(t);
        return { added, changed };
      },
      { write: batch.length > 0 || sweep },
    );
    lastRead = t;
    if (sweep) lastSweep = t;
    for (const [key, n] of sent) {
      const e = entries.get(key);
      if (e) e.pending = Math.max(0, e.pending - n);
    }
    for (const w of changed) adopt(w.name, w.subject, w.hits, w.resetAt);
    for (const w of added) adopt(w.name, w.subject, w.hits, w.resetAt);
  }

  async function sync(): Promise<void> {
    if (!fleet) return;
    while (running) await running;
    running = syncOnce()
      .then(() => {
        failing = false;
      })
      .catch((e: unknown) => {
        // Told once per outage, not four times a second: the counts wait in memory for the next tick.
        if (!failing) sharing?.onError?.(e);
        failing = true;
      })
      .finally(() => {
        running = undefined;
      });
    await running;
  }

  const timer = fleet ? setInterval(() => void sync(), SYNC_MS) : undefined;
  timer?.unref();

  return {
    add(name, subject, n, windowMs) {
      const t = now();
      let e = open(name, subject, t);
      if (!e) {
        if (entries.size >= MAX_SUBJECTS) {
          for (const k of entries.keys()) {
            entries.delete(k);
            if (entries.size < MAX_SUBJECTS * 0.9) break;
          }
        }
        e = { name, subject, resetAt: t + windowMs, shared: 0, pending: 0 };
        entries.set(keyOf(name, subject), e);
      }
      e.pending += n;
      return { hits: e.shared + e.pending, resetAt: e.resetAt };
    },
    get(name, subject) {
      const e = open(name, subject, now());
      return e && { hits: e.shared + e.pending, resetAt: e.resetAt };
    },
    sync,
    async close() {
      if (timer) clearInterval(timer);
      await sync();
    },
  };
}
