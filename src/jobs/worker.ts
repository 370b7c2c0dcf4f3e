// The one worker loop for every kind of background job: claim → run → record. A claim takes a lease that
// a heartbeat renews while the job runs; a job whose server died is claimed again once its lease runs out,
// or at once by the same server restarted (its identity, see WorkerOptions.identity).
// stop() interrupts the running job at its next checkpoint, waits for it, and hands it back to the queue.
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import v8 from 'node:v8';
import type { Logger } from 'pino';
import { CouponError } from '../domain/errors.js';
import type { Services } from '../services/index.js';
import { LeaseLost } from '../services/upload-rows.js';
import type { Engine } from '../storage/database.js';
import { pgFault } from '../storage/pg-faults.js';
import { createJobStore, type Job, type JobLease } from '../storage/job-store.js';
import type { Script } from '../storage/script.js';
import { createHandlers, type Handlers } from './handlers.js';
import { JobFailure, type JobContext, type JobHandler, type JobProgress } from './job.js';
import type { BatchSizes } from './upload-run.js';

export interface WorkerOptions {
  /**
   * A name this server keeps across restarts (host name:HOST:PORT, or COUPOND_WORKER_ID). The worker's owner name is
   * `identity#<random per process>`, and a job leased by an earlier process of the same identity (which
   * can only be dead: one address and port serve one process) is taken back at once, without waiting out the
   * lease. Without it, the owner name is unique to this process and nothing is taken back early.
   */
  identity?: string;
  /** This worker's name in the job table (default identity#random, or host:pid:random#random). */
  owner?: string;
  /** How long a claim lasts without renewal; after that, another worker may take the job over. */
  leaseMs?: number;
  /** How often the lease is renewed while a job runs (well inside leaseMs). */
  heartbeatMs?: number;
  /** How long the loop sleeps when the queue is empty (an upload in this process wakes it at once). */
  idleMs?: number;
  /** Failed runs after which a job is given up. */
  maxAttempts?: number;
  batchSizes?: Partial<BatchSizes>;
  /** Called after each checkpoint a job reports (tests stop a worker mid-job with it). */
  onProgress?: (job: { orgId: number; jobId: number; kind: string }, progress: JobProgress) => void;
}

export interface WorkerDeps {
  engine: Engine;
  services: Services;
  logger: Logger;
  /** Defaults to the registry of handlers.ts; tests may pass their own. */
  handlers?: Handlers;
}

export interface Worker {
  readonly owner: string;
  /** Checks that every queued kind has a handler (else throws: fail at boot), then starts the loop. */
  start(): Promise<void>;
  /**
   * Stops the loop; the running job stops at its next checkpoint and is awaited. With `release` (the
   * default) the job goes back to the queue at once; without, its lease is left to run out, as if this
   * process had died.
   */
  stop(options?: { release?: boolean }): Promise<void>;
  /** Ends the idle wait: there may be a job. */
  wake(): void;
  /** Claims and runs one job, if any is runnable; true when it ran one. */
  runOnce(): Promise<boolean>;
}

/**
 * The lease (COUPOND_JOB_LEASE_SECONDS): a heartbeat renews it every quarter of it, and every batch
 * transaction renews it too, so it only has to outlast a stalled heartbeat; another server takes a dead
 * one's job over once it runs out.
 */
const DEFAULT_LEASE_MS = 15_000;
const DEFAULT_IDLE_MS = 1_000;
const DEFAULT_MAX_ATTEMPTS = 5;
/** Retry delay after the n-th failure: 2^n seconds, at most five minutes. */
const backoffMs = (attempt: number): number => Math.min(300_000, 1000 * 2 ** attempt);

/**
 * Once a worker runs in the process, the old generation may grow only this much past what survived the
 * last full GC (V8 otherwise lets it grow up to 4x). A million-row upload promotes a steady trickle of
 * short-lived batch objects; with V8's default the heap fills with ~120 MB of garbage between full
 * collections and the server's peak RSS passes 300 MB; at 25 % it stays near 250 MB, for more (short,
 * incremental) full collections. V8 reads the flag at every collection. Set for the whole process, not
 * per job: the limit in force when a job starts was computed at the last collection before it.
 */
const JOB_HEAP_GROWING_PERCENT = 25;

