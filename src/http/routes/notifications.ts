// Notification routes (docs/api.md §11): event webhook subscriptions and their delivery log, and the SMS messages
// of a customer.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { errorEntry } from '../../domain/errors.js';
import Type from 'typebox';
import { instantToWire } from '../../domain/clock.js';
import type { Services } from '../../services/index.js';
import { WEBHOOK_EVENTS, type Delivery, type Message, type Webhook } from '../../services/notifications.js';
import { principalOf } from '../auth.js';
import { answerOnce } from '../idempotency.js';
import { IdSchema, withErrors } from '../wire/common.js';

const Warnings = Type.Array(Type.Unknown());
const Time = Type.Union([Type.String(), Type.Null()]);
const Webhook = Type.Object({
  id: Type.Integer(),
  url: Type.String(),
  events: Type.Array(Type.String()),
  createdAt: Type.String(),
});
const Delivery = Type.Object({
  id: Type.Integer(),
  eventId: Type.Integer(),
  eventType: Type.String(),
  status: Type.String(),
  attempts: Type.Integer(),
  lastStatusCode: Type.Union([Type.Integer(), Type.Null()]),
  lastError: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.String(),
  deliveredAt: Time,
  nextAttemptAt: Time,
});
const Message = Type.Object({
  id: Type.Integer(),
  customerId: Type.Integer(),
  couponId: Type.Union([Type.Integer(), Type.Null()]),
  mobile: Type.String(),
  text: Type.String(),
  status: Type.String(),
  attempts: Type.Integer(),
  lastError: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.String(),
  deliveredAt: Time,
});
const IdParams = Type.Object({ id: IdSchema });
const time = (v: number | null) => (v === null ? null : instantToWire(v));

const toWebhook = (w: Webhook) => ({
  id: w.id,
  url: w.url,
  events: w.events,
  createdAt: instantToWire(w.createdAt),
});
const toDelivery = (d: Delivery) => ({
  ...d,
  createdAt: instantToWire(d.createdAt),
  deliveredAt: time(d.deliveredAt),
  nextAttemptAt: time(d.nextAttemptAt),
});
const toMessage = (m: Message) => ({
  ...m,
  createdAt: instantToWire(m.createdAt),
  deliveredAt: time(m.deliveredAt),
});

export function notificationRoutes(fastify: FastifyInstance, services: Services): void {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.post(
    '/v2/webhooks',
    {
      config: { scope: 'admin' },
      schema: {
        tags: ['webhooks'],
        summary: `Subscribe a URL to coupon events (${WEBHOOK_EVENTS.join(', ')}); the answer carries the signing secret, once`,
        body: Type.Object({
          url: Type.String({ maxLength: 2048 }),
          events: Type.Array(Type.String(), { maxItems: 20 }),
        }),
        response: withErrors({
          200: Type.Object({ ...Webhook.properties, secret: Type.String(), warnings: Warnings }),
        }),
      },
    },
    async (request, reply) => {
      const { url, events } = request.body;
      return answerOnce<Webhook>(
        services.idempotency,
        request,
        reply,
        (record) => services.notifications.createWebhook(principalOf(request), url, events, record),
        (s) => ({ status: 200, body: { ...toWebhook(s), secret: s.secret, warnings: [] } }),
      );
    },
  );

  app.get(
    '/v2/webhooks',
    {
      config: { scope: 'admin' },
      schema: {
        tags: ['webhooks'],
        summary: "The org's webhook subscriptions",
        response: withErrors({ 200: Type.Object({ webhooks: Type.Array(Webhook), warnings: Warnings }) }),
      },
    },
    async (request) => ({
      webhooks: (await services.notifications.listWebhooks(principalOf(request))).map(toWebhook),
      warnings: [],
    }),
  );

  app.delete(
    '/v2/webhooks/:id',
    {
      config: { scope: 'admin' },
      schema: {
        tags: ['webhooks'],
        summary: 'Delete a subscription',
        params: IdParams,
        response: withErrors({ 200: Type.Object({ deleted: Type.Integer(), warnings: Warnings }) }),
      },
    },
    async (request) => {
      const { id } = request.params;
      await services.notifications.deleteWebhook(principalOf(request), id);
      return { deleted: id, warnings: [] };
    },
  );

  app.get(
    '/v2/webhooks/:id/deliveries',
    {
      config: { scope: 'admin' },
      schema: {
        tags: ['webhooks'],
        summary: 'The delivery log of a subscription, newest first',
        params: IdParams,
        querystring: Type.Object({
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
        }),
        response: withErrors({ 200: Type.Object({ deliveries: Type.Array(Delivery), warnings: Warnings }) }),
      },
    },
    async (request) => {
      const { id } = request.params;
      const { limit } = request.query;
      // Read one past the limit: a cut list says so (docs/api.md §3 "Lists").
      const want = limit ?? 100;
      const rows = await services.notifications.deliveries(principalOf(request), id, want + 1);
      return {
        deliveries: rows.slice(0, want).map(toDelivery),
        warnings: newestOnly(rows.length > want, want),
      };
    },
  );

  app.get(
    '/v2/communications',
    {
      config: { scope: 'read' },
      schema: {
        tags: ['webhooks'],
        summary: "A customer's SMS messages with their delivery status, newest first",
        querystring: Type.Object({
          customerId: IdSchema,
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
        }),
        response: withErrors({ 200: Type.Object({ messages: Type.Array(Message), warnings: Warnings }) }),
      },
    },
    async (request) => {
      const { customerId, limit } = request.query;
      const want = limit ?? 100;
      const rows = await services.notifications.communications(principalOf(request), customerId, want + 1);
      return { messages: rows.slice(0, want).map(toMessage), warnings: newestOnly(rows.length > want, want) };
    },
  );
}

/** The warning of a newest-first list with no offset: only the newest `limit` are shown (docs/api.md §3). */
function newestOnly(more: boolean, limit: number): unknown[] {
  return more
    ? [{ ...errorEntry('ListTruncated', `only the newest ${limit} are shown; a larger limit shows more`) }]
    : [];
}
