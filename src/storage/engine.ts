// The storage engine's contract, shared by both engines: the Engine a store runs its transaction scripts
// on (storage/script.ts), the options that open one, and what both runners share. The engines themselves
// live in sqlite-engine.ts and postgres-engine.ts; database.ts picks one.
import type { Kysely } from 'kysely';
import type { Dialect } from './dialect.js';
import type { Script } from './script.js';
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
  /**
   * A read of a few rows by index (a check, an authentication lookup): on PostgreSQL each of its round
   * trips may share a connection and one write with the other short reads waiting at that moment, each
   * with a Sync of its own (postgres-engine.ts "short reads"). Not for a read that may run long: the
   * reads sharing its connection would wait for it. SQLite groups every read already.
   */
  short?: boolean;
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

/** The options of a short read (RunOptions.short). */
export const SHORT_READ: RunOptions = { write: false, short: true };

/** How many times a script is re-run after a conflict before the error reaches the caller. */
export const MAX_ATTEMPTS = 12;

export function isPostgresUrl(url: string | undefined): url is string {
  return !!url && /^postgres(ql)?:\/\//i.test(url);
}
