// `coupond serve`: build the app, create the default org on first start, listen, stop cleanly on SIGTERM.
// With COUPOND_PROCESSES=N (N > 1) this process becomes the primary of N server processes on one port
// (node:cluster): it migrates and creates the default org once, starts the processes, starts a process
// again when one dies, and on SIGTERM or SIGINT stops them all and exits when the last one has.
import cluster, { type Worker } from 'node:cluster';
import { buildApp, createLogger, openContext } from '../../app.js';
import type { Config } from '../../config.js';

function banner(config: Config, key: string, secret: string): string {
  const host = config.host === '0.0.0.0' ? '127.0.0.1' : config.host;
  const base = `http://${host}:${config.port}`;
  return [
    '',
    'coupond: first start on an empty database: created org "default" and an API client.',
    'The secret is shown only this once. Keep it.',
    `  key:    ${key}`,
    `  secret: ${secret}`,
    'Get a token:',
    `  curl -s -X POST ${base}/v3/oauth/token/generate -H 'content-type: application/json' -d '{"key":"${key}","secret":"${secret}"}'`,
    '',
  ].join('\n');
}

export async function serve(config: Config): Promise<void> {
  if (config.processes > 1 && cluster.isPrimary) return servePrimary(config);
  const app = await buildApp(config);
  // The processes of a primary leave the first start to it (one banner, one default org).
  if (!cluster.isWorker) {
    const created = await app.services.orgs.bootstrap();
    if (created) process.stdout.write(`${banner(config, created.key, created.secret)}\n`);
  }
  await app.http.listen({ host: config.host, port: config.port });
  let closing = false;
  const stop = (signal: string) => {
    if (closing) return;
    closing = true;
    app.logger.info({ signal }, 'stopping: finishing in-flight requests');
    app
      .close()
      .then(() => process.exit(0))
      .catch((e: unknown) => {
        app.logger.error({ err: e }, 'error while stopping');
        process.exit(1);
      });
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  // A process whose primary is gone (killed) stops too: no server is left behind without its primary.
  if (cluster.isWorker) process.on('disconnect', () => stop('primary gone'));
}

/** Deaths of a process within RESTART_WINDOW_MS of its start after which the primary gives up. */
const MAX_QUICK_DEATHS = 5;
const RESTART_WINDOW_MS = 10_000;

async function servePrimary(config: Config): Promise<void> {
  const logger = createLogger(config);
  // Migrations and the first start's org, once, before any server process opens the database.
  const context = await openContext(config, { logger });
  try {
    const created = await context.services.orgs.bootstrap();
    if (created) process.stdout.write(`${banner(config, created.key, created.secret)}\n`);
  } finally {
    await context.close();
  }

  const running = new Map<number, { worker: Worker; startedAt: number }>();
  let stopping = false;
  let failed = false;
  let quickDeaths = 0;

  const start = (index: number): void => {
    const worker = cluster.fork({ COUPOND_PROCESS_INDEX: String(index) });
    running.set(index, { worker, startedAt: Date.now() });
    worker.on('exit', (code, signal) => {
      const was = running.get(index);
      if (was?.worker === worker) running.delete(index);
      if (stopping) {
        if (code !== 0 && signal !== 'SIGTERM') failed = true; // SIGTERM before its handler: still clean
        if (running.size === 0) process.exit(failed ? 1 : 0);
        return;
      }
      logger.error({ process: index, code, signal }, 'server process died; starting it again');
      if (was && Date.now() - was.startedAt < RESTART_WINDOW_MS && ++quickDeaths >= MAX_QUICK_DEATHS) {
        logger.fatal('server processes keep dying as they start: stopping');
        failed = true;
        stopAll('crash loop');
        return;
      }
      start(index);
    });
  };

  const stopAll = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal, processes: running.size }, 'stopping every server process');
    if (running.size === 0) process.exit(failed ? 1 : 0);
    for (const { worker } of running.values()) worker.process.kill('SIGTERM');
  };
  process.on('SIGTERM', () => stopAll('SIGTERM'));
  process.on('SIGINT', () => stopAll('SIGINT'));

  logger.info({ processes: config.processes, port: config.port }, 'starting server processes');
  for (let i = 1; i <= config.processes; i++) start(i);
}
