// Notifications (docs/api.md §11): SMS messages written to the outbox with the issue that caused them, event
// webhooks fanned out from the coupon history, and their delivery with retries and backoff. Delivery runs
// in background loops (jobs/delivery-loop.ts); every step claims rows with a lease, so several servers
// share the work and a server that dies mid-delivery leaves its rows to be sent again after the lease.
import dns from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { invalid, CouponError } from '../domain/errors.js';
import { renderSms } from '../domain/sms-template.js';
import type { Coupon } from '../domain/coupon.js';
import type { Customer } from '../domain/customer.js';
import type { OrgSettings, Principal } from '../domain/principal.js';
import type { Series } from '../domain/series.js';
import type { DeliveryRow, EventRow, OutboxRow, SubscriptionRow } from '../storage/notification-store.js';
import type { Script } from '../storage/script.js';
import type { Stores } from '../storage/stores.js';
import type { AnswerInWork, StorageDeps } from './deps.js';
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

export interface Message {
  id: number;
  customerId: number;
  couponId: number | null;
  mobile: string;
  text: string;
  status: string;
  attempts: number;
  lastError: string | null;
  createdAt: number;
  deliveredAt: number | null;
}

const toWebhook = (s: SubscriptionRow): Webhook => ({
  id: Number(s.id),
  url: s.url,
  events: JSON.parse(s.events) as string[],
  createdAt: Number(s.created_at),
  secret: s.secret,
});
const toDelivery = (d: DeliveryRow): Delivery => ({
  id: Number(d.id),
  eventId: Number(d.event_id),
  eventType: d.event_type,
  status: d.status,
  attempts: Number(d.attempts),
  lastStatusCode: d.last_status_code === null ? null : Number(d.last_status_code),
  lastError: d.last_error,
  createdAt: Number(d.created_at),
  deliveredAt: d.delivered_at === null ? null : Number(d.delivered_at),
  nextAttemptAt: d.status === 'pending' ? Number(d.next_attempt_at) : null,
});
const toMessage = (m: OutboxRow): Message => ({
  id: Number(m.id),
  customerId: Number(m.customer_id),
  couponId: m.coupon_id === null ? null : Number(m.coupon_id),
  mobile: m.mobile,
  text: m.text,
  status: m.status,
  attempts: Number(m.attempts),
  lastError: m.last_error,
  createdAt: Number(m.created_at),
  deliveredAt: m.delivered_at === null ? null : Number(m.delivered_at),
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
  revoked: 'coupon.revoked',
  hold_expired: 'coupon.hold_expired',
  upload_finished: 'coupon.upload_finished',
};
export const WEBHOOK_EVENTS = [...new Set(Object.values(WEBHOOK_NAMES))];

/** Rows claimed per step; a lease long enough for a slow receiver (requests time out well before it). */
const BATCH = 50;
const LEASE_MS = 60_000;
const REQUEST_TIMEOUT_MS = 10_000;

export interface DeliveryOptions {
  maxAttempts: number;
  retryBaseMs: number;
  /** Host patterns webhook and gateway URLs must match (COUPOND_WEBHOOK_ALLOW); undefined = anywhere. */
  allow: readonly string[] | undefined;
  /** Resolves the host names of deliveries (default: the system's, dns.lookup); tests inject one. */
  lookup?: net.LookupFunction;
}

/**
 * Addresses a delivery never connects to unless COUPOND_WEBHOOK_ALLOW names them: link-local addresses
 * (169.254.0.0/16, fe80::/10), where clouds serve instance metadata and credentials, and AWS's IPv6
 * metadata address. Private networks (10/8, 192.168/16, 127/8 …) stay allowed: gateways often live there.
 */
const FORBIDDEN = new net.BlockList();
FORBIDDEN.addSubnet('169.254.0.0', 16, 'ipv4');
FORBIDDEN.addSubnet('fe80::', 10, 'ipv6');
FORBIDDEN.addAddress('fd00:ec2::254', 'ipv6');

/** Why a delivery may not connect to `address` (an IP), or undefined when it may. */
export function outboundRefusal(
  address: string,
  allow: readonly string[] | undefined,
  host: string = address,
): string | undefined {
  let ip = address.replace(/^\[|\]$/g, '').toLowerCase();
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(ip); // an IPv4 address written as IPv6
  if (mapped) ip = mapped[1]!;
  const family = net.isIP(ip);
  if (family === 0) return undefined;
  if (!FORBIDDEN.check(ip, family === 4 ? 'ipv4' : 'ipv6')) return undefined;
  // Named by the operator: the address itself, or the URL's host written out (no wildcard).
  const named = (allow ?? []).map((a) =>
    a
      .trim()
      .replace(/^\[|\]$/g, '')
      .toLowerCase(),
  );
  if (named.includes(ip) || named.includes(host.replace(/^\[|\]$/g, '').toLowerCase())) return undefined;
  const via = host.replace(/^\[|\]$/g, '').toLowerCase() === ip ? '' : `${host} resolves to `;
  return `refused: ${via}${ip}, a link-local or cloud metadata address (COUPOND_WEBHOOK_ALLOW does not name it)`;
}

/** A connection refused by outboundRefusal: the delivery fails with this message and makes no request. */
class OutboundRefused extends Error {
  readonly code = 'EOUTBOUNDREFUSED';
}

/**
 * dns.lookup, keeping only the addresses a delivery may connect to: the check is made on what the socket
 * will connect to, after DNS, so a name that resolves to a metadata address is refused too.
 */
function guardedLookup(base: net.LookupFunction, allow: readonly string[] | undefined): net.LookupFunction {
  return (hostname, options, callback) => {
    base(hostname, { ...options, all: true }, (err, found) => {
      if (err) return callback(err, '', 0);
      const list = (Array.isArray(found) ? found : [{ address: found, family: 4 }]) as dns.LookupAddress[];
      const ok = list.filter((a) => !outboundRefusal(a.address, allow, hostname));
      if (ok.length === 0) {
        const why = outboundRefusal(list[0]?.address ?? '', allow, hostname) ?? `${hostname}: no address`;
        return callback(new OutboundRefused(why), '', 0);
      }
      if (options.all) (callback as unknown as (e: null, a: dns.LookupAddress[]) => void)(null, ok);
      else callback(null, ok[0]!.address, ok[0]!.family);
    });
  };
}

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

/** Checks a webhook or gateway URL: http(s), and a host the operator allows. */
export function checkUrl(url: string, allow: readonly string[] | undefined, field: string): void {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw invalid(field, 'an http(s) URL');
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw invalid(field, 'an http(s) URL');
  if (allow && !allow.some((pattern) => hostMatches(u.hostname, pattern))) {
    throw invalid(field, `a host allowed by COUPOND_WEBHOOK_ALLOW (${allow.join(', ')})`);
  }
}

function hostMatches(host: string, pattern: string): boolean {
  const p = pattern.toLowerCase();
  const h = host.toLowerCase();
  return p.startsWith('*.') ? h.endsWith(p.slice(1)) || h === p.slice(2) : h === p;
}

export interface DeliveryResult {
  ok: boolean;
  status: number | null;
  error: string | null;
}

/**
 * POSTs JSON and reports what happened; a 2xx answer is a delivery, anything else a failure to retry.
 * Redirects are not followed. The socket connects only where outboundRefusal allows (guardedLookup for
 * names; an address written in the URL is checked here, since no lookup happens for it).
 */
async function post(
  url: string,
  body: string,
  headers: Record<string, string>,
  delivery: DeliveryOptions,
): Promise<DeliveryResult> {
  try {
    const u = new URL(url);
    const literal = u.hostname.replace(/^\[|\]$/g, '');
    const refusal = net.isIP(literal) ? outboundRefusal(literal, delivery.allow) : undefined;
    if (refusal) return { ok: false, status: null, error: refusal };
    const lookup = guardedLookup(delivery.lookup ?? (dns.lookup as net.LookupFunction), delivery.allow);
    const status = await new Promise<number>((resolve, reject) => {
      const request = (u.protocol === 'https:' ? https : http).request(
        u,
        {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'content-length': String(Buffer.byteLength(body)),
            'user-agent': 'coupond',
            ...headers,
          },
          lookup,
          signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
        },
        (response) => {
          response.resume(); // the body is not needed
          response.on('end', () => resolve(response.statusCode ?? 0));
          response.on('error', reject);
        },
      );
      request.on('error', reject);
      request.end(body);
    });
    return status >= 200 && status < 300
      ? { ok: true, status, error: null }
      : { ok: false, status, error: `HTTP ${status}` };
  } catch (e) {
    return {
      ok: false,
      status: null,
      error: e instanceof Error ? e.message.slice(0, 200) : 'request failed',
    };
  }
}

