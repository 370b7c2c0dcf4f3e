// The only reader of process.env: every variable typed, defaulted and validated once; all problems listed.
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import Type, { type Static } from 'typebox';
import Value from 'typebox/value';

/** Every variable the server reads, with its default (README "Configuration" lists the same). */
const Env = Type.Object({
  HOST: Type.String({ default: '127.0.0.1', minLength: 1 }),
  PORT: Type.Integer({ default: 8080, minimum: 0, maximum: 65535 }),
  COUPOND_DATA_DIR: Type.String({ default: './data', minLength: 1 }),
  DATABASE_URL: Type.Optional(Type.String({ pattern: '^postgres(ql)?://' })),
  DATABASE_SCHEMA: Type.Optional(Type.String({ pattern: '^[a-z_][a-z0-9_]{0,62}$' })),
  DATABASE_POOL_SIZE: Type.Integer({ default: 10, minimum: 1, maximum: 200 }),
  COUPOND_JWT_SECRET: Type.Optional(Type.String({ minLength: 32 })),
  COUPOND_TOKEN_TTL_SECONDS: Type.Integer({ default: 3600, minimum: 60, maximum: 86_400 }),
  COUPOND_MAX_UPLOAD_MB: Type.Number({ default: 200, exclusiveMinimum: 0, maximum: 10_240 }),
  COUPOND_BODY_LIMIT_KB: Type.Integer({ default: 1024, minimum: 16, maximum: 65_536 }),
  COUPOND_WORKER: Type.String({ default: 'on', pattern: '^(on|off)$' }),
  COUPOND_WEBHOOK_ALLOW: Type.Optional(Type.String()),
  COUPOND_DELIVERY_MAX_ATTEMPTS: Type.Integer({ default: 8, minimum: 1, maximum: 100 }),
  COUPOND_DELIVERY_RETRY_BASE_MS: Type.Integer({ default: 2000, minimum: 1, maximum: 3_600_000 }),
  COUPOND_RATE_LIMIT_PER_MINUTE: Type.Integer({ default: 120_000, minimum: 0 }),
  COUPOND_GUESS_LIMIT: Type.Integer({ default: 20, minimum: 0 }),
  COUPOND_GUESS_LIMIT_PER_CLIENT: Type.Integer({ default: 1000, minimum: 0 }),
  COUPOND_AUTH_FAILURE_LIMIT: Type.Integer({ default: 30, minimum: 0 }),
  // Where the client address comes from: off, true, a hop count, or a comma list of proxy addresses/CIDRs.
  COUPOND_TRUST_PROXY: Type.String({ default: 'false', pattern: '^[0-9A-Za-z.:/, _-]*$' }),
  // Background jobs (docs/reliability.md): the lease a worker holds on a running job, and its name.
  COUPOND_JOB_LEASE_SECONDS: Type.Integer({ default: 15, minimum: 2, maximum: 3600 }),
  COUPOND_WORKER_ID: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9._:@-]{1,100}$' })),
  // Database faults (docs/reliability.md)
  COUPOND_STATEMENT_TIMEOUT_MS: Type.Integer({ default: 5000, minimum: 100, maximum: 600_000 }),
  COUPOND_DB_ACQUIRE_TIMEOUT_MS: Type.Integer({ default: 2000, minimum: 50, maximum: 600_000 }),
  COUPOND_DB_CONNECT_TIMEOUT_S: Type.Integer({ default: 30, minimum: 0, maximum: 3600 }),
  // Slow and too many clients (docs/reliability.md "Slow clients")
  COUPOND_REQUEST_TIMEOUT_MS: Type.Integer({ default: 30_000, minimum: 50, maximum: 3_600_000 }),
  COUPOND_UPLOAD_TIMEOUT_MS: Type.Integer({ default: 600_000, minimum: 50, maximum: 86_400_000 }),
  COUPOND_HEADERS_TIMEOUT_MS: Type.Integer({ default: 15_000, minimum: 50, maximum: 3_600_000 }),
  COUPOND_KEEP_ALIVE_TIMEOUT_MS: Type.Integer({ default: 72_000, minimum: 1, maximum: 3_600_000 }),
  COUPOND_MAX_CONNECTIONS: Type.Integer({ default: 1024, minimum: 1, maximum: 1_000_000 }),
  // Server processes on this machine (issue 17): a number, or auto for the machine's available parallelism.
  COUPOND_PROCESSES: Type.String({ default: '1', pattern: '^(auto|[1-9][0-9]{0,2})$' }),
  // Set by `coupond serve` for the processes it starts (1…N), never by hand: names each one's job worker.
  COUPOND_PROCESS_INDEX: Type.Optional(Type.Integer({ minimum: 1, maximum: 999 })),
  LOG_LEVEL: Type.String({ default: 'info', pattern: '^(fatal|error|warn|info|debug|trace|silent)$' }),
});
type RawEnv = Static<typeof Env>;

