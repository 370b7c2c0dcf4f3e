// Notifications (docs/api.md §11): SMS messages written to the outbox with the issue that caused them, event
// webhooks fanned out from the coupon history, and their delivery with retries and backoff. Delivery runs
// in background loops (jobs/delivery-loop.ts); every step claims rows with a lease, so several servers
// share the work and a server that dies mid-delivery leaves its rows to be sent again after the lease.
import { invalid, CouponError } from '../domain/errors.js';
import { renderSms } from '../domain/sms-template.js';
import type { Coupon } from '../domain/coupon.js';
import type { Customer } from '../domain/customer.js';
import type { OrgSettings, Principal } from '../domain/principal.js';
import type { Series } from '../domain/series.js';
import type {
  OutboxMessage,
  StoredEvent,
  WebhookDelivery,
  WebhookSubscription,
} from '../storage/notification-store.js';
import type { Script } from '../storage/script.js';
import type { Stores } from '../storage/stores.js';
import type { AnswerInWork, StorageDeps } from './deps.js';
import { checkUrl, post, retryDelayMs, type DeliveryOptions, type DeliveryResult } from './delivery.js';
import { newWebhookSecret, SIGNATURE_HEADER, signPayload } from './webhook-signature.js';

/** A webhook subscription as the API shows it. */
export interface Webhook {
  id: number;
  url: string;
  events: string[];
  createdAt: number;
  secret: string;
}

export interface Delivery {
  id: number;
  eventId: number;
  eventType: string;
  status: string;
  attempts: number;
  lastStatusCode: number | null;
  lastError: string | null;
  createdAt: number;
  deliveredAt: number | null;
  nextAttemptAt: number | null;
}

/** An SMS message as the API shows it. */
export type Message = Omit<OutboxMessage, 'orgId' | 'nextAttemptAt'>;

const toWebhook = (s: WebhookSubscription): Webhook => ({
  id: s.id,
  url: s.url,
  events: JSON.parse(s.events) as string[],
  createdAt: s.createdAt,
  secret: s.secret,
});
const toDelivery = (d: WebhookDelivery): Delivery => ({
  id: d.id,
  eventId: d.eventId,
  eventType: d.eventType,
  status: d.status,
  attempts: d.attempts,
  lastStatusCode: d.lastStatusCode,
  lastError: d.lastError,
  createdAt: d.createdAt,
  deliveredAt: d.deliveredAt,
  nextAttemptAt: d.status === 'pending' ? d.nextAttemptAt : null,
});
const toMessage = (m: OutboxMessage): Message => ({
  id: m.id,
  customerId: m.customerId,
  couponId: m.couponId,
  mobile: m.mobile,
  text: m.text,
  status: m.status,
  attempts: m.attempts,
  lastError: m.lastError,
  createdAt: m.createdAt,
  deliveredAt: m.deliveredAt,
});

/** Coupon history event types and the webhook event names they are sent as. */
const WEBHOOK_NAMES: Readonly<Record<string, string>> = {
  issued: 'coupon.issued',
  resent: 'coupon.resent',
  held: 'coupon.held',
  released: 'coupon.released',
  redeemed: 'coupon.redeemed',
  imported: 'coupon.redeemed',
  reactivated: 'coupon.reactivated',
  redemption_updated: 'coupon.redemption_updated',
  revoked: 'coupon.revoked',
  hold_expired: 'coupon.hold_expired',
  upload_finished: 'coupon.upload_finished',
  expiry_changed: 'coupon.expiry_changed',
};
export const WEBHOOK_EVENTS = [...new Set(Object.values(WEBHOOK_NAMES))];

/** Rows claimed per step; a lease long enough for a slow receiver (requests time out well before it). */
const BATCH = 50;
const LEASE_MS = 60_000;

/**
 * Writes the SMS of a new coupon into the outbox, inside the issuing transaction (so a rolled-back issue
 * sends nothing and no issued coupon loses its message). Answers the template's unknown tags.
 */
export function* enqueueIssueSms(
  stores: Stores,
  org: OrgSettings,
  customer: Customer,
  coupon: Coupon,
  series: Series,
  now: number,
): Script<string[]> {
  if (series.isSmsDisabled || !customer.mobile || series.smsTemplate.trim() === '') return [];
  const { text, unknownTags } = renderSms(series.smsTemplate, {
    code: coupon.code,
    firstName: customer.firstName,
    lastName: customer.lastName,
    offerName: series.description,
    issuedAt: coupon.issuedAt ?? now,
    validTill: coupon.validTill ?? series.validTillDate,
    timezone: org.timezone,
  });
  yield* stores.notification.addMessage({
    org: org.orgId,
    customer: customer.id,
    coupon: coupon.id,
    mobile: customer.mobile,
    text,
    now,
  });
  return unknownTags;
}

