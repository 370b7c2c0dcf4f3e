// Protections a public endpoint needs (issue 8): security headers, a per-client request rate limit with
// RateLimit headers and 429 + Retry-After, and throttles on failed authentications per address and per key,
// all counted across the fleet's processes when the services share them (services/shared-windows.ts).
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance } from 'fastify';
import { CouponError } from '../domain/errors.js';
import { createAttemptThrottle } from '../services/attempt-throttle.js';
import type { SharedWindows } from '../services/shared-windows.js';
import type { LoginThrottles } from './auth.js';

export interface ProtectionOptions {
  /** Requests per minute per API client (per IP before authentication); 0 = no limit. */
  rateLimitPerMinute: number;
  /** Failed authentications per client address, and per API key, per 15 minutes; 0 = no limit. */
  authFailureLimit: number;
}

const AUTH_WINDOW_MS = 15 * 60_000;

/**
 * Security headers on every answer (plugin.ts sets them in its first hook): the set helmet sends by default,
 * less Content-Security-Policy (JSON answers are never rendered; the console sets its own). Precomputed once
 * instead of helmet's middleware per request (issue 17: CPU per request).
 */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'origin-agent-cluster': '?1',
  'referrer-policy': 'no-referrer',
  'strict-transport-security': 'max-age=31536000; includeSubDomains',
  'x-content-type-options': 'nosniff',
  'x-dns-prefetch-control': 'off',
  'x-download-options': 'noopen',
  'x-frame-options': 'SAMEORIGIN',
  'x-permitted-cross-domain-policies': 'none',
  'x-xss-protection': '0',
});

/**
 * The request rate limit's store: its counts live in the shared windows (services/shared-windows.ts), so a
 * fleet counts a client's requests together. One store for the app (the limit is global).
 */
function windowStore(windows: SharedWindows) {
  return class WindowStore {
    incr(
      key: string,
      callback: (error: Error | null, result?: { current: number; ttl: number }) => void,
      timeWindow: number,
    ): void {
      const w = windows.add('rate', key, 1, timeWindow);
      callback(null, { current: w.hits, ttl: Math.max(0, w.resetAt - Date.now()) });
    }
    child(): WindowStore {
      return this;
    }
  };
}

export async function registerProtection(
  app: FastifyInstance,
  options: ProtectionOptions,
  windows: SharedWindows,
): Promise<LoginThrottles> {
  if (options.rateLimitPerMinute > 0) {
    await app.register(rateLimit, {
      global: true,
      // After authentication (onRequest), so the key is the API client, not a shared till network's IP.
      hook: 'preParsing',
      max: options.rateLimitPerMinute,
      timeWindow: 60_000,
      store: windowStore(windows),
      enableDraftSpec: true,
      keyGenerator: (request) =>
        request.principal
          ? `client:${request.principal.orgId}:${request.principal.clientId}`
          : `ip:${request.ip}`,
      errorResponseBuilder: (_request, context) => {
        const e = new CouponError('RateLimited', `limit of ${context.max} requests a minute`);
        e.retryAfterSeconds = Math.max(1, Math.ceil(context.ttl / 1000));
        return e;
      },
    });
  }
  // Two tables, so that a flood of one kind of key cannot push the other kind's windows out.
  return {
    perAddress: createAttemptThrottle(options.authFailureLimit, AUTH_WINDOW_MS, Date.now, {
      windows,
      name: 'auth-address',
    }),
    perKey: createAttemptThrottle(options.authFailureLimit, AUTH_WINDOW_MS, Date.now, {
      windows,
      name: 'auth-key',
    }),
  };
}
