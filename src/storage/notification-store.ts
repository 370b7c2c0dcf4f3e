// The SMS outbox, webhook subscriptions and their deliveries (docs/api.md §11). Rows are claimed with a lease, so several servers share the delivery work.
import { sql, type Selectable } from 'kysely';
import type { Engine } from './database.js';
import { newId } from './ids.js';
import { adhoc, all, one, prepare, rows, write, type Params, type Script } from './script.js';

import type { OutboxMessageTable, WebhookDeliveryTable } from './tables.js';
import {
  orNull,
  toDelivery,
  toEvent,
  toOutboxMessage,
  toSubscription,
  type NewDelivery,
  type NewMessage,
  type OutboxMessage,
  type StoredEvent,
  type WebhookDelivery,
  type WebhookSubscription,
} from './notification-shapes.js';

export type {
  NewDelivery,
  NewMessage,
  OutboxMessage,
  StoredEvent,
  WebhookDelivery,
  WebhookSubscription,
} from './notification-shapes.js';

/** A new message or delivery: pending, never tried, due at once. */
const dueFrom = (now: number) => ({
  status: 'pending',
  attempts: 0,
  next_attempt_at: now,
  created_at: now,
});

export function createNotificationStore(engine: Engine) {
  const db = engine.kysely;
  const pg = engine.dialect === 'postgres';

  // --- SMS outbox -------------------------------------------------------------------------------------------
  const insertMessage = prepare((p: Params<NewMessage>) =>
    db.insertInto('outbox_message').values({
      ...newId(engine.dialect, 'outbox_message'),
      org_id: p.org,
      customer_id: p.customer,
      coupon_id: p.coupon,
      mobile: p.mobile,
      text: p.text,
      ...dueFrom(p.now),
    }),
  );
  const messagesOf = prepare((p: Params<{ org: number; customer: number; limit: number }>) =>
    db
      .selectFrom('outbox_message')
      .selectAll()
      .where('org_id', '=', p.org)
      .where('customer_id', '=', p.customer)
      .orderBy('id', 'desc')
      .limit(p.limit),
  );

  /** Claims due rows of a table with a lease: a row leased by a live server is skipped, not waited for. */
  function claim(table: 'outbox_message' | 'webhook_delivery', now: number, until: number, limit: number) {
    let due = db
      .selectFrom(table)
      .select(['org_id', 'id'])
      .where('status', '=', 'pending')
      .where('next_attempt_at', '<=', now)
      .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', now)]))
      .orderBy('next_attempt_at')
      .limit(limit);
    if (pg) due = due.forUpdate().skipLocked();
    return adhoc(
      db
        .updateTable(table)
        .set((eb) => ({ lease_until: until, attempts: eb('attempts', '+', 1) }))
        .where(sql<boolean>`(org_id, id) in (${due})`)
        .returningAll(),
    );
  }

  /** Records a successful delivery; only the first report counts (a row is delivered once). */
  const delivered = (table: 'outbox_message' | 'webhook_delivery') =>
    prepare((p: Params<{ org: number; id: number; now: number; code: number }>) => {
      const q = db
        .updateTable(table)
        .set({ status: 'delivered', delivered_at: p.now, lease_until: null, last_error: null })
        .where('org_id', '=', p.org)
        .where('id', '=', p.id)
        .where('status', '=', 'pending');
      return table === 'webhook_delivery' ? q.set({ last_status_code: p.code }) : q;
    });
  const retry = (table: 'outbox_message' | 'webhook_delivery') =>
    prepare(
      (
        p: Params<{
          org: number;
          id: number;
          next: number;
          status: string;
          error: string;
          code: number | null;
        }>,
      ) => {
        const q = db
          .updateTable(table)
          .set({ status: p.status, next_attempt_at: p.next, lease_until: null, last_error: p.error })
          .where('org_id', '=', p.org)
          .where('id', '=', p.id)
          .where('status', '=', 'pending');
        return table === 'webhook_delivery' ? q.set({ last_status_code: p.code }) : q;
      },
    );
  const messageDelivered = delivered('outbox_message');
  const deliveryDelivered = delivered('webhook_delivery');
  const messageRetry = retry('outbox_message');
  const deliveryRetry = retry('webhook_delivery');

  // --- webhook subscriptions ----------------------------------------------------------------------------------
  const insertSubscription = prepare(
    (
      p: Params<{
        org: number;
        url: string;
        events: string;
        secret: string;
        now: number;
        cursorId: number;
        cursorTxid: number;
      }>,
    ) =>
      db
        .insertInto('webhook_subscription')
        .values({
          ...newId(engine.dialect, 'webhook_subscription'),
          org_id: p.org,
          url: p.url,
          events: p.events,
          secret: p.secret,
          cursor_event_id: p.cursorId,
          cursor_txid: p.cursorTxid,
          created_at: p.now,
        })
        .returningAll(),
  );
  const subscriptions = prepare((p: Params<{ org: number }>) =>
    db
      .selectFrom('webhook_subscription')
      .selectAll()
      .where('org_id', '=', p.org)
      .where('deleted_at', 'is', null)
      .orderBy('id'),
  );
  const subscription = prepare((p: Params<{ org: number; id: number }>) =>
    db
      .selectFrom('webhook_subscription')
      .selectAll()
      .where('org_id', '=', p.org)
      .where('id', '=', p.id)
      .where('deleted_at', 'is', null),
  );
  const deleteSubscription = prepare((p: Params<{ org: number; id: number; now: number }>) =>
    db
      .updateTable('webhook_subscription')
      .set({ deleted_at: p.now })
      .where('org_id', '=', p.org)
      .where('id', '=', p.id)
      .where('deleted_at', 'is', null),
  );
  /** Subscriptions of every org, for the fan-out (the second cross-org read, like the job queue's claim). */
  const activeSubscriptions = prepare(() =>
    db
      .selectFrom('webhook_subscription')
      .selectAll()
      .where('deleted_at', 'is', null)
      .orderBy('org_id')
      .orderBy('id'),
  );
  const lockSubscription = prepare((p: Params<{ org: number; id: number }>) => {
    const q = db
      .selectFrom('webhook_subscription')
      .selectAll()
      .where('org_id', '=', p.org)
      .where('id', '=', p.id)
      .where('deleted_at', 'is', null);
    return pg ? q.forUpdate().skipLocked() : q;
  });
  const lastEventId = prepare((p: Params<{ org: number }>) =>
    db
      .selectFrom('coupon_event')
      .select((eb) => eb.fn.coalesce(eb.fn.max('id'), sql<number>`0`).as('id'))
      .where('org_id', '=', p.org),
  );
  /** PostgreSQL: every transaction with an id below this has finished (committed or rolled back). */
  const horizon = prepare(() =>
    db.selectNoFrom(sql<number>`(pg_snapshot_xmin(pg_current_snapshot())::text)::bigint`.as('h')),
  );
  /**
   * The last transaction id given out before now: every transaction at or past the next one starts after
   * this instant. (The horizon above is lower whenever another transaction is still open.)
   */
  const present = prepare(() =>
    db.selectNoFrom(sql<number>`(pg_snapshot_xmax(pg_current_snapshot())::text)::bigint - 1`.as('h')),
  );
  const eventsAfterId = prepare((p: Params<{ org: number; after: number; limit: number }>) =>
    db
      .selectFrom('coupon_event')
      .selectAll()
      .where('org_id', '=', p.org)
      .where('id', '>', p.after)
      .orderBy('id')
      .limit(p.limit),
  );
  const eventsAfterTx = prepare(
    (p: Params<{ org: number; txid: number; id: number; horizon: number; limit: number }>) =>
      db
        .selectFrom('coupon_event')
        .selectAll()
        .where('org_id', '=', p.org)
        .where('txid', '<', p.horizon)
        .where((eb) =>
          eb.or([eb('txid', '>', p.txid), eb.and([eb('txid', '=', p.txid), eb('id', '>', p.id)])]),
        )
        .orderBy('txid')
        .orderBy('id')
        .limit(p.limit),
  );
  const insertDelivery = prepare((p: Params<NewDelivery>) =>
    db
      .insertInto('webhook_delivery')
      .values({
        ...newId(engine.dialect, 'webhook_delivery'),
        org_id: p.org,
        subscription_id: p.subscription,
        event_id: p.event,
        event_type: p.type,
        payload: p.payload,
        ...dueFrom(p.now),
      })
      .onConflict((oc) => oc.doNothing()),
  );
  const moveCursor = prepare((p: Params<{ org: number; id: number; eventId: number; txid: number }>) =>
    db
      .updateTable('webhook_subscription')
      .set({ cursor_event_id: p.eventId, cursor_txid: p.txid })
      .where('org_id', '=', p.org)
      .where('id', '=', p.id),
  );
  const deliveriesOf = prepare((p: Params<{ org: number; subscription: number; limit: number }>) =>
    db
      .selectFrom('webhook_delivery')
      .selectAll()
      .where('org_id', '=', p.org)
      .where('subscription_id', '=', p.subscription)
      .orderBy('id', 'desc')
      .limit(p.limit),
  );
  const secretOf = prepare((p: Params<{ org: number; id: number }>) =>
    db
      .selectFrom('webhook_subscription')
      .select(['url', 'secret', 'deleted_at'])
      .where('org_id', '=', p.org)
      .where('id', '=', p.id),
  );

  // --- holds that expired ----------------------------------------------------------------------------------------
  return {
    *addMessage(m: NewMessage): Script<void> {
      yield* write(insertMessage, m);
    },
    *messagesOf(org: number, customer: number, limit: number): Script<OutboxMessage[]> {
      return (yield* all(messagesOf, { org, customer, limit })).map(toOutboxMessage);
    },
    *claimMessages(now: number, leaseMs: number, limit: number): Script<OutboxMessage[]> {
      const claimed = claim('outbox_message', now, now + leaseMs, limit);
      return (yield* rows<Selectable<OutboxMessageTable>>(claimed)).map(toOutboxMessage);
    },
    *claimDeliveries(now: number, leaseMs: number, limit: number): Script<WebhookDelivery[]> {
      const claimed = claim('webhook_delivery', now, now + leaseMs, limit);
      return (yield* rows<Selectable<WebhookDeliveryTable>>(claimed)).map(toDelivery);
    },
    *markDelivered(
      kind: 'sms' | 'webhook',
      org: number,
      id: number,
      now: number,
      code: number,
    ): Script<boolean> {
      return (
        (yield* write(kind === 'sms' ? messageDelivered : deliveryDelivered, { org, id, now, code })) === 1
      );
    },
    *markRetry(
      kind: 'sms' | 'webhook',
      r: { org: number; id: number; next: number; failed: boolean; error: string; code: number | null },
    ): Script<void> {
      const p = {
        org: r.org,
        id: r.id,
        next: r.next,
        status: r.failed ? 'failed' : 'pending',
        error: r.error,
        code: r.code,
      };
      yield* write(kind === 'sms' ? messageRetry : deliveryRetry, p);
    },
    *addSubscription(s: {
      org: number;
      url: string;
      events: string;
      secret: string;
      now: number;
    }): Script<WebhookSubscription> {
      // A new subscription starts at the present: events already written are not sent to it. On
      // PostgreSQL the cursor is the last transaction id given out, not the horizon: with any other
      // transaction open the horizon lies below transactions that have already committed, and their
      // events would go to the new subscription. Events of a transaction still open now are skipped too.
      const cursorId = Number((yield* one(lastEventId, { org: s.org }))?.id ?? 0);
      const cursorTxid = pg ? Number((yield* one(present, {}))!.h) : 0;
      return toSubscription((yield* one(insertSubscription, { ...s, cursorId, cursorTxid }))!);
    },
    *subscriptions(org: number): Script<WebhookSubscription[]> {
      return (yield* all(subscriptions, { org })).map(toSubscription);
    },
    *subscription(org: number, id: number): Script<WebhookSubscription | undefined> {
      const row = yield* one(subscription, { org, id });
      return row && toSubscription(row);
    },
    *deleteSubscription(org: number, id: number, now: number): Script<boolean> {
      return (yield* write(deleteSubscription, { org, id, now })) === 1;
    },
    *allActiveSubscriptions(): Script<WebhookSubscription[]> {
      return (yield* all(activeSubscriptions, {})).map(toSubscription);
    },
    /** Locks a subscription for its fan-out; undefined when another server is fanning it out (or it is gone). */
    *lockSubscription(org: number, id: number): Script<WebhookSubscription | undefined> {
      const row = yield* one(lockSubscription, { org, id });
      return row && toSubscription(row);
    },
    /** The next events after a subscription's cursor that are safe to send (their transactions finished). */
    *eventsAfter(s: WebhookSubscription, limit: number): Script<StoredEvent[]> {
      if (!pg)
        return (yield* all(eventsAfterId, { org: s.orgId, after: s.cursorEventId, limit })).map(toEvent);
      const h = Number((yield* one(horizon, {}))!.h);
      const events = yield* all(eventsAfterTx, {
        org: s.orgId,
        txid: s.cursorTxid,
        id: s.cursorEventId,
        horizon: h,
        limit,
      });
      return events.map(toEvent);
    },
    *addDelivery(d: NewDelivery): Script<void> {
      yield* write(insertDelivery, d);
    },
    *moveCursor(org: number, id: number, eventId: number, txid: number): Script<void> {
      yield* write(moveCursor, { org, id, eventId, txid });
    },
    *deliveriesOf(org: number, subscription: number, limit: number): Script<WebhookDelivery[]> {
      return (yield* all(deliveriesOf, { org, subscription, limit })).map(toDelivery);
    },
    *signingOf(
      org: number,
      subscription: number,
    ): Script<{ url: string; secret: string; deletedAt: number | null } | undefined> {
      const row = yield* one(secretOf, { org, id: subscription });
      return row && { url: row.url, secret: row.secret, deletedAt: orNull(row.deleted_at) };
    },
  };
}

export type NotificationStore = ReturnType<typeof createNotificationStore>;
