// The script runner's transaction boundaries, on the database the suite runs against. On SQLite the
// write scripts of one event-loop turn share one transaction (group commit), each in a savepoint: these
// tests pin down that a failing script undoes only its own work and that callers hear back only after
// the commit.
import BetterSqlite3 from 'better-sqlite3';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { onPostgres } from '../../test/support/test-database.js';
import { openTestEngine, type TestEngine } from '../../test/support/test-engine.js';
import { openDatabase, type Engine } from './database.js';
import { adhoc, rows, type Script } from './script.js';

let opened: TestEngine;
let engine: Engine;
beforeAll(async () => {
  opened = await openTestEngine('runner', 4);
  engine = opened.engine;
  await sql`create table item (id integer primary key, note text not null)`.execute(engine.kysely);
});
afterAll(() => opened.close());

const op = (query: ReturnType<typeof sql>) => adhoc(query.compile(engine.kysely));
function* insert(id: number): Script<void> {
  yield* rows(op(sql`insert into item (id, note) values (${id}, ${'n'})`));
}
function* ids(): Script<number[]> {
  return (yield* rows<{ id: number }>(op(sql`select id from item order by id`))).map((r) => Number(r.id));
}

describe('write scripts started together', () => {
  it('keep the work of the ones that succeed when another one fails, and each sees those before it', async () => {
    const [a, b, c] = await Promise.allSettled([
      engine.run(() => insert(1), { write: true }),
      engine.run(
        function* () {
          yield* insert(2);
          throw new Error('refused after writing');
        },
        { write: true },
      ),
      engine.run(
        function* () {
          yield* insert(3);
          return yield* ids();
        },
        { write: true },
      ),
    ]);
    expect(a.status).toBe('fulfilled');
    expect(b).toMatchObject({ status: 'rejected', reason: { message: 'refused after writing' } });
    expect(c.status).toBe('fulfilled');
    // On SQLite the three ran in arrival order in one transaction: the third saw the first, not the second.
    if (!onPostgres) expect((c as PromiseFulfilledResult<number[]>).value).toEqual([1, 3]);
    expect(await engine.run(() => ids())).toEqual([1, 3]);
  });

  it('answer a caller only once its work is committed, in one transaction per event-loop turn (SQLite)', async () => {
    if (onPostgres) return; // the PostgreSQL runner gives each script its own transaction
    const before = engine.writeSeq!();
    const written = Promise.all([10, 11, 12].map((id) => engine.run(() => insert(id), { write: true })));
    // Nothing has run yet: the group starts at the next turn of the event loop.
    expect(await engine.run(() => ids())).toEqual([1, 3]);
    await written;
    expect(engine.writeSeq!() - before).toBe(2); // one BEGIN … COMMIT for the three
    expect(await engine.run(() => ids())).toEqual([1, 3, 10, 11, 12]);
  });

  it('fail every caller of a group whose transaction cannot start, and keep nothing of it (SQLite)', async () => {
    if (onPostgres) return;
    // Another connection holds the write lock past the runner's time bound (5 s): the group gives up.
    const holder = new BetterSqlite3(`${opened.db.dataDir}/runner.db`);
    holder.exec('begin immediate');
    try {
      const settled = await Promise.allSettled(
        [20, 21].map((id) => engine.run(() => insert(id), { write: true })),
      );
      expect(settled.map((s) => s.status)).toEqual(['rejected', 'rejected']);
      // Answered 503 (the database is unavailable, nothing written), not an unexpected error (500).
      for (const s of settled)
        expect((s as PromiseRejectedResult).reason).toMatchObject({ reason: 'DatabaseUnavailable' });
    } finally {
      holder.exec('rollback');
      holder.close();
    }
    expect(await engine.run(() => ids())).toEqual([1, 3, 10, 11, 12]);
    await engine.run(() => insert(22), { write: true }); // and the runner goes on afterwards
    expect(await engine.run(() => ids())).toEqual([1, 3, 10, 11, 12, 22]);
  }, 20_000);

  it('wait for another connection’s write lock without blocking the event loop, serving reads meanwhile (SQLite)', async () => {
    if (onPostgres) return;
    const holder = new BetterSqlite3(`${opened.db.dataDir}/runner.db`);
    holder.exec('begin immediate');
    let released = false;
    // The longest the event loop went without running a 10 ms interval while the lock was held.
    let last = performance.now();
    let worstGap = 0;
    const ticker = setInterval(() => {
      const t = performance.now();
      worstGap = Math.max(worstGap, t - last);
      last = t;
    }, 10);
    try {
      const written = engine
        .run(() => insert(30), { write: true })
        .then((v) => {
          if (!released) throw new Error('the write was answered while another connection held the lock');
          return v;
        });
      const readsDuringLock: number[] = [];
      for (let i = 0; i < 10; i++) {
        const t0 = performance.now();
        expect(await engine.run(() => ids())).not.toContain(30);
        readsDuringLock.push(performance.now() - t0);
        await new Promise((r) => setTimeout(r, 100));
      }
      released = true;
      holder.exec('rollback');
      await written;
      expect(Math.max(...readsDuringLock)).toBeLessThan(200);
      expect(worstGap).toBeLessThan(250);
    } finally {
      clearInterval(ticker);
      if (holder.inTransaction) holder.exec('rollback');
      holder.close();
    }
    expect(await engine.run(() => ids())).toContain(30);
  }, 20_000);
});

describe('a burst of scripts on a small PostgreSQL pool', () => {
  it('waits for a busy pool to free a connection (bounded by the statement timeout), not the short acquire timeout', async () => {
    if (!onPostgres) {
      console.log(
        '[database] busy-pool test skipped: it is about the PostgreSQL pool (TEST_DATABASE_URL unset)',
      );
      return;
    }
    const small = await openDatabase({
      url: opened.db.env.DATABASE_URL,
      sqlitePath: `${opened.db.dataDir}/unused.db`,
      pgSchema: opened.db.env.DATABASE_SCHEMA,
      poolSize: 2,
      acquireTimeoutMs: 100,
      statementTimeoutMs: 2_000,
    });
    try {
      // Readiness probes (/ready) use the pool too, and must give their place back: more probes than
      // connections, then the burst (a leak made every later script wait out the bound, then 503).
      for (let i = 0; i < 5; i++) await small.ping();
      function* slow(): Script<number> {
        yield* rows(op(sql`select pg_sleep(0.05)`));
        return 1;
      }
      // 16 scripts of 50 ms on 2 connections: the last waits ~400 ms for a free one, four times the
      // acquire timeout; every one must run.
      const results = await Promise.allSettled(
        Array.from({ length: 16 }, () => small.run(slow, { write: true })),
      );
      const failed = results.filter((r) => r.status === 'rejected');
      expect(failed.map((r) => String((r as PromiseRejectedResult).reason))).toEqual([]);
    } finally {
      await small.close();
    }
  });
});
