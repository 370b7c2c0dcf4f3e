// The Fastify instance and its server options: logging, body limit, request ids, slow-client timeouts,
// proxy trust, Ajv options and the answer to a malformed URL. Only src/http imports Fastify (issue 16);
// app.ts composes this server with the context, and http/plugin.ts registers the routes on it.
import { randomUUID } from 'node:crypto';
import Fastify, {
  LogController,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
} from 'fastify';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import { requestLoggerFactory } from './request-logger.js';
import { serverOptions } from './slow-clients.js';
import { refusal } from './wire/refusal.js';

/** The HTTP server app.ts holds; Fastify's instance, named so that app.ts need not import Fastify. */
export type HttpServer = FastifyInstance;

/** A Fastify instance with coupond's server options and no routes yet (see `registerHttp`). */
export function createHttpServer(
  config: Pick<Config, 'bodyLimitBytes' | 'http' | 'trustProxy'>,
  logger: Logger,
): HttpServer {
  return (Fastify as unknown as (o: object) => FastifyInstance)({
    loggerInstance: logger,
    // http/plugin.ts writes one summary line per request instead of Fastify's two.
    logController: new LogController({ disableRequestLogging: true }),
    // request.log's pino child is made when the request writes its first line (request-logger.ts).
    childLoggerFactory: requestLoggerFactory,
    bodyLimit: config.bodyLimitBytes,
    requestIdHeader: 'x-request-id',
    genReqId: () => randomUUID(),
    return503OnClosing: true,
    // Slow and numerous clients (issue 15): headers, request and keep-alive timeouts.
    ...serverOptions(config.http),
    // Where request.ip comes from (the auth failure throttle and the pre-auth rate limit key on it).
    trustProxy: config.trustProxy,
    // strictNumbers: "1e400" would otherwise coerce to Infinity and pass as an integer.
    ajv: {
      customOptions: { coerceTypes: 'array', removeAdditional: false, allErrors: false, strictNumbers: true },
    },
    // A malformed URL (bad percent-encoding) fails before routing: answer it in the docs/errors.md shape too.
    frameworkErrors: (error: Error, request: FastifyRequest, reply: FastifyReply) => {
      const shape = request.url.startsWith('/coupon/api/v1/upload/') ? 'upload' : 'v2';
      const r = refusal(shape, 'InvalidInput', error.message);
      reply.code(r.status).send(r.body);
    },
  });
}
