// Registers everything HTTP on a Fastify instance: parsers, OpenAPI, error mapping, auth, idempotency,
// request metrics and one log line per request, and every route.
import formbody from '@fastify/formbody';
import type { FastifyInstance } from 'fastify';
import { CouponError, invalid } from '../domain/errors.js';
import { httpObserver } from '../services/metrics.js';
import type { Services } from '../services/index.js';
import { createLoginGuard, registerAuth } from './auth.js';
import { registerErrorHandling } from './error-reply.js';
import { registerIdempotency } from './idempotency.js';
import { checkJsonDepth, checkWellFormed, inspectJson, refuseCoercedNumbers } from './json-input.js';
import { registerOpenApi } from './openapi.js';
import { registerProtection, SECURITY_HEADERS, type ProtectionOptions } from './protection.js';
import { authRoutes } from './routes/auth.js';
import { consoleRoutes } from './routes/console.js';
import { couponRoutes } from './routes/coupons.js';
import { couponExpiryRoutes } from './routes/coupon-expiry.js';
import { walletRoutes } from './routes/wallet.js';
import { customerRoutes } from './routes/customers.js';
import { healthRoutes } from './routes/health.js';
import { holdRoutes } from './routes/holds.js';
import { issueRoutes } from './routes/issue.js';
import { notificationRoutes } from './routes/notifications.js';
import { orgRoutes } from './routes/org.js';
import { reactivationRoutes } from './routes/reactivation.js';
import { redeemRoutes } from './routes/redeem.js';
import { seriesRoutes } from './routes/series.js';
import { seriesStatsRoutes } from './routes/series-stats.js';
import { uploadRoutes } from './routes/uploads.js';
import { v11Routes } from './routes/v11/index.js';
import './types.js';

/**
 * JSON bodies go through Fastify's own parser (secure-json-parse), after checks on the raw text (no escaped
 * NUL, nesting at most MAX_JSON_DEPTH) and before one iterative walk of the result (valid Unicode; leaves that
 * schema coercion could turn into numbers, kept for the preHandler check). json-input.ts has the rules.
 */
function guardJson(app: FastifyInstance): void {
  const parse = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = body as string;
    try {
      if (text.includes('\\u0000'))
        throw new CouponError('InvalidInput', 'a string contains a NUL character (\\u0000)');
      checkJsonDepth(text);
    } catch (e) {
      done(e as Error, undefined);
      return;
    }
    parse(request, text, (err, parsed) => {
      if (err) return done(err, undefined);
      try {
        request.coercible = inspectJson(parsed);
      } catch (e) {
        return done(e as Error, undefined);
      }
      done(null, parsed);
    });
  });
}

export interface HttpOptions extends ProtectionOptions {
  version: string;
}

export async function registerHttp(
  app: FastifyInstance,
  services: Services,
  options: HttpOptions,
): Promise<void> {
  await app.register(formbody);
  await registerOpenApi(app, options.version);

  // First of all hooks, so that every request, refused logins included, gets its id, metric and log line.
  const logRequests = ['info', 'debug', 'trace'].includes(app.log.level);
  // Hooks here and in auth.ts / idempotency.ts take a callback rather than being async: a promise per hook
  // per request is measurable CPU (issue 17, BENCHMARKS.md "CPU per request").
  app.addHook('onRequest', (request, reply, done) => {
    request.startedAt = process.hrtime.bigint();
    reply.header('x-request-id', request.id);
    // Security headers (protection.ts): one precomputed set, on every answer, refusals included.
    reply.headers(SECURITY_HEADERS);
    // PostgreSQL text cannot hold NUL: refuse it at the edge for every database (a %00 anywhere in the URL).
    if (request.url.includes('%00'))
      return done(new CouponError('InvalidInput', 'the URL contains a NUL character (%00)'));
    done();
  });
  const observe = httpObserver(services.metrics);
  app.addHook('onResponse', (request, reply, done) => {
    const seconds = Number(process.hrtime.bigint() - (request.startedAt ?? process.hrtime.bigint())) / 1e9;
    const route = request.routeOptions.url ?? 'unmatched';
    observe(request.method, route, reply.statusCode, seconds);
    if (logRequests) {
      // One summary line per request, none below info (benchmarks run at warn: pino's per-request cost is real).
      request.log.info(
        { method: request.method, route, status: reply.statusCode, ms: Math.round(seconds * 10_000) / 10 },
        'request',
      );
    }
    done();
  });
  app.decorateRequest('coercible', null);
  guardJson(app);
  // Ajv coerces a query or path value such as "1e400" to Infinity and lets it past integer, minimum and
  // maximum (with strictNumbers its range checks skip non-finite numbers); in a JSON body it also turns
  // true/null into 1/0. Refuse all of those, and text that is not valid Unicode, before any handler (and before
  // the idempotency hash) sees them.
  app.addHook('preHandler', (request, _reply, done) => {
    try {
      for (const [where, source] of [
        ['query', request.query],
        ['params', request.params],
      ] as const) {
        checkWellFormed(where, source);
        if (!source || typeof source !== 'object') continue;
        for (const name in source) {
          const value = (source as Record<string, unknown>)[name];
          if (typeof value === 'number' && !Number.isFinite(value)) throw invalid(name, 'a finite number');
        }
      }
      if (request.coercible && request.coercible.length > 0)
        refuseCoercedNumbers(request.body, request.coercible);
    } catch (e) {
      return done(e as Error);
    }
    done();
  });

  registerErrorHandling(app);
  const loginGuard = createLoginGuard(await registerProtection(app, options, services.limits));
  registerAuth(app, services.auth, loginGuard);
  registerIdempotency(app, services.idempotency);

  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  healthRoutes(app, services);
  authRoutes(app, services, loginGuard);
  orgRoutes(app, services);
  customerRoutes(app, services);
  walletRoutes(app, services);
  seriesRoutes(app, services);
  seriesStatsRoutes(app, services);
  issueRoutes(app, services);
  couponRoutes(app, services);
  couponExpiryRoutes(app, services);
  redeemRoutes(app, services);
  reactivationRoutes(app, services);
  holdRoutes(app, services);
  notificationRoutes(app, services);
  v11Routes(app, services);
  await uploadRoutes(app, services);
  await consoleRoutes(app);
}
