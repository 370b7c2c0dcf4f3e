// Coupon history (`coupon_event`): one row per change of a coupon, written in the transaction that made the
// change; read back as the coupon's history (docs/api.md §9) and fanned out to webhooks.
import type { CouponEvent } from '../domain/coupon.js';
import type { Engine } from './database.js';
import { newId } from './ids.js';
import { all, blind, prepare, type Params, type Script } from './script.js';

export interface NewEvent {
  org: number;
  coupon: number;
  series: number;
  customer: number | null;
  type: string;
  at: number;
  actor: string;
  /** JSON text. */
  details: string;
}

export function createEventStore(engine: Engine) {
  const db = engine.kysely;

  const insert = prepare((p: Params<NewEvent>) =>
    db.insertInto('coupon_event').values({
      ...newId(engine.dialect, 'coupon_event'),
      org_id: p.org,
      coupon_id: p.coupon,
      series_id: p.series,
      customer_id: p.customer,
      type: p.type,
      at: p.at,
      actor: p.actor,
      details: p.details,
    }),
  );
  const history = prepare((p: Params<{ org: number; coupon: number }>) =>
    db
      .selectFrom('coupon_event')
      .selectAll()
      .where('org_id', '=', p.org)
      .where('coupon_id', '=', p.coupon)
      .orderBy('id'),
  );

  return {
    /** Records an event; on PostgreSQL it travels with the next statement (nobody waits for it). */
    *add(e: NewEvent): Script<void> {
      yield* blind(insert, e);
    },
    /** Every event of a coupon, oldest first. */
    *history(org: number, coupon: number): Script<CouponEvent[]> {
      return (yield* all(history, { org, coupon })).map((r) => ({
        type: r.type,
        at: Number(r.at),
        actor: r.actor,
        details: JSON.parse(r.details) as Record<string, unknown>,
      }));
    },
  };
}

export type EventStore = ReturnType<typeof createEventStore>;
