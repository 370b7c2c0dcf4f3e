// Opens the database named by the configuration and runs transaction scripts on it (storage/script.ts).
// SQLite (better-sqlite3, WAL) is the embedded default; PostgreSQL (pg) when DATABASE_URL says so.
import { randomInt } from 'node:crypto';
import BetterSqlite3 from 'better-sqlite3';
import { CouponError } from '../domain/errors.js';
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';
import { startCheckpointer, type Checkpointer } from './checkpointer.js';
import type { Dialect } from './dialect.js';
import { RetryConflict, type Op, type Script } from './script.js';
import { asCouponError, databaseUnavailable, describePgUrl, outcomeUnknown, pgFault } from './pg-faults.js';
import type { Database } from './tables.js';

export interface DatabaseOptions {
  /** A postgres:// URL, or undefined for SQLite at `sqlitePath`. */
  url: string | undefined;
  sqlitePath: string;
  /** PostgreSQL schema to use (tests give each file its own); created when missing. */
  pgSchema?: string | undefined;
  poolSize: number;
  /** See Config.database (src/config.ts); absent in tools and tests that open a database directly. */
  statementTimeoutMs?: number;
  acquireTimeoutMs?: number;
  connectTimeoutS?: number;
}

export interface RunOptions {
  /** Runs inside a write transaction (SQLite BEGIN IMMEDIATE; PostgreSQL BEGIN … COMMIT). */
  write: boolean;
}

/** The storage engine: a Kysely instance (compiler and migrations) and a script runner. */
export interface Engine {
  readonly dialect: Dialect;
  /** PostgreSQL: the schema the tables live in. */
  readonly schema?: string;
  readonly kysely: Kysely<Database>;
  /**
   * Runs a script; a write script is one transaction (on SQLite: a savepoint in a group commit with the
   * writes of the same event-loop turn), retried from the start on a RetryConflict.
   */
  run<T>(script: () => Script<T>, options?: RunOptions): Promise<T>;
  /**
   * SQLite only: a number that changes whenever another connection (another process, the CLI) commits;
   * this process's own commits leave it alone. Lets caches of rarely written rows skip their re-read.
   */
  dataVersion?(): number;
  /**
   * SQLite only: a number that changes when a write transaction of this process starts and again when it
   * ends (committed or rolled back). A cache can tell "written by the transaction still running" from
   * "written and settled".
   */
  writeSeq?(): number;
  /** SQLite only: runs a script synchronously. */
  runSync?<T>(script: () => Script<T>, options?: RunOptions): T;
  /** PostgreSQL only: calls `handler` for each NOTIFY on `channel`, across processes. */
  listen?(channel: string, handler: (payload: string) => void): Promise<void>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** How many times a script is re-run after a conflict before the error reaches the caller. */
const MAX_ATTEMPTS = 12;

export function isPostgresUrl(url: string | undefined): url is string {
  return !!url && /^postgres(ql)?:\/\//i.test(url);
}

export async function openDatabase(options: DatabaseOptions): Promise<Engine> {
  return isPostgresUrl(options.url)
    ? openPostgres(options.url, options)
    : openSqlite(options.sqlitePath, options);
}

function drive<T>(script: Script<T>, exec: (op: Op) => unknown): T {
  let step = script.next();
  while (!step.done) step = script.next(exec(step.value));
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

function openSqlite(path: string, options: Pick<DatabaseOptions, 'statementTimeoutMs'> = {}): Engine {
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

const PG_RETRYABLE = new Set(['40001', '40P01']); // serialization failure, deadlock
/**
 * Runs of one script on a fresh connection after a connection fault that came before its COMMIT was sent
 * (a pooled connection cut by a restart or pg_terminate_backend); then the caller gets 503.
 */
const CONNECTION_ATTEMPTS = 3;
/** The listener connection's reconnection delay: doubles from the first to the last. */
const LISTEN_RETRY_MS = [100, 5000] as const;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** At most `max` holders at once; the others wait in arrival order, each for at most its own bound. */
function checkoutGate(max: number): { enter(waitMs: number): Promise<boolean>; leave(): void } {
  let free = max;
  const waiting: ((entered: boolean) => void)[] = [];
  return {
    enter(waitMs) {
      if (free > 0) {
        free--;
        return Promise.resolve(true);
      }
      return new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => {
          const i = waiting.indexOf(admit);
          if (i >= 0) waiting.splice(i, 1);
          resolve(false);
        }, waitMs);
        const admit = (entered: boolean) => {
          clearTimeout(timer);
          resolve(entered);
        };
        waiting.push(admit);
      });
    },
    leave() {
      const next = waiting.shift();
      if (next) next(true);
      else free++;
    },
  };
}