export interface Config {
  readonly host: string;
  readonly port: number;
  readonly dataDir: string;
  readonly database: {
    readonly url: string | undefined;
    readonly sqlitePath: string;
    readonly pgSchema: string | undefined;
    readonly poolSize: number;
    /** Bound on one statement (PostgreSQL statement_timeout and lock_timeout; SQLite's wait for the write lock). */
    readonly statementTimeoutMs: number;
    /** Longest wait for a pooled PostgreSQL connection before the request answers 503. */
    readonly acquireTimeoutMs: number;
    /** How long start-up keeps trying to reach the database before it gives up. */
    readonly connectTimeoutS: number;
  };
  readonly jwtSecret: string | undefined;
  readonly tokenTtlSeconds: number;
  readonly maxUploadBytes: number;
  readonly bodyLimitBytes: number;
  readonly runWorker: boolean;
  readonly webhookAllow: readonly string[] | undefined;
  /** SMS and webhook delivery: attempts before a message is given up, and the first retry delay (doubling). */
  readonly delivery: { maxAttempts: number; retryBaseMs: number };
  /** Requests per minute per API client (per IP before authentication); 0 turns the limit off. */
  readonly rateLimitPerMinute: number;
  /** Failed code attempts (unknown, malformed or someone else's code) allowed per 15 minutes; 0 = off. */
  readonly guessLimit: { perCustomer: number; perClient: number };
  /** Failed authentications allowed per client address, and per API key, per 15 minutes; 0 = off. */
  readonly authFailureLimit: number;
  /** Bounds on slow or numerous clients (docs/reliability.md "Slow clients"). */
  readonly http: {
    /** Longest time to receive a request's headers and body, uploads excepted. */
    readonly requestTimeoutMs: number;
    /** The same bound for the two multipart upload routes (their bodies are up to COUPOND_MAX_UPLOAD_MB). */
    readonly uploadTimeoutMs: number;
    /** Longest time to receive a request's headers. */
    readonly headersTimeoutMs: number;
    /** How long an idle keep-alive connection stays open. */
    readonly keepAliveTimeoutMs: number;
    /** Open connections per process; more are closed at once. */
    readonly maxConnections: number;
  };
  /** Fastify's trustProxy: which proxies' X-Forwarded-For decides request.ip (false: the socket's address). */
  readonly trustProxy: boolean | number | string[];
  /** How long a worker's claim on a running job lasts without renewal (renewed every quarter of it). */
  readonly jobLeaseMs: number;
  /** This server's name as a job worker (COUPOND_WORKER_ID, else host name:HOST:PORT): a restart resumes its own jobs. */
  readonly workerId: string | undefined;
  /** Server processes `coupond serve` runs on one port (COUPOND_PROCESSES; auto = available parallelism). */
  readonly processes: number;
  /** This process's number among them (1…N), in a process started by `coupond serve`; else undefined. */
  readonly processIndex: number | undefined;
  readonly logLevel: string;
}

export const ENV_KEYS = Object.keys(Env.properties) as (keyof RawEnv)[];