export function createNotificationService(deps: StorageDeps & { delivery: DeliveryOptions }) {
  const { engine, stores, now, delivery } = deps;
  const write = { write: true } as const;

  /** After the n-th failed attempt: the base delay doubled n−1 times, at most an hour. */
  const backoff = (attempts: number) =>
    Math.min(3_600_000, delivery.retryBaseMs * 2 ** Math.max(0, attempts - 1));

  async function record(
    kind: 'sms' | 'webhook',
    row: { org_id: number; id: number; attempts: number },
    result: DeliveryResult,
  ) {
    const t = now();
    await engine.run(function* () {
      if (result.ok) {
        yield* stores.notification.markDelivered(kind, row.org_id, row.id, t, result.status ?? 0);
        return;
      }
      const failed = row.attempts >= delivery.maxAttempts;
      yield* stores.notification.markRetry(kind, {
        org: row.org_id,
        id: row.id,
        next: t + backoff(row.attempts),
        failed,
        error: result.error ?? 'failed',
        code: result.status,
      });
    }, write);
  }

  async function sendSms(m: OutboxRow, gateways: Map<number, string | null>): Promise<void> {
    let gateway = gateways.get(m.org_id);
    if (gateway === undefined) {
      gateway = (await engine.run(() => stores.org.find(m.org_id)))?.sms_webhook_url ?? null;
      gateways.set(m.org_id, gateway);
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
      customerId: m.customer_id,
    });
    await record('sms', m, await post(gateway, body, { 'x-coupond-message': String(m.id) }, delivery));
  }

  async function codeOf(m: OutboxRow): Promise<string | null> {
    if (m.coupon_id === null) return null;
    return (await engine.run(() => stores.coupon.find(m.org_id, Number(m.coupon_id))))?.code ?? null;
  }

  async function sendWebhook(d: DeliveryRow): Promise<void> {
    const sub = await engine.run(() => stores.notification.signingOf(d.org_id, Number(d.subscription_id)));
    if (!sub || sub.deleted_at !== null) {
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
        'x-coupond-event': d.event_type,
        'x-coupond-delivery': String(d.id),
      },
      delivery,
    );
    await record('webhook', d, result);
  }

  function payloadOf(e: EventRow, name: string, codes: Map<number, string>): string {
    return JSON.stringify({
      id: `evt_${e.id}`,
      type: name,
      createdAt: new Date(Number(e.at)).toISOString(),
      orgId: Number(e.org_id),
      data: {
        couponId: Number(e.coupon_id) || null,
        code: codes.get(Number(e.coupon_id)) ?? null,
        seriesId: Number(e.series_id),
        customerId: e.customer_id === null ? null : Number(e.customer_id),
        actor: e.actor,
        details: JSON.parse(e.details) as unknown,
      },
    });
  }

  /** Turns new history events into deliveries for one subscription; answers how many events it passed. */
  async function fanOutOne(s: SubscriptionRow): Promise<number> {
    const t = now();
    return engine.run(function* () {
      const locked = yield* stores.notification.lockSubscription(s.org_id, s.id);
      if (!locked) return 0;
      const events = yield* stores.notification.eventsAfter(locked, 500);
      if (events.length === 0) return 0;
      const wanted = new Set(JSON.parse(locked.events) as string[]);
      const couponIds = [...new Set(events.map((e) => Number(e.coupon_id)).filter((id) => id > 0))];
      const codes = new Map(
        (yield* stores.coupon.findManyById(locked.org_id, couponIds)).map((c) => [c.id, c.code]),
      );
      for (const e of events) {
        const name = WEBHOOK_NAMES[e.type];
        if (!name || !wanted.has(name)) continue;
        yield* stores.notification.addDelivery({
          org: locked.org_id,
          subscription: locked.id,
          event: e.id,
          type: name,
          payload: payloadOf(e, name, codes),
          now: t,
        });
      }
      const last = events[events.length - 1]!;
      yield* stores.notification.moveCursor(locked.org_id, locked.id, last.id, Number(last.txid));
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
