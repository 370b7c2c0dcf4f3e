// What the notification store answers (docs/api.md §11): the outbox's messages, webhook subscriptions and
// deliveries, and the coupon events they carry, as camelCase types, with the mapping from their rows.
import type { Selectable } from 'kysely';
import type {
  CouponEventTable,
  OutboxMessageTable,
  WebhookDeliveryTable,
  WebhookSubscriptionTable,
} from './tables.js';

/** An SMS message of the outbox. */
export interface OutboxMessage {
  orgId: number;
  id: number;
  customerId: number;
  couponId: number | null;
  mobile: string;
  text: string;
  /** 'pending' | 'delivered' | 'failed' */
  status: string;
  attempts: number;
  nextAttemptAt: number;
  lastError: string | null;
  createdAt: number;
  deliveredAt: number | null;
}

/** An event webhook and how far its fan-out has got. */
export interface WebhookSubscription {
  orgId: number;
  id: number;
  url: string;
  /** The webhook event names, as a JSON array. */
  events: string;
  secret: string;
  /** The fan-out's cursor: last event id, and (PostgreSQL) last finished transaction. */
  cursorEventId: number;
  cursorTxid: number;
  createdAt: number;
}

/** One event to one webhook, with its attempts. */
export interface WebhookDelivery {
  orgId: number;
  id: number;
  subscriptionId: number;
  eventId: number;
  eventType: string;
  payload: string;
  /** 'pending' | 'delivered' | 'failed' */
  status: string;
  attempts: number;
  nextAttemptAt: number;
  lastStatusCode: number | null;
  lastError: string | null;
  createdAt: number;
  deliveredAt: number | null;
}

/** A coupon history event as the fan-out sends it. */
export interface StoredEvent {
  orgId: number;
  id: number;
  txid: number;
  /** 0: an event of no one coupon (an upload's end). */
  couponId: number;
  seriesId: number;
  customerId: number | null;
  type: string;
  at: number;
  actor: string;
  /** JSON. */
  details: string;
}

/** An SMS message to send: written with the issue that caused it. */
export interface NewMessage {
  org: number;
  customer: number;
  coupon: number | null;
  mobile: string;
  text: string;
  now: number;
}

/** One event to send to one subscription. */
export interface NewDelivery {
  org: number;
  subscription: number;
  event: number;
  type: string;
  payload: string;
  now: number;
}

export const orNull = (v: number | null): number | null => (v === null ? null : Number(v));

export const toOutboxMessage = (m: Selectable<OutboxMessageTable>): OutboxMessage => ({
  orgId: Number(m.org_id),
  id: Number(m.id),
  customerId: Number(m.customer_id),
  couponId: orNull(m.coupon_id),
  mobile: m.mobile,
  text: m.text,
  status: m.status,
  attempts: Number(m.attempts),
  nextAttemptAt: Number(m.next_attempt_at),
  lastError: m.last_error,
  createdAt: Number(m.created_at),
  deliveredAt: orNull(m.delivered_at),
});

export const toSubscription = (s: Selectable<WebhookSubscriptionTable>): WebhookSubscription => ({
  orgId: Number(s.org_id),
  id: Number(s.id),
  url: s.url,
  events: s.events,
  secret: s.secret,
  cursorEventId: Number(s.cursor_event_id),
  cursorTxid: Number(s.cursor_txid),
  createdAt: Number(s.created_at),
});

export const toDelivery = (d: Selectable<WebhookDeliveryTable>): WebhookDelivery => ({
  orgId: Number(d.org_id),
  id: Number(d.id),
  subscriptionId: Number(d.subscription_id),
  eventId: Number(d.event_id),
  eventType: d.event_type,
  payload: d.payload,
  status: d.status,
  attempts: Number(d.attempts),
  nextAttemptAt: Number(d.next_attempt_at),
  lastStatusCode: orNull(d.last_status_code),
  lastError: d.last_error,
  createdAt: Number(d.created_at),
  deliveredAt: orNull(d.delivered_at),
});

export const toEvent = (e: Selectable<CouponEventTable>): StoredEvent => ({
  orgId: Number(e.org_id),
  id: Number(e.id),
  txid: Number(e.txid),
  couponId: Number(e.coupon_id),
  seriesId: Number(e.series_id),
  customerId: orNull(e.customer_id),
  type: e.type,
  at: Number(e.at),
  actor: e.actor,
  details: e.details,
});
