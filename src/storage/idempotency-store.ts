// Idempotency keys (docs/api.md §3 beyond): one row per org and key, holding the first answer.
import type { Selectable } from 'kysely';
import type { Engine } from './database.js';
import { one, prepare, write, type Params, type Script } from './script.js';
import type { IdempotencyKeyTable } from './tables.js';

export type IdempotencyRow = Selectable<IdempotencyKeyTable>;

export function createIdempotencyStore(engine: Engine) {
  const db = engine.kysely;
  const claim = prepare(
    (p: Params<{ org: number; key: string; client: number; hash: string; now: number }>) =>
      db
        .insertInto('idempotency_key')
        .values({
          org_id: p.org,
          key: p.key,
          client_id: p.client,
          request_hash: p.hash,
          state: 'pending',
          created_at: p.now,
        })
        .onConflict((oc) => oc.doNothing()),
  );
  const find = prepare((p: Params<{ org: number; key: string }>) =>
    db.selectFrom('idempotency_key').selectAll().where('org_id', '=', p.org).where('key', '=', p.key),
  );
  /** Takes over a stale row (expired, or pending past its deadline) for a new request. */
  const takeOver = prepare(
    (
      p: Params<{
        org: number;
        key: string;
        client: number;
        hash: string;
        now: number;
        expiredBefore: number;
        staleBefore: number;
      }>,
    ) =>
      db
        .updateTable('idempotency_key')
        .set({
          client_id: p.client,
          request_hash: p.hash,
          state: 'pending',
          response_status: null,
          response_body: null,
          created_at: p.now,
        })
        .where('org_id', '=', p.org)
        .where('key', '=', p.key)
        .where((eb) =>
          eb.or([
            eb('created_at', '<', p.expiredBefore),
            eb.and([eb('state', '=', 'pending'), eb('created_at', '<', p.staleBefore)]),
          ]),
        ),
  );
  const complete = prepare((p: Params<{ org: number; key: string; status: number; body: string }>) =>
    db
      .updateTable('idempotency_key')
      .set({ state: 'done', response_status: p.status, response_body: p.body })
      .where('org_id', '=', p.org)
      .where('key', '=', p.key),
  );
  const release = prepare((p: Params<{ org: number; key: string }>) =>
    db
      .deleteFrom('idempotency_key')
      .where('org_id', '=', p.org)
      .where('key', '=', p.key)
      .where('state', '=', 'pending'),
  );

  return {
    *claim(r: { org: number; key: string; client: number; hash: string; now: number }): Script<boolean> {
      return (yield* write(claim, r)) > 0;
    },
    *find(org: number, key: string): Script<IdempotencyRow | undefined> {
      return yield* one(find, { org, key });
    },
    *takeOver(r: {
      org: number;
      key: string;
      client: number;
      hash: string;
      now: number;
      expiredBefore: number;
      staleBefore: number;
    }): Script<boolean> {
      return (yield* write(takeOver, r)) > 0;
    },
    *complete(org: number, key: string, status: number, body: string): Script<void> {
      yield* write(complete, { org, key, status, body });
    },
    *release(org: number, key: string): Script<void> {
      yield* write(release, { org, key });
    },
  };
}
