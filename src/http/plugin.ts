// Registers everything HTTP on a Fastify instance: parsers, OpenAPI, error mapping, auth, idempotency,
// request metrics and one log line per request, and every route.
import formbody from '@fastify/formbody';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import type { Services } from '../services/index.js';
import { registerAuth } from './auth.js';
import { registerErrorHandling } from './error-reply.js';
import { registerIdempotency } from './idempotency.js';
import { registerProtection, type ProtectionOptions } from './protection.js';
import { authRoutes } from './routes/auth.js';
import { couponRoutes } from './routes/coupons.js';
import { customerRoutes } from './routes/customers.js';
import { healthRoutes } from './routes/health.js';
import { issueRoutes } from './routes/issue.js';
import { orgRoutes } from './routes/org.js';
import { redeemRoutes } from './routes/redeem.js';
import { seriesRoutes } from './routes/series.js';
import { uploadRoutes } from './routes/uploads.js';
import './types.js';

export interface HttpOptions extends ProtectionOptions {
  version: string;
}

export async function registerHttp(
  app: FastifyInstance,
  services: Services,
  options: HttpOptions,
): Promise<void> {
  await app.register(formbody);
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'coupond',
        version: options.version,
        description: 'Coupon engine: series, issuing, checking and redeeming, uploads.',
      },
      components: {
        securitySchemes: {
          basic: { type: 'http', scheme: 'basic' },
          bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
          capToken: { type: 'apiKey', in: 'header', name: 'x-cap-api-oauth-token' },
        },
      },
      security: [{ basic: [] }, { bearer: [] }, { capToken: [] }],
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  registerErrorHandling(app);
  const authFailures = await registerProtection(app, options);
  registerAuth(app, services.auth, authFailures);
  registerIdempotency(app, services.idempotency);

  // One summary line per request, and none below info (benchmarks run at warn: pino's per-request cost is real).
  const logRequests = ['info', 'debug', 'trace'].includes(app.log.level);
  app.addHook('onRequest', async (request, reply) => {
    request.startedAt = process.hrtime.bigint();
    reply.header('x-request-id', request.id);
  });
  app.addHook('onResponse', async (request, reply) => {
    const seconds = Number(process.hrtime.bigint() - request.startedAt) / 1e9;
    const route = request.routeOptions.url ?? 'unmatched';
    services.metrics.httpRequests.observe(
      { method: request.method, route, status: String(reply.statusCode) },
      seconds,
    );
    if (logRequests) {
      request.log.info(
        { method: request.method, route, status: reply.statusCode, ms: Math.round(seconds * 10_000) / 10 },
        'request',
      );
    }
  });

  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  healthRoutes(app, services);
  authRoutes(app, services);
  orgRoutes(app, services);
  customerRoutes(app, services);
  seriesRoutes(app, services);
  issueRoutes(app, services);
  couponRoutes(app, services);
  redeemRoutes(app, services);
  await uploadRoutes(app, services);
}
