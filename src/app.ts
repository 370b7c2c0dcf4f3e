// Composition root: opens the database, migrates it, builds the services and the HTTP app.
// `buildApp` returns a ready app; main.ts only listens (docs/architecture.md "Conventions"). The part
// without HTTP is context.ts.
import os from 'node:os';
import type { Config } from './config.js';
import { openContext, type AppContext, type ContextOptions } from './context.js';
import { registerHttp } from './http/plugin.js';
import { createHttpServer, type HttpServer } from './http/server.js';
import { registerSlowClientBounds } from './http/slow-clients.js';
import { startDeliveryLoop, type DeliveryLoop } from './jobs/delivery-loop.js';
import { startWorker, type Worker } from './jobs/worker.js';

export { createLogger, openContext, type AppContext, type ContextOptions } from './context.js';

export const VERSION = '0.1.0';

export interface App extends AppContext {
  http: HttpServer;
  /** The background job worker, when COUPOND_WORKER is on. */
  worker: Worker | undefined;
  /** The notification delivery loop, when COUPOND_WORKER is on. */
  deliveries: DeliveryLoop | undefined;
}

/** Builds the whole server: storage, services, HTTP routes. Call `http.listen` to serve. */
export async function buildApp(config: Config, options: ContextOptions = {}): Promise<App> {
  const context = await openContext(config, options);
  const http = createHttpServer(config, context.logger);
  let worker: Worker | undefined;
  let deliveries: DeliveryLoop | undefined;
  try {
    registerSlowClientBounds(http, config.http);
    await registerHttp(http, context.services, {
      version: VERSION,
      rateLimitPerMinute: config.rateLimitPerMinute,
      authFailureLimit: config.authFailureLimit,
    });
    await http.ready();
    if (config.runWorker) {
      worker = await startWorker(context, {
        // A restarted server takes its own interrupted job back at once (docs/architecture.md, "Jobs and
        // uploads"): one process at a time listens on a host's address and port. Port 0 (any free
        // port) names no stable server, so such a process gets a name of its own. The processes of one
        // `coupond serve` (COUPOND_PROCESSES) share the port: each adds its number, so none takes another's job.
        ...(config.workerId !== undefined || config.port !== 0
          ? {
              identity:
                (config.workerId ?? `${os.hostname()}:${config.host}:${config.port}`) +
                (config.processIndex !== undefined ? `/p${config.processIndex}` : ''),
            }
          : {}),
        leaseMs: config.jobLeaseMs,
      });
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
