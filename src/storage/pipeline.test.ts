// Deferred writes and batches (storage/script.ts `guarded`, `blind`, `batch`; on PostgreSQL pipelined by
// pg-pipeline.ts): the same answers and the same all-or-nothing on both databases.
import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestEngine, type TestEngine } from '../../test/support/test-engine.js';
import type { Engine } from './database.js';
import { SHORT_READ } from './engine.js';
import { migrateToLatest } from './migrate.js';
import { adhoc, batch, blind, guarded, prepare, rows, type Params, type Script } from './script.js';

let opened: TestEngine;
let engine: Engine;
beforeAll(async () => {
  opened = await openTestEngine('pipeline', 2);
  engine = opened.engine;
  await migrateToLatest(engine); // coupond_guard on PostgreSQL
  await sql`create table thing (id integer primary key, n integer not null)`.execute(engine.kysely);
});
afterAll(() => opened.close());

type Db = { thing: { id: number; n: number } };
const db = () => engine.kysely as unknown as Kysely<Db>;
const ids = function* (): Script<number[]> {
  return (yield* rows<{ id: number }>(adhoc(db().selectFrom('thing').select('id').orderBy('id')))).map((r) =>
    Number(r.id),
  );
};

describe('deferred writes', () => {
  it('sends the same new prepared statement twice in one round trip, and both rows are written', async () => {
    // A statement not yet prepared on the connection, twice before the COMMIT: parsed once.
    const insert = prepare((p: Params<{ id: number }>) =>
      db().insertInto('thing').values({ id: p.id, n: 0 }),
    );
    await engine.run(
      function* () {
        yield* blind(insert, { id: 1 });
        yield* blind(insert, { id: 2 });
        yield* blind(insert, { id: 3 });
      },
      { write: true },
    );
    expect(await engine.run(ids)).toEqual([1, 2, 3]);
  });

  it('a guard that changes no row undoes the whole script and runs it again', async () => {
    const bump = prepare((p: Params<{ id: number; expected: number }>) =>
      db()
        .updateTable('thing')
        .set((eb) => ({ n: eb('n', '+', 1) }))
        .where('id', '=', p.id)
        .where('n', '=', p.expected),
    );
    const insert = prepare((p: Params<{ id: number }>) =>
      db().insertInto('thing').values({ id: p.id, n: 0 }),
    );
    let runs = 0;
    const result = engine.run(
      function* () {
        runs++;
        yield* blind(insert, { id: 10 + runs });
        yield* guarded(bump, { id: 1, expected: 99 }, 'never');
      },
      { write: true },
    );
    await expect(result).rejects.toThrow();
    expect(runs).toBeGreaterThan(1);
    expect((await engine.run(ids)).filter((id) => id > 10)).toEqual([]);
    // And a guard that holds commits.
    await engine.run(() => guarded(bump, { id: 1, expected: 0 }, 'bump'), { write: true });
    const [row] = await engine.run(() =>
      rows<{ n: number }>(adhoc(db().selectFrom('thing').select('n').where('id', '=', 1))),
    );
    expect(Number(row!.n)).toBe(1);
  });

  it('answers a batch in order', async () => {
    const answers = await engine.run(() =>
      batch([
        adhoc(db().selectFrom('thing').select('id').where('id', '=', 2)),
        adhoc(db().selectFrom('thing').select('id').where('id', '=', 3)),
      ]),
    );
    expect((answers as { id: number }[][]).map((r) => Number(r[0]!.id))).toEqual([2, 3]);
  });
});

