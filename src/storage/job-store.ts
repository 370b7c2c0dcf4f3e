// The durable job queue (one `job` table for every kind of background work): enqueue, claim under a
// lease, renew, and record the end. Claims are atomic: PostgreSQL skips rows another worker has locked
// (FOR UPDATE SKIP LOCKED); SQLite runs the claim inside its single write transaction.
import { sql, type ExpressionBuilder, type Selectable } from 'kysely';
import type { Engine } from './database.js';
import { newId } from './ids.js';
import { all, one, prepare, write, type Params, type Script } from './script.js';
import type { Database, JobTable } from './tables.js';

export type JobStatus = 'queued' | 'running' | 'done' | 'failed';

/** A job of the queue as stored. */
export interface Job {
  orgId: number;
  id: number;
  kind: string;
  /** The handler's input, as JSON. */
  payload: string;
  status: JobStatus;
  /** Runs started so far (a run handed back by `release` does not count). */
  attempts: number;
  runAfter: number;
  leaseOwner: string | null;
  leaseUntil: number | null;
  lastError: string | null;
  createdAt: number;
  updatedAt: number;
}

function toJob(r: Selectable<JobTable>): Job {
  return {
    orgId: Number(r.org_id),
    id: Number(r.id),
    kind: r.kind,
    payload: r.payload,
    status: r.status as JobStatus,
    attempts: Number(r.attempts),
    runAfter: Number(r.run_after),
    leaseOwner: r.lease_owner,
    leaseUntil: r.lease_until === null ? null : Number(r.lease_until),
    lastError: r.last_error,
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
  };
}

export interface NewJob {
  org: number;
  kind: string;
  payload: string;
  /** Epoch ms before which no worker takes the job (0: at once). */
  runAfter: number;
  now: number;
}

/** Who holds a job: a worker id and the job's key. Every write after the claim is fenced by it. */
export interface JobLease {
  org: number;
  id: number;
  owner: string;
}

/**
 * Creates the job store. `kinds` are the job kinds this process can run: a worker never claims a kind it
 * has no handler for (a newer server sharing the database may know more kinds).
 */
