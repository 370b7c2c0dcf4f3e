// The PostgreSQL engine (pg): a pooled runner with a checkout gate in front of the pool, re-runs after
// serialization failures and connection faults (classified in pg-faults.ts), and LISTEN across processes.
// The shared contract is in engine.ts; database.ts opens this engine when DATABASE_URL is a postgres:// URL.
import { randomInt } from 'node:crypto';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { MAX_ATTEMPTS, type DatabaseOptions, type Engine, type RunOptions } from './engine.js';
import { RetryConflict, type Op, type Script } from './script.js';
import { pipeline, pipelines, type PipelineStatement } from './pg-pipeline.js';
import { asCouponError, databaseUnavailable, describePgUrl, outcomeUnknown, pgFault } from './pg-faults.js';
import type { Database } from './tables.js';

// serialization failure, deadlock, a deferred guard that changed no row (coupond_guard, migration 0010)
const PG_RETRYABLE = new Set(['40001', '40P01', 'CPD01']);
const BEGIN: Op = { sql: 'BEGIN', parameters: [], want: 'changes', prepared: false };
const COMMIT: Op = { sql: 'COMMIT', parameters: [], want: 'changes', prepared: false };
/**
 * Runs of one script on a fresh connection after a connection fault that came before its COMMIT was sent
 * (a pooled connection cut by a restart or pg_terminate_backend); then the caller gets 503.
 */
const CONNECTION_ATTEMPTS = 3;
/** The listener connection's reconnection delay: doubles from the first to the last. */
const LISTEN_RETRY_MS = [100, 5000] as const;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Before a script runs again after a connection fault: the pool replaces the cut connection meanwhile. */
const reconnectPause = (attempt: number) => sleep(randomInt(5, 25 * attempt));

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