/** Reads and validates the environment; throws one error naming every bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const picked: Record<string, unknown> = {};
  for (const key of ENV_KEYS) {
    const v = env[key];
    if (v !== undefined && v !== '') picked[key] = v;
  }
  const raw = Value.Convert(Env, Value.Default(Env, picked));
  const problems = [
    ...new Set(
      [...Value.Errors(Env, raw)].map(
        (e) => `${e.instancePath.replace(/^\//, '') || 'environment'}: ${e.message}`,
      ),
    ),
  ];
  const r = raw as Partial<RawEnv>;
  if (
    r.COUPOND_HEADERS_TIMEOUT_MS !== undefined &&
    r.COUPOND_REQUEST_TIMEOUT_MS !== undefined &&
    r.COUPOND_HEADERS_TIMEOUT_MS > r.COUPOND_REQUEST_TIMEOUT_MS
  )
    problems.push('COUPOND_HEADERS_TIMEOUT_MS: must not exceed COUPOND_REQUEST_TIMEOUT_MS');
  if (typeof raw === 'object' && raw !== null) {
    const trust = (raw as { COUPOND_TRUST_PROXY?: unknown }).COUPOND_TRUST_PROXY;
    if (typeof trust === 'string') {
      try {
        parseTrustProxy(trust);
      } catch (e) {
        problems.push(`COUPOND_TRUST_PROXY: ${(e as Error).message}`);
      }
    }
  }
  if (problems.length > 0) throw new Error(`invalid configuration:\n  ${problems.join('\n  ')}`);
  return toConfig(raw as RawEnv);
}

function toConfig(e: RawEnv): Config {
  const dataDir = path.resolve(e.COUPOND_DATA_DIR);
  return Object.freeze({
    host: e.HOST,
    port: e.PORT,
    dataDir,
    database: Object.freeze({
      url: e.DATABASE_URL,
      sqlitePath: path.join(dataDir, 'coupond.db'),
      pgSchema: e.DATABASE_SCHEMA,
      poolSize: e.DATABASE_POOL_SIZE,
      statementTimeoutMs: e.COUPOND_STATEMENT_TIMEOUT_MS,
      acquireTimeoutMs: e.COUPOND_DB_ACQUIRE_TIMEOUT_MS,
      connectTimeoutS: e.COUPOND_DB_CONNECT_TIMEOUT_S,
    }),
    jwtSecret: e.COUPOND_JWT_SECRET,
    tokenTtlSeconds: e.COUPOND_TOKEN_TTL_SECONDS,
    maxUploadBytes: Math.floor(e.COUPOND_MAX_UPLOAD_MB * 1024 * 1024),
    bodyLimitBytes: e.COUPOND_BODY_LIMIT_KB * 1024,
    runWorker: e.COUPOND_WORKER === 'on',
    webhookAllow: e.COUPOND_WEBHOOK_ALLOW?.split(',')
      .map((s) => s.trim())
      .filter(Boolean),
    delivery: { maxAttempts: e.COUPOND_DELIVERY_MAX_ATTEMPTS, retryBaseMs: e.COUPOND_DELIVERY_RETRY_BASE_MS },
    rateLimitPerMinute: e.COUPOND_RATE_LIMIT_PER_MINUTE,
    guessLimit: { perCustomer: e.COUPOND_GUESS_LIMIT, perClient: e.COUPOND_GUESS_LIMIT_PER_CLIENT },
    authFailureLimit: e.COUPOND_AUTH_FAILURE_LIMIT,
    http: Object.freeze({
      requestTimeoutMs: e.COUPOND_REQUEST_TIMEOUT_MS,
      uploadTimeoutMs: e.COUPOND_UPLOAD_TIMEOUT_MS,
      headersTimeoutMs: e.COUPOND_HEADERS_TIMEOUT_MS,
      keepAliveTimeoutMs: e.COUPOND_KEEP_ALIVE_TIMEOUT_MS,
      maxConnections: e.COUPOND_MAX_CONNECTIONS,
    }),
    trustProxy: parseTrustProxy(e.COUPOND_TRUST_PROXY),
    jobLeaseMs: e.COUPOND_JOB_LEASE_SECONDS * 1000,
    workerId: e.COUPOND_WORKER_ID,
    processes: e.COUPOND_PROCESSES === 'auto' ? os.availableParallelism() : Number(e.COUPOND_PROCESSES),
    processIndex: e.COUPOND_PROCESS_INDEX,
    logLevel: e.LOG_LEVEL,
  });
}

/**
 * COUPOND_TRUST_PROXY: "false"/"" (the socket's address), "true" (the left-most X-Forwarded-For address:
 * only behind a proxy that overwrites the header), a hop count ("1": the address the nearest proxy saw), or
 * a comma list of proxy addresses and CIDRs whose X-Forwarded-For is believed.
 */
export function parseTrustProxy(value: string): boolean | number | string[] {
  const v = value.trim().toLowerCase();
  if (v === '' || v === 'false' || v === 'off' || v === '0') return false;
  if (v === 'true' || v === 'on') return true;
  if (/^\d+$/.test(v)) return Number(v);
  const list = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const item of list) {
    const [address, bits, extra] = item.split('/');
    const family = net.isIP(address ?? '');
    const okBits =
      bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= (family === 6 ? 128 : 32));
    if (family === 0 || !okBits || extra !== undefined)
      throw new Error(`"${item}" is not an address or CIDR (expected true, a hop count or a list)`);
  }
  return list;
}

/** A configuration for tests and tools: defaults plus overrides, without reading process.env. */
export function configFrom(overrides: Record<string, string | undefined>): Config {
  return loadConfig(overrides as NodeJS.ProcessEnv);
}
