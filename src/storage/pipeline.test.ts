// Deferred writes and batches (storage/script.ts `guarded`, `blind`, `batch`; on PostgreSQL pipelined by
// pg-pipeline.ts): the same answers and the same all-or-nothing on both databases.
import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestEngine, type TestEngine } from '../../test/support/test-engine.js';
import type { Engine } from './database.js';
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