describe('statements described once', () => {
  it('answers the same rows, types and empty results on every run after the first (pg-pipeline.ts keeps descriptions)', async () => {
    // On PostgreSQL a prepared statement's Describe is sent once per connection; later runs parse their
    // rows with the kept description. Several statements of different shapes in one batch, run enough
    // times that every pooled connection has described them, must answer exactly what the first run did.
    await sql`create table described (id bigint primary key, label text, at bigint)`.execute(engine.kysely);
    await sql`insert into described values (1, 'one', 1700000000000), (2, null, null), (3, 'three', 5)`.execute(
      engine.kysely,
    );
    type D = { described: { id: number; label: string | null; at: number | null } };
    const d = () => engine.kysely as unknown as Kysely<D>;
    const all = prepare((p: Params<{ min: number }>) =>
      d().selectFrom('described').selectAll().where('id', '>=', p.min).orderBy('id'),
    );
    const none = prepare((p: Params<{ id: number }>) =>
      d().selectFrom('described').select(['label']).where('id', '=', p.id),
    );
    const labels = prepare((p: Params<{ min: number }>) =>
      d().selectFrom('described').select(['label', 'id']).where('id', '>=', p.min).orderBy('id', 'desc'),
    );
    const runOnce = () =>
      engine.run(() => batch([all.bind({ min: 1 }), none.bind({ id: 99 }), labels.bind({ min: 2 })]));
    const first = await runOnce();
    expect(first).toEqual([
      [
        { id: 1, label: 'one', at: 1700000000000 },
        { id: 2, label: null, at: null },
        { id: 3, label: 'three', at: 5 },
      ],
      [],
      [
        { label: 'three', id: 3 },
        { label: null, id: 2 },
      ],
    ]);
    const runs = await Promise.all(Array.from({ length: 8 }, runOnce));
    for (const r of runs) expect(r).toEqual(first);
    // One statement alone goes the same way.
    for (let i = 0; i < 4; i++)
      expect(await engine.run(() => rows(labels.bind({ min: 3 })))).toEqual([{ label: 'three', id: 3 }]);
  });
});

describe('short reads (RunOptions.short)', () => {
  it('each of many concurrent short reads gets its own answer, and one that fails fails alone', async () => {
    // On PostgreSQL the short reads of one event-loop turn share a connection and one write, each with its
    // own Sync (postgres-engine.ts "short reads"): the answers must not mix, an error must reach only its
    // own script (the server skips the rest of that pipeline only), and a statement prepared by one of
    // them must serve the others written behind it before its ParseComplete came back.
    await sql`create table shortread (id integer primary key, label text not null)`.execute(engine.kysely);
    await sql`insert into shortread values (1, 'a'), (2, 'b'), (3, 'c'), (4, 'd')`.execute(engine.kysely);
    type S = { shortread: { id: number; label: string } };
    const s = () => engine.kysely as unknown as Kysely<S>;
    const byId = prepare((p: Params<{ id: number }>) =>
      s().selectFrom('shortread').select(['id', 'label']).where('id', '=', p.id),
    );
    const divide = prepare((p: Params<{ by: number }>) =>
      s()
        .selectFrom('shortread')
        .select(sql<number>`cast(100 / ${sql.ref('shortread.id')} / ${p.by} as integer)`.as('q'))
        .where('id', '=', 1),
    );
    const one = (id: number) =>
      engine.run(function* () {
        const [first, second] = (yield* batch([byId.bind({ id }), byId.bind({ id: 5 - id })])) as {
          id: number;
          label: string;
        }[][];
        return `${first![0]!.label}${second![0]!.label}`;
      }, SHORT_READ);
    // Two ways to fail: a table that does not exist yet (refused when the statement is parsed) and, on
    // PostgreSQL, a division by zero (refused while it runs, after its Parse was answered; SQLite answers
    // null there).
    type L = { shortlater: { id: number } };
    const later = prepare((p: Params<{ id: number }>) =>
      (engine.kysely as unknown as Kysely<L>).selectFrom('shortlater').select('id').where('id', '=', p.id),
    );
    const parseFails = (i: number) => i % 7 === 3;
    const runFails = (i: number) => engine.dialect === 'postgres' && i % 11 === 5;
    for (let round = 0; round < 3; round++) {
      const calls = Array.from({ length: 24 }, (_, i) =>
        parseFails(i)
          ? engine.run(() => rows(later.bind({ id: 1 })), SHORT_READ)
          : runFails(i)
            ? engine.run(() => rows(divide.bind({ by: 0 })), SHORT_READ)
            : one((i % 4) + 1),
      );
      const settled = await Promise.allSettled(calls);
      settled.forEach((r, i) => {
        if (parseFails(i) || runFails(i)) expect(r.status, `call ${i}`).toBe('rejected');
        else
          expect(r, `call ${i}`).toEqual({
            status: 'fulfilled',
            value: ['ad', 'bc', 'cb', 'da'][i % 4],
          });
      });
    }
    // And the statements that failed run once they can.
    await sql`create table shortlater (id integer primary key)`.execute(engine.kysely);
    await sql`insert into shortlater values (1)`.execute(engine.kysely);
    const [found, quotient] = await Promise.all([
      engine.run(() => rows<{ id: number }>(later.bind({ id: 1 })), SHORT_READ),
      engine.run(() => rows<{ q: number }>(divide.bind({ by: 2 })), SHORT_READ),
    ]);
    expect(found.map((r) => Number(r.id))).toEqual([1]);
    expect(quotient).toEqual([{ q: 50 }]);
  });
});