export function createJobStore(engine: Engine, kinds: readonly string[] = ['*']) {
  const db = engine.kysely;
  const pg = engine.dialect === 'postgres';
  const anyKind = kinds.includes('*');

  const insert = prepare((p: Params<NewJob>) =>
    db
      .insertInto('job')
      .values({
        ...newId(engine.dialect, 'job'),
        org_id: p.org,
        kind: p.kind,
        payload: p.payload,
        status: 'queued',
        attempts: 0,
        run_after: p.runAfter,
        lease_owner: null,
        lease_until: null,
        last_error: null,
        created_at: p.now,
        updated_at: p.now,
      })
      .returning('id'),
  );

  /**
   * Runnable: queued and due; or running under a lease that has run out (its worker died); or running under
   * a lease of an earlier process of this worker's identity (`mine` = "identity#"; that process is dead).
   */
  const runnable = (
    eb: ExpressionBuilder<Database, 'job'>,
    p: Params<{ now: number; owner: string; mine: string; mineLength: number }>,
  ) =>
    eb.or([
      eb.and([eb('status', '=', 'queued'), eb('run_after', '<=', p.now)]),
      eb.and([eb('status', '=', 'running'), eb('lease_until', '<', p.now)]),
      eb.and([
        eb('status', '=', 'running'),
        eb('lease_owner', '<>', p.owner),
        eb(sql<string>`substr(lease_owner, 1, ${p.mineLength})`, '=', p.mine),
      ]),
    ]);

  /** The oldest runnable job. */
  const next = prepare((p: Params<{ now: number; owner: string; mine: string; mineLength: number }>) => {
    let q = db
      .selectFrom('job')
      .select(['org_id', 'id'])
      .where((eb) => runnable(eb, p))
      .orderBy('run_after')
      .orderBy('id')
      .limit(1);
    if (!anyKind) q = q.where('kind', 'in', kinds);
    return pg ? q.forUpdate().skipLocked() : q;
  });

  // The same condition again: the row lock (PostgreSQL) or the write transaction (SQLite) makes it exact.
  const take = prepare(
    (
      p: Params<{
        org: number;
        id: number;
        owner: string;
        until: number;
        now: number;
        mine: string;
        mineLength: number;
      }>,
    ) =>
      db
        .updateTable('job')
        .set((eb) => ({
          status: 'running',
          lease_owner: p.owner,
          lease_until: p.until,
          attempts: eb('attempts', '+', 1),
          updated_at: p.now,
        }))
        .where('org_id', '=', p.org)
        .where('id', '=', p.id)
        .where((eb) => runnable(eb, p))
        .returningAll(),
  );

  const renew = prepare((p: Params<{ org: number; id: number; owner: string; until: number; now: number }>) =>
    db
      .updateTable('job')
      .set({ lease_until: p.until, updated_at: p.now })
      .where('org_id', '=', p.org)
      .where('id', '=', p.id)
      .where('status', '=', 'running')
      .where('lease_owner', '=', p.owner),
  );

  /** Ends a run: done, failed, or queued again (after a stop, or for a retry at `runAfter`). */
  const end = prepare(
    (
      p: Params<{
        org: number;
        id: number;
        owner: string;
        status: string;
        runAfter: number;
        attemptsBack: number;
        error: string | null;
        now: number;
      }>,
    ) =>
      db
        .updateTable('job')
        .set((eb) => ({
          status: p.status,
          lease_owner: null,
          lease_until: null,
          run_after: p.runAfter,
          attempts: eb('attempts', '-', p.attemptsBack),
          last_error: p.error,
          updated_at: p.now,
        }))
        .where('org_id', '=', p.org)
        .where('id', '=', p.id)
        .where('status', '=', 'running')
        .where('lease_owner', '=', p.owner),
  );

  const pendingKinds = prepare(() =>
    db.selectFrom('job').select('kind').distinct().where('status', 'in', ['queued', 'running']),
  );

  const byId = prepare((p: Params<{ org: number; id: number }>) =>
    db.selectFrom('job').selectAll().where('org_id', '=', p.org).where('id', '=', p.id),
  );

  return {
    /** Queues a job inside the caller's transaction (so it exists exactly when the work it stands for does). */
    *enqueue(job: NewJob): Script<number> {
      const row = yield* one(insert, job);
      return Number(row!.id);
    },
    /**
     * Takes the oldest runnable job under a lease until `until`; undefined when there is none. `mine`: the
     * owner prefix of this worker's earlier (dead) processes, whose leases it takes back at once.
     */
    *claim(owner: string, now: number, until: number, mine: string = `${owner}#`): Script<Job | undefined> {
      const p = { now, owner, mine, mineLength: mine.length };
      const candidate = yield* one(next, p);
      if (!candidate) return undefined;
      const org = Number(candidate.org_id);
      const id = Number(candidate.id);
      const taken = yield* one(take, { ...p, org, id, until });
      return taken && toJob(taken);
    },
    /** Extends the lease; false when the job is no longer this owner's (taken over, or ended). */
    *renew(lease: JobLease, until: number, now: number): Script<boolean> {
      return (yield* write(renew, { ...lease, until, now })) === 1;
    },
    /** Records the job as done. */
    *complete(lease: JobLease, now: number): Script<boolean> {
      const p = { ...lease, status: 'done', runAfter: 0, attemptsBack: 0, error: null, now };
      return (yield* write(end, p)) === 1;
    },
    /** Gives the job up for good. */
    *fail(lease: JobLease, error: string, now: number): Script<boolean> {
      const p = { ...lease, status: 'failed', runAfter: 0, attemptsBack: 0, error, now };
      return (yield* write(end, p)) === 1;
    },
    /** Queues the job again at `runAfter` after a failed attempt. */
    *retry(lease: JobLease, error: string, runAfter: number, now: number): Script<boolean> {
      const p = { ...lease, status: 'queued', runAfter, attemptsBack: 0, error, now };
      return (yield* write(end, p)) === 1;
    },
    /** Hands an interrupted job back to the queue at once; the interrupted run does not count as an attempt. */
    *release(lease: JobLease, now: number): Script<boolean> {
      const p = { ...lease, status: 'queued', runAfter: 0, attemptsBack: 1, error: null, now };
      return (yield* write(end, p)) === 1;
    },
    /** The kinds of every job still to run (queued or running), whatever this process can handle. */
    *pendingKinds(): Script<string[]> {
      return (yield* all(pendingKinds, {})).map((r) => r.kind);
    },
    *find(org: number, id: number): Script<Job | undefined> {
      const row = yield* one(byId, { org, id });
      return row && toJob(row);
    },
  };
}

export type JobStore = ReturnType<typeof createJobStore>;