export async function openPostgres(url: string, options: DatabaseOptions): Promise<Engine> {
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
  /** The statement as sent: a deferred guard becomes a select that fails on the server when no row changed. */
  const wireOf = (op: Op): PipelineStatement => {
    let text = op.sql;
    if (op.defer && op.defer !== 'blind') {
      const returning = /\breturning\b/i.test(text) ? text : `${text} returning 1`;
      const what = op.defer.guard.replace(/'/g, "''");
      text = `with w as (${returning}) select coupond_guard(count(*), '${what}') from w`;
    }
    return { text, values: op.parameters, name: op.prepared ? nameFor(text) : undefined };
  };
  type Answer = { rows: unknown[]; rowCount: number | null };
  /** Each statement's rows or changes (a deferred write's answer is 1: nothing waits for it). */
  const answersOf = (ops: readonly Op[], results: readonly Answer[]): unknown[] =>
    ops.map((op, i) =>
      op.defer ? 1 : op.want === 'changes' ? (results[i]!.rowCount ?? 0) : results[i]!.rows,
    );
  /**
   * Sends the statements in one round trip (pg-pipeline.ts; one statement too, so that a prepared statement
   * skips its Describe once described) and answers each one's rows or changes.
   */
  const send = async (client: pg.PoolClient, ops: readonly Op[]): Promise<unknown[]> => {
    return answersOf(ops, await pipeline(client, ops.map(wireOf)));
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
  /** Gives back what `acquire` took: the connection (dropped when broken) and its place in the gate. */
  const giveBack = (client: pg.PoolClient, broken: boolean): void => {
    client.release(broken);
    slots.leave();
  };
  /**
   * Runs a script's steps, each of its round trips through `sendOps`. Statements the script need not wait
   * for (BEGIN, deferred writes) wait for the next one that answers rows, and the last ones go with the
   * COMMIT: a write script costs one round trip per read it waits for, plus one.
   */
  const drive = async <T>(
    script: () => Script<T>,
    write: boolean,
    sendOps: (ops: readonly Op[]) => Promise<unknown[]>,
    committing?: () => void,
  ): Promise<T> => {
    let queued: Op[] = write ? [BEGIN] : [];
    const gen = script();
    let step = gen.next();
    while (!step.done) {
      const s = step.value;
      if (!('batch' in s) && s.defer) {
        queued.push(s);
        step = gen.next(1);
        continue;
      }
      const ops = [...queued, ...('batch' in s ? s.batch : [s])];
      const n = queued.length;
      queued = [];
      const answers = await sendOps(ops);
      step = gen.next('batch' in s ? answers.slice(n) : answers[n]);
    }
    if (write) {
      committing?.();
      await sendOps([...queued, COMMIT]);
    } else if (queued.length > 0) await sendOps(queued);
    return step.value;
  };

  // Short reads (RunOptions.short): the round trips asked for while another group of them is on its way go
  // out together on one connection, each with its own Sync (pg-pipeline.ts `pipelines`): one write and one
  // wake-up of the server for many requests, one connection instead of one each, and the server's CPU left
  // to the writes. One group is on its way at a time, as a group commit; another starts beside it only when
  // a full group waits or the one on its way has taken `SHORT_STALL_MS` (a slow read does not hold up the
  // rest for long), at most `SHORT_GROUPS` at once.
  const SHORT_GROUPS = Math.max(1, Math.ceil(options.poolSize / 2));
  const SHORT_GROUP_SIZE = 64;
  const SHORT_STALL_MS = 20;
  type ShortRead = { wire: PipelineStatement[]; done(answer: Answer[] | Error): void };
  const shortReads: ShortRead[] = [];
  let shortGroups = 0;
  let lastGroupAt = 0;
  let shortPlanned = false;
  let stallTimer: NodeJS.Timeout | undefined;
  const sendGroup = async (group: readonly ShortRead[]): Promise<void> => {
    let client: pg.PoolClient;
    try {
      client = await acquire();
    } catch (e) {
      for (const r of group) r.done(e as Error);
      return;
    }
    let broken = false;
    try {
      const answers = await pipelines(
        client,
        group.map((r) => r.wire),
      );
      answers.forEach((answer, i) => {
        if (answer instanceof Error && pgFault(answer) === 'connection') broken = true;
        group[i]!.done(answer);
      });
    } catch (e) {
      // Not expected (each pipeline's error is its answer), but no caller may wait forever.
      broken = true;
      for (const r of group) r.done(e instanceof Error ? e : new Error(String(e)));
    } finally {
      giveBack(client, broken);
    }
  };
  const mayStartGroup = (): boolean =>
    shortGroups === 0 ||
    (shortGroups < SHORT_GROUPS &&
      (shortReads.length >= SHORT_GROUP_SIZE || performance.now() - lastGroupAt >= SHORT_STALL_MS));
  const flushShort = (): void => {
    shortPlanned = false;
    while (shortReads.length > 0 && mayStartGroup()) {
      const group = shortReads.splice(0, SHORT_GROUP_SIZE);
      shortGroups++;
      lastGroupAt = performance.now();
      void sendGroup(group).finally(() => {
        shortGroups--;
        planShort();
      });
    }
    planShort();
  };
  function planShort(): void {
    if (shortPlanned || shortReads.length === 0) return;
    if (mayStartGroup()) {
      shortPlanned = true;
      setImmediate(flushShort); // the other requests of this turn join the group
    } else if (!stallTimer && shortGroups < SHORT_GROUPS) {
      stallTimer = setTimeout(() => {
        stallTimer = undefined;
        flushShort();
      }, SHORT_STALL_MS);
    }
  }
  const sendShort = (ops: readonly Op[]): Promise<unknown[]> =>
    new Promise<Answer[]>((resolve, reject) => {
      shortReads.push({ wire: ops.map(wireOf), done: (a) => (a instanceof Error ? reject(a) : resolve(a)) });
      planShort();
    }).then((results) => answersOf(ops, results));

  const listeners: { stop(): Promise<void> }[] = [];
  let closed = false;

  return {
    dialect: 'postgres',
    schema: schema ?? 'public',
    kysely,
    async run<T>(script: () => Script<T>, runOptions?: RunOptions): Promise<T> {
      const write = !!runOptions?.write;
      if (!write && runOptions?.short) {
        // No connection of its own: nothing to roll back or drop; a connection fault runs it again.
        for (let connectionAttempt = 1; ;) {
          try {
            return await drive(script, false, sendShort);
          } catch (e) {
            if (pgFault(e) === 'connection' && connectionAttempt++ < CONNECTION_ATTEMPTS) {
              await reconnectPause(connectionAttempt);
              continue;
            }
            throw asCouponError(e, statementTimeoutMs);
          }
        }
      }
      for (let attempt = 1, connectionAttempt = 1; ; attempt++) {
        const client = await acquire();
        let broken = false;
        let commitSent = false;
        try {
          return await drive(
            script,
            write,
            (ops) => send(client, ops),
            () => {
              commitSent = true;
            },
          );
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
            await reconnectPause(connectionAttempt);
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
          giveBack(client, broken);
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
        giveBack(client, broken);
      }
    },
    close: async () => {
      closed = true;
      await Promise.all(listeners.map((l) => l.stop()));
      await kysely.destroy(); // ends the pool
    },
  };
}