export function createNotificationService(deps: StorageDeps & { delivery: DeliveryOptions }) {
  const { engine, stores, now, delivery } = deps;
  const write = { write: true } as const;

  /** After the n-th failed attempt (delivery.ts, retryDelayMs). */
  const backoff = (attempts: number) => retryDelayMs(attempts, delivery.retryBaseMs);

  async function record(
    kind: 'sms' | 'webhook',
    row: { orgId: number; id: number; attempts: number },
    result: DeliveryResult,
  ) {
    const t = now();
    await engine.run(function* () {
      if (result.ok) {
        yield* stores.notification.markDelivered(kind, row.orgId, row.id, t, result.status ?? 0);
        return;
      }
      const failed = row.attempts >= delivery.maxAttempts;
      yield* stores.notification.markRetry(kind, {
        org: row.orgId,
        id: row.id,
        next: t + backoff(row.attempts),
        failed,
        error: result.error ?? 'failed',
        code: result.status,
      });
    }, write);
  }

  async function sendSms(m: OutboxMessage, gateways: Map<number, string | null>): Promise<void> {
    let gateway = gateways.get(m.orgId);
    if (gateway === undefined) {
      gateway = (await engine.run(() => stores.org.find(m.orgId)))?.smsWebhookUrl ?? null;
      gateways.set(m.orgId, gateway);
    }
    if (!gateway) {
      await record('sms', m, { ok: false, status: null, error: 'the org has no smsWebhookUrl' });
      return;
    }
    const body = JSON.stringify({
      messageId: m.id,
      mobile: m.mobile,
      text: m.text,
      couponCode: await codeOf(m),
      customerId: m.customerId,
    });
    await record('sms', m, await post(gateway, body, { 'x-coupond-message': String(m.id) }, delivery));
  }

  async function codeOf(m: OutboxMessage): Promise<string | null> {
    const couponId = m.couponId;
    if (couponId === null) return null;
    return (await engine.run(() => stores.coupon.find(m.orgId, couponId)))?.code ?? null;
  }

  async function sendWebhook(d: WebhookDelivery): Promise<void> {
    const sub = await engine.run(() => stores.notification.signingOf(d.orgId, d.subscriptionId));
    if (!sub || sub.deletedAt !== null) {
      await record(
        'webhook',
        { ...d, attempts: delivery.maxAttempts },
        { ok: false, status: null, error: 'subscription deleted' },
      );
      return;
    }
    const t = Math.floor(now() / 1000);
    const result = await post(
      sub.url,
      d.payload,
      {
        [SIGNATURE_HEADER]: signPayload(sub.secret, d.payload, t),
        'x-coupond-event': d.eventType,
        'x-coupond-delivery': String(d.id),
      },
      delivery,
    );
    await record('webhook', d, result);
  }

  function payloadOf(e: StoredEvent, name: string, codes: Map<number, string>): string {
    return JSON.stringify({
      id: `evt_${e.id}`,
      type: name,
      createdAt: new Date(e.at).toISOString(),
      orgId: e.orgId,
      data: {
        couponId: e.couponId || null,
        code: codes.get(e.couponId) ?? null,
        seriesId: e.seriesId,
        customerId: e.customerId,
        actor: e.actor,
        details: JSON.parse(e.details) as unknown,
      },
    });
  }

  /** Turns new history events into deliveries for one subscription; answers how many events it passed. */
  async function fanOutOne(s: WebhookSubscription): Promise<number> {
    const t = now();
    return engine.run(function* () {
      const locked = yield* stores.notification.lockSubscription(s.orgId, s.id);
      if (!locked) return 0;
      const events = yield* stores.notification.eventsAfter(locked, 500);
      if (events.length === 0) return 0;
      const wanted = new Set(JSON.parse(locked.events) as string[]);
      const couponIds = [...new Set(events.map((e) => e.couponId).filter((id) => id > 0))];
      const codes = new Map(
        (yield* stores.coupon.findManyById(locked.orgId, couponIds)).map((c) => [c.id, c.code]),
      );
      for (const e of events) {
        const name = WEBHOOK_NAMES[e.type];
        if (!name || !wanted.has(name)) continue;
        yield* stores.notification.addDelivery({
          org: locked.orgId,
          subscription: locked.id,
          event: e.id,
          type: name,
          payload: payloadOf(e, name, codes),
          now: t,
        });
      }
      const last = events[events.length - 1]!;
      yield* stores.notification.moveCursor(locked.orgId, locked.id, last.id, last.txid);
      return events.length;
    }, write);
  }

  return {
    /** Sends due SMS messages to their org's gateway; answers how many were attempted. */
    async deliverSms(): Promise<number> {
      const claimed = await engine.run(
        () => stores.notification.claimMessages(now(), LEASE_MS, BATCH),
        write,
      );
      const gateways = new Map<number, string | null>();
      await Promise.all(claimed.map((m) => sendSms(m, gateways)));
      return claimed.length;
    },

    /** Sends due webhook deliveries, signed; answers how many were attempted. */
    async deliverWebhooks(): Promise<number> {
      const claimed = await engine.run(
        () => stores.notification.claimDeliveries(now(), LEASE_MS, BATCH),
        write,
      );
      await Promise.all(claimed.map((d) => sendWebhook(d)));
      return claimed.length;
    },

    /** Fans new history events out to every subscription; answers how many events were passed. */
    async fanOut(): Promise<number> {
      const subs = await engine.run(() => stores.notification.allActiveSubscriptions());
      let n = 0;
      for (const s of subs) n += await fanOutOne(s);
      return n;
    },

    /** Ends holds that expired and writes a hold_expired event per coupon (for webhooks and history). */
    async expireHolds(): Promise<number> {
      const t = now();
      return engine.run(function* () {
        const ended = yield* stores.hold.expire(t, 200);
        for (const h of ended) {
          for (const it of h.items) {
            yield* stores.event.add({
              org: h.org,
              coupon: it.couponId,
              series: it.seriesId,
              customer: it.customerId,
              type: 'hold_expired',
              at: t,
              actor: 'system',
              details: JSON.stringify({ holdId: h.hold }),
            });
          }
        }
        return ended.length;
      }, write);
    },

    /** With `answer` (an Idempotency-Key), the request's answer is stored with the subscription. */
    async createWebhook(
      p: Principal,
      url: string,
      events: string[],
      answer?: AnswerInWork<Webhook>,
    ): Promise<Webhook> {
      checkUrl(url, delivery.allow, 'url');
      if (events.length === 0) throw invalid('events', `one or more of ${WEBHOOK_EVENTS.join(', ')}`);
      const unknown = events.filter((e) => !WEBHOOK_EVENTS.includes(e));
      if (unknown.length > 0)
        throw invalid('events', `unknown ${unknown.join(', ')}; expected ${WEBHOOK_EVENTS.join(', ')}`);
      const t = now();
      return engine.run(function* () {
        const row = yield* stores.notification.addSubscription({
          org: p.orgId,
          url,
          events: JSON.stringify([...new Set(events)]),
          secret: newWebhookSecret(),
          now: t,
        });
        const done = toWebhook(row);
        if (answer) yield* answer(done);
        return done;
      }, write);
    },

    async listWebhooks(p: Principal): Promise<Webhook[]> {
      return (await engine.run(() => stores.notification.subscriptions(p.orgId))).map(toWebhook);
    },

    async deleteWebhook(p: Principal, id: number): Promise<void> {
      const done = await engine.run(() => stores.notification.deleteSubscription(p.orgId, id, now()), write);
      if (!done) throw new CouponError('NotFound', `webhook ${id}`);
    },

    async deliveries(p: Principal, id: number, limit: number): Promise<Delivery[]> {
      const rows = await engine.run(function* () {
        if (!(yield* stores.notification.subscription(p.orgId, id)))
          throw new CouponError('NotFound', `webhook ${id}`);
        return yield* stores.notification.deliveriesOf(p.orgId, id, limit);
      });
      return rows.map(toDelivery);
    },

    async communications(p: Principal, customerId: number, limit: number): Promise<Message[]> {
      return (await engine.run(() => stores.notification.messagesOf(p.orgId, customerId, limit))).map(
        toMessage,
      );
    },

    checkGatewayUrl: (url: string) => checkUrl(url, delivery.allow, 'smsWebhookUrl'),
  };
}

export type NotificationService = ReturnType<typeof createNotificationService>;
