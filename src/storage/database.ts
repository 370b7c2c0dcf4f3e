// Opens the database named by the configuration and runs transaction scripts on it (storage/script.ts).
// SQLite (better-sqlite3, WAL) is the embedded default; PostgreSQL (pg) when DATABASE_URL says so.
import { randomInt } from 'node:crypto';
import BetterSqlite3 from 'better-sqlite3';
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
  return isPostgresUrl(options.url) ? openPostgres(options.url, options) : openSqlite(options.sqlitePath);
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

function openSqlite(path: string): Engine {
  const db = new BetterSqlite3(path);
  db.pragma('journal_mode = WAL');
  // NORMAL in WAL mode: a commit survives a process crash (kill -9); only an OS crash can lose the last ones.
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
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
  interface Queued {
    script: () => Script<unknown>;
    resolve(value: unknown): void;
    reject(error: unknown): void;
  }
  let writes: Queued[] = [];
  let reads: Queued[] = [];
  let flushing: NodeJS.Immediate | undefined;
  /** Inside the group's transaction: a SAVEPOINT (better-sqlite3 nests transactions that way). */
  const inSavepoint = (script: () => Script<unknown>): unknown =>
    retried(() => db.transaction(() => drive(script(), exec))());
  const flush = (): void => {
    flushing = undefined;
    // Read scripts of the turn first, back to back (each statement its own snapshot, as before), then
    // the write group.
    const readGroup = reads;
    reads = [];
    for (const q of readGroup) {
      try {
        q.resolve(runSync(q.script));
      } catch (e) {
        q.reject(e);
      }
    }
    const group = writes;
    writes = [];
    if (group.length === 0) return;
    const outcomes: ({ ok: true; value: unknown } | { ok: false; error: unknown })[] = [];
    writeSeq++;
    try {
      db.transaction(() => {
        for (const q of group) {
          try {
            outcomes.push({ ok: true, value: inSavepoint(q.script) });
          } catch (error) {
            outcomes.push({ ok: false, error });
          }
          // An error SQLite answers by rolling the whole transaction back (a full disk, I/O) must not
          // let the next scripts run outside it: end the group, and every caller gets the error.
          if (!db.inTransaction) throw new Error('the transaction was rolled back by SQLite');
        }
      }).immediate();
    } catch (error) {
      for (const q of group) q.reject(error); // BEGIN or COMMIT failed: nothing of the group was kept
      return;
    } finally {
      writeSeq++;
    }
    group.forEach((q, i) => {
      const o = outcomes[i]!;
      if (o.ok) q.resolve(o.value);
      else q.reject(o.error);
    });
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
        });
        flushing ??= setImmediate(flush);
      });
    },
    ping: async () => {
      db.prepare('select 1').get();
    },
    close: async () => {
      if (flushing) {
        clearImmediate(flushing);
        flush();
      }
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
  /** A pooled connection, or 503 once none comes within the acquire timeout (or the server refuses). */
  const acquire = async (): Promise<pg.PoolClient> => {
    try {
      return await pool.connect();
    } catch (e) {
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
