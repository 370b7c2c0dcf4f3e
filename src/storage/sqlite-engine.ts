// The SQLite engine (better-sqlite3, WAL), coupond's embedded default: a group-commit runner for write
// scripts, a timer-driven retry while another connection holds the write lock, and 507 on a full disk.
// The shared contract is in engine.ts; database.ts opens this engine unless DATABASE_URL names PostgreSQL.
import { randomInt } from 'node:crypto';
import BetterSqlite3 from 'better-sqlite3';
import { CouponError } from '../domain/errors.js';
import { Kysely, SqliteDialect } from 'kysely';
import { startCheckpointer, type Checkpointer } from './checkpointer.js';
import { MAX_ATTEMPTS, type DatabaseOptions, type Engine, type RunOptions } from './engine.js';
import { RetryConflict, type Op, type Script } from './script.js';
import type { Database } from './tables.js';

function drive<T>(script: Script<T>, exec: (op: Op) => unknown): T {
  let step = script.next();
  while (!step.done) {
    const s = step.value;
    step = script.next('batch' in s ? s.batch.map(exec) : exec(s));
  }
  return step.value;
}

function sqliteValue(v: unknown): unknown {
  if (v === undefined) return null;
  if (typeof v === 'boolean') return v ? 1 : 0;
  return v;
}

/**
 * How long SQLite itself waits for another connection's write lock (busy_timeout) once the engine serves:
 * a few ms, because that wait blocks the event loop. A write group that still finds the file locked is
 * retried from a timer, with backoff, until the statement timeout (docs/reliability.md "SQLite lock").
 */
const SQLITE_BUSY_WAIT_MS = 5;
const LOCK_RETRY_FIRST_MS = 5;
const LOCK_RETRY_MAX_MS = 100;

const sqliteCode = (e: unknown): string =>
  typeof (e as { code?: unknown } | null)?.code === 'string' ? (e as { code: string }).code : '';
/** SQLITE_BUSY and its extended codes: another connection holds the lock. Nothing of ours was kept. */
const isBusy = (e: unknown): boolean => /^SQLITE_BUSY/.test(sqliteCode(e));
const isFull = (e: unknown): boolean => sqliteCode(e) === 'SQLITE_FULL';

function lockedTooLong(ms: number): CouponError {
  const e = new CouponError(
    'DatabaseUnavailable',
    `the SQLite database stayed write-locked by another connection for ${ms} ms`,
  );
  e.retryAfterSeconds = 1;
  return e;
}

/** What a caller hears for an SQLite error that is not about its request: 507 or 503 instead of a 500. */
function sqliteFailure(e: unknown, timeoutMs: number): unknown {
  if (isFull(e)) return new CouponError('StorageFull', 'the database could not grow', { cause: e });
  if (isBusy(e)) return lockedTooLong(timeoutMs);
  return e;
}

