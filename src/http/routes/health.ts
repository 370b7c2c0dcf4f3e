// Operations routes (docs/api.md §12): liveness, readiness (database reachable) and Prometheus metrics.
import type { FastifyInstance } from 'fastify';
import Type from 'typebox';
import type { Services } from '../../services/index.js';

export function healthRoutes(app: FastifyInstance, services: Services): void {
  app.get(
    '/health',
    {
      schema: {
        tags: ['operations'],
        summary: 'Liveness',
        response: { 200: Type.Object({ status: Type.String() }) },
      },
    },
    async () => ({ status: 'ok' }),
  );

  app.get(
    '/ready',
    {
      schema: {
        tags: ['operations'],
        summary: 'Readiness: the database answers',
        response: {
          200: Type.Object({ status: Type.String() }),
          503: Type.Object({ status: Type.String() }),
        },
      },
    },
    async (_request, reply) => {
      try {
        await services.ping();
        return { status: 'ready' };
      } catch {
        return reply.code(503).send({ status: 'database unreachable' });
      }
    },
  );

  app.get(
    '/metrics',
    { schema: { tags: ['operations'], summary: 'Prometheus metrics', hide: false } },
    async (_request, reply) => {
      reply.header('content-type', services.metrics.registry.contentType);
      return services.metrics.registry.metrics();
    },
  );
}
