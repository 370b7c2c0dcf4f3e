// Idempotency-Key on every POST (docs/api.md §3): claim before the handler, record the answer after it.
import type { FastifyInstance } from 'fastify';
import { requestHash, type IdempotencyService } from '../services/idempotency.js';

export function registerIdempotency(app: FastifyInstance, idempotency: IdempotencyService): void {
  app.decorateRequest('idempotencyKey', null);

  app.addHook('preHandler', async (request, reply) => {
    if (request.method !== 'POST' || !request.principal) return;
    if ((request.routeOptions.config?.idempotency ?? 'auto') !== 'auto') return;
    const key = request.headers['idempotency-key'];
    if (typeof key !== 'string') return;
    const p = request.principal;
    const hash = requestHash(request.method, request.url, request.body);
    const start = await idempotency.start(p.orgId, p.clientId, key, hash);
    if (start.kind === 'replay') {
      reply.header('idempotent-replayed', 'true').header('content-type', 'application/json; charset=utf-8');
      return reply.code(start.status).send(start.body);
    }
    request.idempotencyKey = key;
  });

  app.addHook('onSend', async (request, reply, payload) => {
    const key = request.idempotencyKey;
    if (!key || !request.principal) return payload;
    request.idempotencyKey = null;
    const body =
      typeof payload === 'string'
        ? payload
        : Buffer.isBuffer(payload)
          ? payload.toString('utf8')
          : JSON.stringify(payload ?? null);
    try {
      await idempotency.finish(request.principal.orgId, key, reply.statusCode, body);
    } catch (err) {
      // The database went away after the answer was decided (docs/reliability.md): the answer stands (a
      // thrown error here would turn it into a 500); the key stays pending until it goes stale.
      request.log.warn({ err }, 'idempotency: the answer could not be recorded');
    }
    return payload;
  });
}
