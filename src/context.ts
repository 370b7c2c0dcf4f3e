// Storage and services without HTTP: what the server (app.ts) and the command line share. The CLI's
// administrative commands open only the storage (and build the few services they use), so they never load
// the HTTP layer.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { pino, type Logger } from 'pino';
import type { Config } from './config.js';
import { CouponError } from './domain/errors.js';
import { createServices, type Services } from './services/index.js';
import { openDatabase, type Engine } from './storage/database.js';
import { migrateToLatest } from './storage/migrate.js';

/** The database, migrated: what every command and the server start from. */
export interface Storage {
  config: Config;
  engine: Engine;
  /** The migrations this start applied (empty when the schema was already current). */
  migrated: string[];
  /** The JWT signing secret (the configuration's, else the data folder's). */
  jwtSecret: Uint8Array;
  close(): Promise<void>;
}

export interface AppContext extends Storage {
  services: Services;
  logger: Logger;
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

/**
 * Opens the database, trying again every second while it is unreachable (a server still starting, a
 * network not up yet) for COUPOND_DB_CONNECT_TIMEOUT_S, with a log line per failed try; then gives up
 * with one line naming the server. Anything else (a wrong password, a missing database) fails at once.
 */
async function openDatabaseWithRetry(config: Config, logger: Logger): Promise<Engine> {
  const limitS = config.database.connectTimeoutS;
  const deadline = Date.now() + limitS * 1000;
  for (let attempt = 1; ; attempt++) {
    try {
      return await openDatabase(config.database);
    } catch (e) {
      if (!(e instanceof CouponError && e.reason === 'DatabaseUnavailable')) throw e;
      const left = deadline - Date.now();
      if (left <= 0)
        throw new StartupError(
          `${e.detail ?? e.message} (gave up after ${attempt} ${attempt === 1 ? 'try' : 'tries'} in ${limitS} s, COUPOND_DB_CONNECT_TIMEOUT_S)`,
          { cause: e },
        );
      logger.warn({ attempt, error: e.detail }, `database not reachable (try ${attempt}); trying again`);
      await new Promise((r) => setTimeout(r, Math.min(1000, left)));
    }
  }
}

/**
 * A start-up that cannot go on for a reason the operator fixes outside coupond (a data folder that is
 * read-only or cannot be created): the command line prints its message as one line, no stack trace.
 */
export class StartupError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'StartupError';
  }
}

/**
 * The data folder (database, uploads, result files, jwt-secret) must exist and be writable. A missing one
 * is created when its parent allows; otherwise start-up stops naming the folder. Writability is tried
 * with a real file: permission bits say nothing for root, and a read-only mount shows only on write.
 */
export function checkDataDir(dir: string): void {
  try {
    fs.mkdirSync(dir, { recursive: true });
  } catch (e) {
    // Node's recursive mkdir reports ENOENT on a read-only parent: a plain mkdir tells the real reason.
    let reason = e;
    try {
      fs.mkdirSync(dir);
    } catch (plain) {
      if ((plain as { code?: unknown }).code !== 'ENOENT') reason = plain;
    }
    throw new StartupError(
      `the data folder ${dir} does not exist and cannot be created (${codeOf(reason)})`,
      {
        cause: e,
      },
    );
  }
  if (!fs.statSync(dir).isDirectory()) throw new StartupError(`the data folder ${dir} is not a folder`);
  const probe = path.join(dir, `.write-test-${process.pid}`);
  try {
    fs.writeFileSync(probe, '');
    fs.rmSync(probe, { force: true });
  } catch (e) {
    throw new StartupError(`the data folder ${dir} is not writable (${codeOf(e)})`, { cause: e });
  }
}

const codeOf = (e: unknown): string => {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : e instanceof Error ? e.message : String(e);
};

/**
 * Opens the database (waiting for it as openDatabaseWithRetry says) and migrates it; an administrative
 * command builds only the services it uses on it.
 */
export async function openStorage(config: Config, logger: Logger): Promise<Storage> {
  checkDataDir(config.dataDir);
  const engine = await openDatabaseWithRetry(config, logger);
  let migrated: string[];
  try {
    migrated = await migrateToLatest(engine);
  } catch (e) {
    await engine.close();
    throw e;
  }
  return { config, engine, migrated, jwtSecret: jwtSecretFor(config), close: () => engine.close() };
}

/** Opens storage and every service without HTTP: what the server and the worker run on. */
export async function openContext(config: Config, options: ContextOptions = {}): Promise<AppContext> {
  const logger = options.logger ?? createLogger(config);
  const storage = await openStorage(config, logger);
  const { engine } = storage;
  const services = createServices(engine, {
    jwtSecret: storage.jwtSecret,
    tokenTtlSeconds: config.tokenTtlSeconds,
    guessLimit: config.guessLimit,
    delivery: { ...config.delivery, allow: config.webhookAllow },
    dataDir: config.dataDir,
    maxUploadBytes: config.maxUploadBytes,
    // A fleet on PostgreSQL, or several processes on one SQLite file, count the limits on callers together.
    sharedLimits: engine.dialect === 'postgres' || config.processes > 1,
    onLimitsError: (e) => logger.warn({ err: e }, 'could not share the limits on callers with the database'),
    ...(options.now ? { now: options.now } : {}),
  });
  if (engine.listen) {
    await engine.listen('coupond_auth', (payload) => services.auth.forgetOrg(Number(payload)));
  }
  return {
    ...storage,
    services,
    logger,
    async close() {
      await services.closeLimits().catch(() => undefined);
      await storage.close();
    },
  };
}