/** The loop's pause after n claims failed in a row (the database is away): doubling, at most 5 s. */
const MAX_CLAIM_BACKOFF_MS = 5_000;
const claimBackoffMs = (failures: number, idleMs: number): number =>
  Math.min(MAX_CLAIM_BACKOFF_MS, Math.max(idleMs, 250 * 2 ** (failures - 1)));

/** A job that failed because the database connection was cut (storage/pg-faults.ts), whatever wraps it. */
function connectionFault(e: unknown): boolean {
  for (let x: unknown = e, depth = 0; x && depth < 5; x = (x as { cause?: unknown }).cause, depth++) {
    if (pgFault(x) === 'connection') return true;
  }
  return false;
}

const messageOf = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** A full disk: a result file that could not be written (ENOSPC), the database that could not grow. */
function diskFull(e: unknown): boolean {
  if (e instanceof CouponError) return e.reason === 'StorageFull';
  const code = (e as { code?: unknown } | null)?.code;
  return code === 'ENOSPC' || code === 'EDQUOT' || code === 'SQLITE_FULL';
}

/** Creates a worker (not started). */
export function createWorker(deps: WorkerDeps, options: WorkerOptions = {}): Worker {
  const { engine, logger } = deps;
  const handlers: Handlers =
    deps.handlers ?? createHandlers({ services: deps.services, batchSizes: options.batchSizes ?? {} });
  const kinds = Object.keys(handlers);
  const jobs = createJobStore(engine, kinds);
  const identity = options.identity ?? `${os.hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
  const owner = options.owner ?? `${identity}#${randomBytes(6).toString('hex')}`;
  /** Leases of this identity's earlier processes: `identity#`. */
  const mine = options.owner === undefined ? `${identity}#` : `${owner}#`;
  const leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
  const heartbeatMs = options.heartbeatMs ?? Math.max(50, Math.floor(leaseMs / 4));
  const idleMs = options.idleMs ?? DEFAULT_IDLE_MS;
  const maxAttempts = options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;

  let loop: Promise<void> | undefined;
  let stopping = false;
  let release = true;
  let running: AbortController | undefined;
  let wakeUp: (() => void) | undefined;

  const handlerFor = (kind: string): JobHandler<unknown> | undefined =>
    Object.hasOwn(handlers, kind) ? (handlers[kind as keyof Handlers] as JobHandler<unknown>) : undefined;

  async function record(what: string, script: () => Script<boolean>): Promise<void> {
    try {
      if (!(await engine.run(script, { write: true })))
        logger.warn({ owner, what }, 'job: lease already lost; nothing recorded');
    } catch (e) {
      logger.error({ err: e, owner, what }, 'job: could not record the outcome');
    }
  }

  async function runJob(job: Job): Promise<void> {
    const lease: JobLease = { org: job.orgId, id: job.id, owner };
    const meta = { orgId: lease.org, jobId: lease.id, kind: job.kind };
    const controller = new AbortController();
    running = controller;
    // stop() came while this job was being claimed: run it only up to its first checkpoint.
    if (stopping) controller.abort(new Error('worker stopping'));
    const log = logger.child({ job: lease.id, kind: job.kind, org: lease.org });
    const heartbeat = setInterval(() => {
      engine
        .run(() => jobs.renew(lease, Date.now() + leaseMs, Date.now()), { write: true })
        .then((held) => {
          if (!held) controller.abort(new LeaseLost(`job ${lease.id}`));
        })
        .catch((e: unknown) => log.warn({ err: e }, 'job: heartbeat failed'));
    }, heartbeatMs);
    heartbeat.unref();

    const handler = handlerFor(job.kind)!;
    const ctx: JobContext = {
      ...meta,
      attempt: job.attempts,
      fence: { ...lease, leaseUntil: () => Date.now() + leaseMs },
      signal: controller.signal,
      logger: log,
      reportProgress: (progress) => options.onProgress?.(meta, progress),
    };
    let payload: unknown;
    try {
      log.info({ attempt: ctx.attempt }, 'job: started');
      payload = handler.parse(JSON.parse(job.payload));
      // Claims count as attempts until they end: a job that takes its server down every time stops here.
      if (ctx.attempt > maxAttempts * 2)
        throw new JobFailure(`gave up after ${ctx.attempt - 1} runs that never ended (did the server die?)`);
      const outcome = await handler.run(payload, ctx);
      if (outcome === 'done') {
        await record('done', () => jobs.complete(lease, Date.now()));
        log.info('job: done');
      } else if (controller.signal.reason instanceof LeaseLost) {
        log.warn('job: lease lost to another worker; left to it');
      } else if (release) {
        await record('released', () => jobs.release(lease, Date.now()));
        log.info('job: interrupted; queued again');
      }
    } catch (e) {
      // A full disk ends the job at once (ERRORED with this message; README "Disk full"): retrying would
      // only fill what an operator frees. The rows applied before the failure stay applied.
      const full = diskFull(e);
      const message = full
        ? `the disk is full (${messageOf(e)}); free space and upload the file again`
        : messageOf(e);
      if (e instanceof LeaseLost || controller.signal.reason instanceof LeaseLost) {
        log.warn({ err: e }, 'job: lease lost to another worker; left to it');
      } else if (connectionFault(e)) {
        // The database connection was cut (a restart, a failover): not the job's fault, so not an attempt.
        // The job goes back to the queue and resumes from its last checkpoint once the database is back;
        // should this record fail too, the lease runs out and the job is claimed again all the same.
        log.warn({ err: e }, 'job: database connection lost; queued again');
        await record('released', () => jobs.release(lease, Date.now()));
      } else if (stopping && controller.signal.aborted && !(e instanceof JobFailure)) {
        // Failed while stopping (a read cut short): not the job's fault, so not an attempt.
        if (release) await record('released', () => jobs.release(lease, Date.now()));
        log.warn({ err: e }, 'job: interrupted by the stop; queued again');
      } else if (full || e instanceof JobFailure || ctx.attempt >= maxAttempts || payload === undefined) {
        log.error({ err: e }, 'job: failed for good');
        if (payload !== undefined) await handler.failed(payload, ctx, message).catch(() => undefined);
        await record('failed', () => jobs.fail(lease, message, Date.now()));
      } else {
        log.warn({ err: e, attempt: ctx.attempt }, 'job: failed; will retry');
        await record('retry', () =>
          jobs.retry(lease, message, Date.now() + backoffMs(ctx.attempt), Date.now()),
        );
      }
    } finally {
      clearInterval(heartbeat);
      running = undefined;
    }
  }

  async function runOnce(): Promise<boolean> {
    const now = Date.now();
    const job = await engine.run(() => jobs.claim(owner, now, now + leaseMs, mine), { write: true });
    if (!job) return false;
    await runJob(job);
    return true;
  }

  async function idle(ms: number): Promise<void> {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        wakeUp = undefined;
        resolve();
      }
      wakeUp = done;
    });
  }

  async function run(): Promise<void> {
    let failures = 0;
    while (!stopping) {
      let ran = false;
      try {
        ran = await runOnce();
        failures = 0;
      } catch (e) {
        // The database is away: log, wait longer each time (up to MAX_CLAIM_BACKOFF_MS), carry on.
        failures++;
        logger.error({ err: e, failures }, 'worker: claim failed');
      }
      if (!ran && !stopping) await idle(failures > 0 ? claimBackoffMs(failures, idleMs) : idleMs);
    }
  }

  return {
    owner,
    async start() {
      const pending = await engine.run(() => jobs.pendingKinds());
      const unknown = pending.filter((k) => !handlerFor(k));
      if (unknown.length > 0)
        throw new Error(`the job table holds job kinds without a handler: ${unknown.join(', ')}`);
      stopping = false;
      v8.setFlagsFromString(`--heap-growing-percent=${JOB_HEAP_GROWING_PERCENT}`);
      loop = run();
    },
    async stop(o = {}) {
      stopping = true;
      release = o.release ?? true;
      running?.abort(new Error('worker stopping'));
      wakeUp?.();
      await loop;
      loop = undefined;
    },
    wake: () => wakeUp?.(),
    runOnce,
  };
}

/** Creates and starts the server's worker, woken whenever an upload queues a job. */
export async function startWorker(deps: WorkerDeps, options: WorkerOptions = {}): Promise<Worker> {
  const worker = createWorker(deps, options);
  await worker.start();
  deps.services.uploads.onJobQueued(() => worker.wake());
  return worker;
}
