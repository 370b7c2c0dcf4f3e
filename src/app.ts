// Composition root: opens the database, migrates it, builds the services and the HTTP app.
// `buildApp` returns a ready app; main.ts only listens (docs/architecture.md "Conventions").
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import Fastify, {
  LogController,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
} from 'fastify';
import { pino, type Logger } from 'pino';
import type { Config } from './config.js';
import { registerHttp } from './http/plugin.js';
import { wireError } from './http/wire/common.js';
import { startDeliveryLoop, type DeliveryLoop } from './jobs/delivery-loop.js';
import { startWorker, type Worker } from './jobs/worker.js';
import { createServices, type Services } from './services/index.js';
import { openDatabase, type Engine } from './storage/database.js';
import { migrateToLatest } from './storage/migrate.js';

export const VERSION = '0.1.0';

export interface AppContext {
  config: Config;
  engine: Engine;
  services: Services;
  logger: Logger;
  close(): Promise<void>;
}

export interface ContextOptions {
  now?: () => number;
  logger?: Logger;
}

/** The JWT signing secret: from the configuration, else generated once into the data folder. */
function jwtSecretFor(config: Config): Uint8Array {
  if (config.jwtSecret) return new TextEncoder().encode(config.jwtSecret);
  const file = path.join(config.dataDir, 'jwt-secret');
  try {
    return new TextEncoder().encode(fs.readFileSync(file, 'utf8').trim());
  } catch {
    const secret = randomBytes(48).toString('base64url');
    try {
      fs.writeFileSync(file, secret, { mode: 0o600, flag: 'wx' });
    } catch {
      // Another process wrote it first: use theirs.
      return new TextEncoder().encode(fs.readFileSync(file, 'utf8').trim());
    }
    return new TextEncoder().encode(secret);
  }
}

export function createLogger(config: Config): Logger {
  return pino({
    level: config.logLevel,
    redact: {
      paths: [
        'secret',
        '*.secret',
        'accessToken',
        '*.accessToken',
        'headers.authorization',
        '*.authorization',
        'token',
        '*.token',
      ],
      censor: '[redacted]',
    },
  });
}

/** Opens storage and services without HTTP: what the CLI and the server share. */
export async function openContext(config: Config, options: ContextOptions = {}): Promise<AppContext> {
  fs.mkdirSync(config.dataDir, { recursive: true });
  const logger = options.logger ?? createLogger(config);
  const engine = await openDatabase(config.database);
  try {
    await migrateToLatest(engine);
  } catch (e) {
    await engine.close();
    throw e;
  }
  const services = createServices(engine, {
    jwtSecret: jwtSecretFor(config),
    tokenTtlSeconds: config.tokenTtlSeconds,
    guessLimit: config.guessLimit,
    delivery: { ...config.delivery, allow: config.webhookAllow },
    dataDir: config.dataDir,
    maxUploadBytes: config.maxUploadBytes,
    ...(options.now ? { now: options.now } : {}),
  });
  if (engine.listen) {
    await engine.listen('coupond_auth', (payload) => services.auth.forgetOrg(Number(payload)));
  }
  return { config, engine, services, logger, close: () => engine.close() };
}

export interface App extends AppContext {
  http: FastifyInstance;
  /** The background job worker, when COUPOND_WORKER is on. */
  worker: Worker | undefined;
  /** The notification delivery loop, when COUPOND_WORKER is on. */
  deliveries: DeliveryLoop | undefined;
}

/** Builds the whole server: storage, services, HTTP routes. Call `http.listen` to serve. */
export async function buildApp(config: Config, options: ContextOptions = {}): Promise<App> {
  const context = await openContext(config, options);
  const http = (Fastify as unknown as (o: object) => FastifyInstance)({
    loggerInstance: context.logger,
    // http/plugin.ts writes one summary line per request instead of Fastify's two.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: config.bodyLimitBytes,
    requestIdHeader: 'x-request-id',
    genReqId: () => randomUUID(),
    return503OnClosing: true,
    // strictNumbers: "1e400" would otherwise coerce to Infinity and pass as an integer.
    ajv: {
      customOptions: { coerceTypes: 'array', removeAdditional: false, allErrors: false, strictNumbers: true },
    },
    // A malformed URL (bad percent-encoding) fails before routing: answer it in the docs/errors.md shape too.
    frameworkErrors: (error: Error, request: FastifyRequest, reply: FastifyReply) => {
      const body = wireError('InvalidInput', error.message);
      if (request.url.startsWith('/coupon/api/v1/upload/')) {
        reply
          .code(400)
          .send({ success: false, status: 400, message: body.errors[0]!.message, errors: body.errors });
      } else reply.code(400).send(body);
    },
  });
  let worker: Worker | undefined;
  let deliveries: DeliveryLoop | undefined;
  try {
    await registerHttp(http, context.services, {
      version: VERSION,
      rateLimitPerMinute: config.rateLimitPerMinute,
      authFailureLimit: config.authFailureLimit,
    });
    await http.ready();
    if (config.runWorker) {
      worker = await startWorker(context);
      deliveries = startDeliveryLoop(context.services.notifications, context.logger);
    }
  } catch (e) {
    await deliveries?.stop();
    await http.close();
    await context.close();
    throw e;
  }
  return {
    ...context,
    http,
    worker,
    deliveries,
    async close() {
      await http.close();
      // Before the database closes: the running job stops at its next checkpoint and is queued again;
      // a delivery in flight finishes (an unrecorded one is sent again after its lease).
      await worker?.stop();
      await deliveries?.stop();
      await context.close();
    },
  };
}