async function openPostgres(url: string, options: DatabaseOptions): Promise<Engine> {
  const int8 = (v: string): number => Number(v);
  const types = {
    getTypeParser: (oid: number, format?: 'text' | 'binary') =>
      oid === 20 ? int8 : pg.types.getTypeParser(oid, format ?? 'text'),
  };
  const schema = options.pgSchema;
  const where = describePgUrl(url);
  const statementTimeoutMs = options.statementTimeoutMs;
  // Every connection coupond opens: bounded connect, TCP keep-alive (a peer that vanished is noticed), and
  // with a statement timeout the server ends a statement or lock wait past it (57014 / 55P03), while the
  // client gives up on an answer that never comes (a dead network) a little later.
  const connection: pg.ClientConfig = {
    connectionString: url,
    keepAlive: true,
    connectionTimeoutMillis: options.acquireTimeoutMs ?? 10_000,
    ...(statementTimeoutMs
      ? {
          statement_timeout: statementTimeoutMs,
          lock_timeout: statementTimeoutMs,
          query_timeout: statementTimeoutMs + 3000,
        }
      : {}),
  };
  // The first contact: reachable (else DatabaseUnavailable naming the server, which start-up retries:
  // context.ts), and the schema exists.
  {
    const admin = new pg.Client(connection);
    admin.on('error', () => undefined); // reported by the failing call below
    try {
      await admin.connect();
      if (schema) await admin.query(`create schema if not exists "${schema.replace(/"/g, '')}"`);
      else await admin.query('select 1');
    } catch (e) {
      if (pgFault(e) === 'connection')
        throw databaseUnavailable(`cannot reach PostgreSQL at ${where}: ${(e as Error).message}`, e);
      throw new Error(`PostgreSQL at ${where}: ${(e as Error).message}`, { cause: e });
    } finally {
      await admin.end().catch(() => undefined);
    }
  }
  const pool = new pg.Pool({
    ...connection,
    max: options.poolSize,
    types,
    ...(schema ? { options: `-c search_path="${schema.replace(/"/g, '')}"` } : {}),
  });
  pool.on('error', () => {
    // An idle client died (server restart); the pool drops it and opens another when one is needed.
  });
  pool.on('connect', (client) => {
    // A client checked out of the pool (by a script or by Kysely) has no listener of the pool's: without
    // this one, a connection cut while checked out would be an unhandled 'error' event and end the process.
    // The statement in progress fails on its own, and the runner below drops the client.
    client.on('error', () => undefined);
  });
  const kysely = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  const names = new Map<string, string>();
  const nameFor = (sql: string): string => {
    let n = names.get(sql);
    if (!n) {
      n = `s${names.size + 1}`;
      names.set(sql, n);
    }
    return n;
  };
  const exec = async (client: pg.PoolClient, op: Op): Promise<unknown> => {
    const result = await client.query(
      op.prepared
        ? { name: nameFor(op.sql), text: op.sql, values: op.parameters as unknown[] }
        : { text: op.sql, values: op.parameters as unknown[] },
    );
    return op.want === 'changes' ? (result.rowCount ?? 0) : result.rows;
  };
  // Two different waits: for a connection to open (the pool's connectionTimeoutMillis, the acquire
  // timeout: short, so an unreachable server answers 503 fast), and for a busy pool to free one (a burst of
  // requests on a healthy server: bounded by the statement timeout, like any other wait of a request). The
  // pool applies its timeout to both, so scripts queue here instead, and reach the pool only when it has a
  // connection to spare.
  const busyWaitMs = statementTimeoutMs ?? 30_000;
  const slots = checkoutGate(options.poolSize);
  /** A pooled connection, or 503 once none comes in time (or the server refuses). */
  const acquire = async (): Promise<pg.PoolClient> => {
    if (!(await slots.enter(busyWaitMs)))
      throw databaseUnavailable(
        `all ${options.poolSize} connections to PostgreSQL at ${where} stayed busy for ${busyWaitMs} ms`,
      );
    try {
      return await pool.connect();
    } catch (e) {
      slots.leave();
      throw databaseUnavailable(`no connection to PostgreSQL at ${where}: ${(e as Error).message}`, e);
    }
  };
  const listeners: { stop(): Promise<void> }[] = [];
  let closed = false;

  return {
    dialect: 'postgres',
    schema: schema ?? 'public',
    kysely,
    async run<T>(script: () => Script<T>, runOptions?: RunOptions): Promise<T> {
      const write = !!runOptions?.write;
      for (let attempt = 1, connectionAttempt = 1; ; attempt++) {
        const client = await acquire();
        let broken = false;
        let commitSent = false;
        try {
          if (write) await client.query('BEGIN');
          const gen = script();
          let step = gen.next();
          while (!step.done) step = gen.next(await exec(client, step.value));
          if (write) {
            commitSent = true;
            await client.query('COMMIT');
          }
          return step.value;
        } catch (e) {
          const fault = pgFault(e);
          if (fault === 'connection') broken = true;
          else if (write) {
            try {
              await client.query('ROLLBACK');
            } catch {
              broken = true;
            }
          }
          // The COMMIT went out and no answer came back: it may have committed. Running the script again
          // could do its work twice; the caller is told the outcome is unknown.
          if (commitSent && fault === 'connection') throw outcomeUnknown(e);
          if (fault === 'connection' && connectionAttempt++ < CONNECTION_ATTEMPTS) {
            await sleep(randomInt(5, 25 * connectionAttempt)); // the pool replaces the cut connection meanwhile
            continue;
          }
          const code = (e as { code?: string }).code;
          const retry =
            write && (e instanceof RetryConflict || (code !== undefined && PG_RETRYABLE.has(code)));
          if (retry && attempt < MAX_ATTEMPTS) {
            await sleep(randomInt(attempt * 2 + 1)); // spread the retries
            continue;
          }
          throw asCouponError(e, statementTimeoutMs);
        } finally {
          client.release(broken);
          slots.leave();
        }
      }
    },
    async listen(channel, handler) {
      // One connection of its own, LISTENing; when it is cut it is opened again and LISTENs again, with a
      // growing pause while the server stays away. Notifications sent meanwhile are lost: the caches fed by
      // them have a maximum age (services/auth.ts).
      const quoted = `"${channel.replace(/"/g, '')}"`;
      let client: pg.Client | undefined;
      let stopped = false;
      let timer: NodeJS.Timeout | undefined;
      let delay: number = LISTEN_RETRY_MS[0];
      const open = async (): Promise<void> => {
        const c = new pg.Client({ ...connection, query_timeout: undefined, statement_timeout: undefined });
        client = c;
        let lost = false;
        const onLost = () => {
          if (lost) return;
          lost = true;
          void c.end().catch(() => undefined);
          if (client === c) client = undefined;
          if (!stopped && !closed) {
            timer = setTimeout(reopen, delay);
            timer.unref();
            delay = Math.min(delay * 2, LISTEN_RETRY_MS[1]);
          }
        };
        c.on('error', onLost);
        c.on('end', onLost);
        c.on('notification', (msg) => {
          if (msg.channel === channel) handler(msg.payload ?? '');
        });
        try {
          await c.connect();
          await c.query(`LISTEN ${quoted}`);
          delay = LISTEN_RETRY_MS[0];
        } catch (e) {
          onLost();
          throw e;
        }
      };
      const reopen = (): void => {
        timer = undefined;
        open().catch(() => undefined); // onLost has planned the next try
      };
      try {
        await open();
      } catch (e) {
        stopped = true; // at start-up the caller decides what a failure means
        if (timer) clearTimeout(timer);
        throw asCouponError(e, statementTimeoutMs);
      }
      listeners.push({
        async stop() {
          stopped = true;
          if (timer) clearTimeout(timer);
          await client?.end().catch(() => undefined);
        },
      });
    },
    ping: async () => {
      const client = await acquire();
      let broken = false;
      try {
        await client.query('select 1');
      } catch (e) {
        broken = true;
        throw asCouponError(e, statementTimeoutMs);
      } finally {
        client.release(broken);
      }
    },
    close: async () => {
      closed = true;
      await Promise.all(listeners.map((l) => l.stop()));
      await kysely.destroy(); // ends the pool
    },
  };
}