export function openSqlite(path: string, options: Pick<DatabaseOptions, 'statementTimeoutMs'> = {}): Engine {
  const timeoutMs = options.statementTimeoutMs ?? 5000;
  const db = new BetterSqlite3(path);
  db.pragma('journal_mode = WAL');
  // NORMAL in WAL mode: a commit survives a process crash (kill -9); only an OS crash can lose the last ones.
  db.pragma('synchronous = NORMAL');
  // While the process starts (migrations run synchronously through Kysely) it may wait the whole bound for
  // a lock; the first flush below shortens the wait to SQLITE_BUSY_WAIT_MS.
  db.pragma(`busy_timeout = ${timeoutMs}`);
  let shortBusyWait = false;
  db.pragma('foreign_keys = OFF');
  // 16 MB of page cache (the default is 2 MB): uploads insert into large unique indexes at random places.
  // Measured on 1M-row uploads: 16, 32 and 64 MB ran equally fast, and each step up held ~20–35 MB more
  // at peak, against the 300 MB target (BENCHMARKS.md).
  db.pragma('cache_size = -16384');
  // Checkpoints (copying the WAL into the database file, with two fsyncs) run on a thread of their own;
  // should that thread fail, SQLite's automatic checkpoints inside COMMIT take over again.
  let checkpointer: Checkpointer | undefined;
  if (path !== ':memory:') {
    db.pragma('wal_autocheckpoint = 0');
    checkpointer = startCheckpointer(path, { intervalMs: 50, restartFrames: 4096 }, () => {
      if (db.open) db.pragma('wal_autocheckpoint = 1000');
    });
  }
  const kysely = new Kysely<Database>({ dialect: new SqliteDialect({ database: db }) });
  const cache = new Map<string, BetterSqlite3.Statement>();
  const statement = (sql: string): BetterSqlite3.Statement => {
    let st = cache.get(sql);
    if (!st) {
      st = db.prepare(sql);
      if (cache.size > 2000) cache.clear(); // ad hoc SQL of many shapes must not grow the cache forever
      cache.set(sql, st);
    }
    return st;
  };
  const exec = (op: Op): unknown => {
    const st = statement(op.sql);
    const params = op.parameters.map(sqliteValue);
    if (op.want === 'changes') {
      if (st.reader) return st.all(...params).length;
      return st.run(...params).changes;
    }
    if (st.reader) return st.all(...params);
    st.run(...params);
    return [];
  };
  let writeSeq = 0;
  /** Runs one attempt again, from the start, while it ends in a RetryConflict (up to MAX_ATTEMPTS). */
  const retried = <T>(attemptOnce: () => T): T => {
    for (let attempt = 1; ; attempt++) {
      try {
        return attemptOnce();
      } catch (e) {
        if (e instanceof RetryConflict && attempt < MAX_ATTEMPTS) continue;
        throw e;
      }
    }
  };
  const runSync = <T>(script: () => Script<T>, options?: RunOptions): T => {
    if (!options?.write) return retried(() => drive(script(), exec));
    writeSeq++;
    try {
      return retried(() => db.transaction(() => drive(script(), exec)).immediate());
    } finally {
      writeSeq++;
    }
  };
  // Group commit: write scripts that arrive in the same turn of the event loop run one after another in
  // ONE transaction, each inside a savepoint of its own (a script that throws undoes only its own work),
  // and every caller is answered after the COMMIT. Neighbouring requests share the commit and the pages
  // they all touch, and SQLite's working set stays in the CPU caches from one script to the next. Read
  // scripts are queued the same way (for the caches' sake) and run just before the write group.
  //
  // Another process holding the write lock (a sqlite3 shell, a backup tool, another coupond): BEGIN
  // IMMEDIATE fails with SQLITE_BUSY after a few ms, before any script ran. The group goes back to the
  // queue and is tried again from a timer, with backoff, so the event loop keeps serving reads (WAL
  // readers do not wait for the writer) and /health meanwhile. A caller still waiting when its time bound
  // (statementTimeoutMs) has passed is answered DatabaseUnavailable (503). A BUSY later in the transaction
  // rolls the whole group back and reruns its scripts the same way.
  interface Queued {
    script: () => Script<unknown>;
    resolve(value: unknown): void;
    reject(error: unknown): void;
    /** When the caller stops waiting for the lock (Date.now() ms). */
    deadline: number;
  }
  let writes: Queued[] = [];
  let reads: Queued[] = [];
  let flushing: NodeJS.Immediate | undefined;
  /** Set while the write group waits for another connection's lock: writes wait for this timer. */
  let lockRetry: NodeJS.Timeout | undefined;
  let lockWaits = 0;
  const schedule = (): void => {
    flushing ??= setImmediate(flush);
  };
  /** Inside the group's transaction: a SAVEPOINT (better-sqlite3 nests transactions that way). */
  const inSavepoint = (script: () => Script<unknown>): unknown =>
    retried(() => db.transaction(() => drive(script(), exec))());
  /** One attempt at the group: 'busy' when the lock was not ours (nothing kept, nobody answered). */
  const commitGroup = (group: Queued[]): 'busy' | 'done' => {
    try {
      db.exec('BEGIN IMMEDIATE');
    } catch (e) {
      if (isBusy(e)) return 'busy';
      const error = sqliteFailure(e, timeoutMs);
      for (const q of group) q.reject(error);
      return 'done';
    }
    const outcomes: ({ ok: true; value: unknown } | { ok: false; error: unknown })[] = [];
    /** An error that ends the whole group: nothing of it is kept. */
    let failure: unknown;
    writeSeq++;
    try {
      for (const q of group) {
        try {
          outcomes.push({ ok: true, value: inSavepoint(q.script) });
        } catch (error) {
          // The lock lost, a full disk: not this script's fault; the group is undone as a whole.
          if (isBusy(error) || isFull(error)) {
            failure = error;
            break;
          }
          outcomes.push({ ok: false, error });
        }
        // An error SQLite answers by rolling the whole transaction back (I/O) must not let the next
        // scripts run outside it: end the group, and every caller gets the error.
        if (!db.inTransaction) {
          failure = new Error('the transaction was rolled back by SQLite');
          break;
        }
      }
      if (failure === undefined) {
        try {
          db.exec('COMMIT');
        } catch (e) {
          failure = e;
        }
      }
      if (failure !== undefined) {
        try {
          if (db.inTransaction) db.exec('ROLLBACK');
        } catch {
          // SQLite already rolled back
        }
        if (isBusy(failure)) return 'busy';
        const error = sqliteFailure(failure, timeoutMs);
        for (const q of group) q.reject(error);
        return 'done';
      }
    } finally {
      writeSeq++;
    }
    group.forEach((q, i) => {
      const o = outcomes[i]!;
      if (o.ok) q.resolve(o.value);
      else q.reject(o.error);
    });
    return 'done';
  };
  const flushWrites = (): void => {
    const group = writes;
    writes = [];
    if (group.length === 0) return;
    if (commitGroup(group) === 'done') {
      lockWaits = 0;
      return;
    }
    const now = Date.now();
    writes = group.filter((q) => {
      if (now < q.deadline) return true;
      q.reject(lockedTooLong(timeoutMs));
      return false;
    });
    if (writes.length === 0) {
      lockWaits = 0;
      return;
    }
    const delay = Math.min(LOCK_RETRY_MAX_MS, LOCK_RETRY_FIRST_MS * 2 ** Math.min(lockWaits++, 8));
    lockRetry = setTimeout(
      () => {
        lockRetry = undefined;
        flush();
      },
      delay + randomInt(Math.floor(delay / 2) + 1),
    );
  };
  const flush = (): void => {
    if (flushing) clearImmediate(flushing);
    flushing = undefined;
    if (!shortBusyWait) {
      db.pragma(`busy_timeout = ${SQLITE_BUSY_WAIT_MS}`);
      shortBusyWait = true;
    }
    // Read scripts of the turn first, back to back (each statement its own snapshot, as before), then
    // the write group.
    const readGroup = reads;
    reads = [];
    for (const q of readGroup) {
      try {
        q.resolve(runSync(q.script));
      } catch (e) {
        if (isBusy(e) && Date.now() < q.deadline) {
          // WAL readers rarely meet a lock (recovery after a crash of another process): try again soon.
          setTimeout(() => {
            reads.push(q);
            schedule();
          }, LOCK_RETRY_FIRST_MS);
        } else q.reject(sqliteFailure(e, timeoutMs));
      }
    }
    if (lockRetry === undefined) flushWrites();
  };
  const dataVersion = db.prepare('pragma data_version').pluck();
  return {
    dialect: 'sqlite',
    kysely,
    runSync,
    dataVersion: () => dataVersion.get() as number,
    writeSeq: () => writeSeq,
    run: <T>(script: () => Script<T>, options?: RunOptions): Promise<T> => {
      return new Promise<T>((resolve, reject) => {
        (options?.write ? writes : reads).push({
          script,
          resolve: resolve as (value: unknown) => void,
          reject,
          deadline: Date.now() + timeoutMs,
        });
        schedule();
      });
    },
    ping: async () => {
      db.prepare('select 1').get();
    },
    close: async () => {
      if (lockRetry) {
        clearTimeout(lockRetry);
        lockRetry = undefined;
      }
      if (flushing || writes.length > 0 || reads.length > 0) flush();
      // Still locked out: these callers will not be served by this process.
      for (const q of writes.splice(0)) q.reject(lockedTooLong(timeoutMs));
      if (lockRetry) clearTimeout(lockRetry);
      await checkpointer?.stop();
      cache.clear();
      db.close();
    },
  };
}
