// Which PostgreSQL errors are faults of the connection or the server, not of the request (docs/reliability.md
// "PostgreSQL faults"). The PostgreSQL runner (postgres-engine.ts) retries a script on a fresh connection
// after a connection fault that happened before its COMMIT was sent, answers 503 OUTCOME_UNKNOWN when the
// connection failed during the COMMIT, and 503 DATABASE_UNAVAILABLE for the rest of these.
import { CouponError } from '../domain/errors.js';

/**
 * 'connection': the connection is gone or unusable (server restart, pg_terminate_backend, network reset,
 * server unreachable). 'timeout': statement_timeout or lock_timeout ended the statement; the connection
 * is fine.
 */
export type PgFault = 'connection' | 'timeout';

const CONNECTION_CODES = new Set([
  '57P01', // admin_shutdown: pg_terminate_backend, fast shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now: starting up, shutting down
  '25P03', // idle_in_transaction_session_timeout ended the session
  '53300', // too_many_connections
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/** node-postgres reports these without a code. */
const CONNECTION_MESSAGES =
  /Connection terminated|connection error|not queryable|Client was closed|timeout exceeded when trying to connect|Query read timeout|Connection ended|write after end/i;

export function pgFault(e: unknown): PgFault | undefined {
  if (e instanceof CouponError || !(e instanceof Error)) return undefined;
  const code = (e as { code?: unknown }).code;
  if (code === '57014' || code === '55P03') return 'timeout'; // query_canceled (statement_timeout), lock_not_available
  if (typeof code === 'string' && (CONNECTION_CODES.has(code) || code.startsWith('08'))) return 'connection';
  if (CONNECTION_MESSAGES.test(e.message)) return 'connection';
  if (e instanceof AggregateError)
    return e.errors.some((x) => pgFault(x) === 'connection') ? 'connection' : undefined;
  return undefined;
}

/** Seconds a client is asked to wait (Retry-After) after a 503 for a database fault. */
export const RETRY_AFTER_S = 1;

export function databaseUnavailable(detail: string, cause?: unknown): CouponError {
  const e = new CouponError('DatabaseUnavailable', detail, cause === undefined ? undefined : { cause });
  e.retryAfterSeconds = RETRY_AFTER_S;
  return e;
}

export function outcomeUnknown(cause: unknown): CouponError {
  const e = new CouponError('OutcomeUnknown', undefined, { cause });
  e.retryAfterSeconds = RETRY_AFTER_S;
  return e;
}

/** A database fault as the answer the caller gets; any other error unchanged. */
export function asCouponError(e: unknown, statementTimeoutMs: number | undefined): unknown {
  switch (pgFault(e)) {
    case 'connection':
      return databaseUnavailable('the connection to PostgreSQL failed', e);
    case 'timeout':
      return databaseUnavailable(
        `a statement or lock wait took longer than ${statementTimeoutMs ?? 'the statement timeout'} ms`,
        e,
      );
    default:
      return e;
  }
}

/** host:port/database of a postgres:// URL, without user or password: for messages and logs. */
export function describePgUrl(url: string): string {
  try {
    const u = new URL(url);
    const host = u.hostname || u.searchParams.get('host') || 'localhost';
    return `${host}:${u.port || '5432'}${u.pathname || ''}`;
  } catch {
    return 'the PostgreSQL server of DATABASE_URL';
  }
}
