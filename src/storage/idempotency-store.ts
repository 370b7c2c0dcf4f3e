// Idempotency keys (docs/api.md §3 beyond): one row per org and key, holding the first answer. A row is
// only ever written as a finished answer, inside the transaction of the work it answers where the route
// allows (docs/architecture.md, "Idempotency"); no row stands for a request still running.
import type { Selectable } from 'kysely';
import type { Engine } from './database.js';
import { one, prepare, write, type Params, type Script } from './script.js';
import type { IdempotencyKeyTable } from './tables.js';

/** The answer an idempotency key holds. */
export interface StoredAnswer {
  /** 'done' (a 'pending' row was written by earlier versions only). */
  state: string;
  requestHash: string;
  responseStatus: number | null;
  responseBody: string | null;
  createdAt: number;
}

const toStoredAnswer = (r: Selectable<IdempotencyKeyTable>): StoredAnswer => ({
  state: r.state,
  requestHash: r.request_hash,
  responseStatus: r.response_status,
  responseBody: r.response_body,
  createdAt: r.created_at,
});

export interface NewAnswer {
  org: number;
  key: string;
  client: number;
  hash: string;
  status: number;
  body: string;
  now: number;
  /** A row created before this is expired and may be replaced. */
  expiredBefore: number;
}

export function createIdempotencyStore(engine: Engine) {
  const db = engine.kysely;
  const find = prepare((p: Params<{ org: number; key: string }>) =>
    db.selectFrom('idempotency_key').selectAll().where('org_id', '=', p.org).where('key', '=', p.key),
  );
  /**
   * Stores an answer unless a live one is there already: a unique (org, key) row. On PostgreSQL a second
   * transaction writing the same key waits for the first to end, then writes nothing and answers 0.
   * A leftover 'pending' row (written by earlier versions, which claimed keys ahead of the work) is
   * replaced, as is an expired answer.
   */
  const record = prepare((p: Params<NewAnswer>) => {
    const answer = {
      client_id: p.client,
      request_hash: p.hash,
      state: 'done',
      response_status: p.status,
      response_body: p.body,
      created_at: p.now,
    };
    return db
      .insertInto('idempotency_key')
      .values({ org_id: p.org, key: p.key, ...answer })
      .onConflict((oc) =>
        oc
          .columns(['org_id', 'key'])
          .doUpdateSet(answer)
          .where((eb) =>
            eb.or([
              eb('idempotency_key.state', '<>', 'done'),
              eb('idempotency_key.created_at', '<', p.expiredBefore),
            ]),
          ),
      );
  });

  return {
    *find(org: number, key: string): Script<StoredAnswer | undefined> {
      const row = yield* one(find, { org, key });
      return row && toStoredAnswer(row);
    },
    /** True when the answer was stored; false when the key already holds a live answer. */
    *record(r: NewAnswer): Script<boolean> {
      return (yield* write(record, r)) > 0;
    },
  };
}
