// Transaction scripts: a use case's database work written once as a generator that yields statements.
// The SQLite runner answers each yield synchronously inside one better-sqlite3 transaction (no await, so
// no other request can interleave on the shared connection); the PostgreSQL runner awaits each statement
// inside BEGIN … COMMIT on one pooled client. The same script therefore runs at full speed on the embedded
// database and correctly on a shared server (see docs/architecture.md, "Transaction scripts").
import type { CompiledQuery, Compilable } from 'kysely';

/** One statement to run: SQL for the engine's dialect and its positional parameters. */
export interface Op {
  readonly sql: string;
  readonly parameters: readonly unknown[];
  /** 'rows' answers the result rows; 'changes' answers the number of rows written. */
  readonly want: 'rows' | 'changes';
  /** Set for statements compiled once at start-up, so the driver can keep them prepared. */
  readonly prepared: boolean;
  /**
   * A write whose answer the script does not wait for (`guarded`, `blind` below): PostgreSQL sends it with
   * the next statement that answers rows, or with the COMMIT, in one round trip. A guard's "no row
   * changed" then fails on the server (coupond_guard, migration 0010), and the runner runs the script again.
   */
  readonly defer?: { guard: string } | 'blind';
}

/** Statements that do not depend on one another's answers: PostgreSQL sends them in one round trip. */
export interface Batch {
  readonly batch: readonly Op[];
}

export type Script<T> = Generator<Op | Batch, T, unknown>;

/**
 * Thrown by a script when a guarded write found the world changed since it was read; the runner rolls
 * back and runs the script again from the start, which then reads and decides afresh.
 */
export class RetryConflict extends Error {
  constructor(what: string) {
    super(`write conflict: ${what}`);
    this.name = 'RetryConflict';
  }
}

/** A statement compiled once, with named parameters bound at each call. */
export interface Statement<P, R> {
  readonly sql: string;
  bind(params: P, want?: 'rows' | 'changes'): Op;
  /** Phantom field carrying the row type. */
  readonly __row?: R;
}

class ParamRef {
  constructor(readonly name: string) {}
}

/** Parameter placeholders handed to a statement builder; each stands for the named value at run time. */
export type Params<P> = { readonly [K in keyof P]: P[K] };

/**
 * Compiles a query once. The builder receives placeholders for the named parameters and returns any Kysely
 * query; the placeholders land in the compiled parameter list and are replaced by real values at `bind`.
 * @example
 * const byCode = prepare((p: Params<{ org: number; code: string }>) =>
 *   db.selectFrom('coupon').selectAll().where('org_id', '=', p.org).where('code', '=', p.code));
 */
export function prepare<P, R>(build: (p: Params<P>) => Compilable<R>): Statement<P, R> {
  const refs = new Proxy({} as Params<P>, {
    get: (_t, name) => new ParamRef(String(name)),
  });
  const compiled = build(refs).compile();
  const slots: ({ name: string } | { value: unknown })[] = compiled.parameters.map((v) =>
    v instanceof ParamRef ? { name: v.name } : { value: v },
  );
  const sql = compiled.sql;
  return {
    sql,
    bind(params: P, want: 'rows' | 'changes' = 'rows'): Op {
      const values = params as Record<string, unknown>;
      const parameters = slots.map((s) => ('name' in s ? values[s.name] : s.value));
      return { sql, parameters, want, prepared: true };
    },
  };
}

/** A statement built for one call (dynamic shape, e.g. a list of ids); compiled at each use. */
export function adhoc(
  query: Compilable<unknown> | CompiledQuery<unknown>,
  want: 'rows' | 'changes' = 'rows',
): Op {
  const compiled = 'compile' in query ? query.compile() : query;
  return { sql: compiled.sql, parameters: compiled.parameters, want, prepared: false };
}

/** Runs a statement and answers its rows. */
export function* rows<R>(stmt: Statement<unknown, R> | Op, params?: unknown): Script<R[]> {
  const op = 'bind' in stmt ? stmt.bind(params, 'rows') : stmt;
  return (yield op) as R[];
}

/** Runs a statement and answers its first row, if any. */
export function* first<R>(stmt: Statement<unknown, R> | Op, params?: unknown): Script<R | undefined> {
  const all = (yield* rows<R>(stmt, params)) as R[];
  return all[0];
}

/** Runs a write and answers how many rows it changed. */
export function* changes(stmt: Statement<unknown, unknown> | Op, params?: unknown): Script<number> {
  const op = 'bind' in stmt ? stmt.bind(params, 'changes') : { ...stmt, want: 'changes' as const };
  return (yield op) as number;
}

/** Typed helpers bound to a statement's own parameter and row types. */
export function* all<P, R>(stmt: Statement<P, R>, params: P): Script<R[]> {
  return (yield stmt.bind(params, 'rows')) as R[];
}

export function* one<P, R>(stmt: Statement<P, R>, params: P): Script<R | undefined> {
  const result = (yield stmt.bind(params, 'rows')) as R[];
  return result[0];
}

export function* write<P, R>(stmt: Statement<P, R>, params: P): Script<number> {
  return (yield stmt.bind(params, 'changes')) as number;
}

/** A read that can join a batch: its statement, and how its answer becomes a value. */
/** The `n` of a statement that answers one row with a count or sum `as n` (0 when none came back). */
export const countOf = (rows: unknown): number => Number((rows as { n?: unknown }[])[0]?.n ?? 0);

export interface Read<T> {
  readonly op: Op;
  readonly map: (answer: unknown) => T;
}

/** Runs independent reads in one batch (one round trip on PostgreSQL) and answers each one's value. */
export function* readBatch<T extends readonly unknown[]>(reads: { [K in keyof T]: Read<T[K]> }): Script<T> {
  const list = reads as readonly Read<unknown>[];
  const answers = yield* batch(list.map((r) => r.op));
  return list.map((r, i) => r.map(answers[i])) as unknown as T;
}

/** Runs independent statements (one round trip on PostgreSQL) and answers each one's rows or changes. */
export function* batch(ops: readonly Op[]): Script<unknown[]> {
  return (yield { batch: ops }) as unknown[];
}

/**
 * A write that must change a row, else the world moved since the load: RetryConflict (the transaction runs
 * again). On PostgreSQL it travels with the next statement or the COMMIT, and the server checks it.
 */
export function* guarded<P>(stmt: Statement<P, unknown>, params: P, what: string): Script<void> {
  const changed = (yield { ...stmt.bind(params, 'changes'), defer: { guard: what } }) as number;
  if (changed === 0) throw new RetryConflict(what);
}

/** A write whose answer nobody reads (an event row): on PostgreSQL it travels with the next statement. */
export function* blind<P>(stmt: Statement<P, unknown>, params: P): Script<void> {
  yield { ...stmt.bind(params, 'changes'), defer: 'blind' };
}

/** Runs a script that yields nothing further: lets plain values join a generator pipeline. */
// eslint-disable-next-line require-yield
export function* pure<T>(value: T): Script<T> {
  return value;
}
