// Outbound delivery of notifications (docs/api.md §11): the guarded HTTP(S) POST of an SMS or a webhook,
// the address check that keeps deliveries off link-local and cloud metadata addresses, the URL check of
// webhook and gateway URLs, and the retry backoff. What is sent and when (outbox, subscriptions, leases)
// is services/notifications.ts.
import dns from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { invalid } from '../domain/errors.js';

/** A receiver must answer within this; well inside the delivery lease (services/notifications.ts). */
const REQUEST_TIMEOUT_MS = 10_000;

export interface DeliveryOptions {
  maxAttempts: number;
  retryBaseMs: number;
  /** Host patterns webhook and gateway URLs must match (COUPOND_WEBHOOK_ALLOW); undefined = anywhere. */
  allow: readonly string[] | undefined;
  /** Resolves the host names of deliveries (default: the system's, dns.lookup); tests inject one. */
  lookup?: net.LookupFunction;
}

/**
 * Addresses a delivery never connects to unless COUPOND_WEBHOOK_ALLOW names them: link-local addresses
 * (169.254.0.0/16, fe80::/10), where clouds serve instance metadata and credentials, and AWS's IPv6
 * metadata address. Private networks (10/8, 192.168/16, 127/8 …) stay allowed: gateways often live there.
 */
const FORBIDDEN = new net.BlockList();
FORBIDDEN.addSubnet('169.254.0.0', 16, 'ipv4');
FORBIDDEN.addSubnet('fe80::', 10, 'ipv6');
FORBIDDEN.addAddress('fd00:ec2::254', 'ipv6');

/** Why a delivery may not connect to `address` (an IP), or undefined when it may. */
export function outboundRefusal(
  address: string,
  allow: readonly string[] | undefined,
  host: string = address,
): string | undefined {
  let ip = address.replace(/^\[|\]$/g, '').toLowerCase();
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(ip); // an IPv4 address written as IPv6
  if (mapped) ip = mapped[1]!;
  const family = net.isIP(ip);
  if (family === 0) return undefined;
  if (!FORBIDDEN.check(ip, family === 4 ? 'ipv4' : 'ipv6')) return undefined;
  // Named by the operator: the address itself, or the URL's host written out (no wildcard).
  const named = (allow ?? []).map((a) =>
    a
      .trim()
      .replace(/^\[|\]$/g, '')
      .toLowerCase(),
  );
  if (named.includes(ip) || named.includes(host.replace(/^\[|\]$/g, '').toLowerCase())) return undefined;
  const via = host.replace(/^\[|\]$/g, '').toLowerCase() === ip ? '' : `${host} resolves to `;
  return `refused: ${via}${ip}, a link-local or cloud metadata address (COUPOND_WEBHOOK_ALLOW does not name it)`;
}

/** A connection refused by outboundRefusal: the delivery fails with this message and makes no request. */
class OutboundRefused extends Error {
  readonly code = 'EOUTBOUNDREFUSED';
}

/**
 * dns.lookup, keeping only the addresses a delivery may connect to: the check is made on what the socket
 * will connect to, after DNS, so a name that resolves to a metadata address is refused too.
 */
function guardedLookup(base: net.LookupFunction, allow: readonly string[] | undefined): net.LookupFunction {
  return (hostname, options, callback) => {
    base(hostname, { ...options, all: true }, (err, found) => {
      if (err) return callback(err, '', 0);
      const list = (Array.isArray(found) ? found : [{ address: found, family: 4 }]) as dns.LookupAddress[];
      const ok = list.filter((a) => !outboundRefusal(a.address, allow, hostname));
      if (ok.length === 0) {
        const why = outboundRefusal(list[0]?.address ?? '', allow, hostname) ?? `${hostname}: no address`;
        return callback(new OutboundRefused(why), '', 0);
      }
      if (options.all) (callback as unknown as (e: null, a: dns.LookupAddress[]) => void)(null, ok);
      else callback(null, ok[0]!.address, ok[0]!.family);
    });
  };
}

/** Checks a webhook or gateway URL: http(s), and a host the operator allows. */
export function checkUrl(url: string, allow: readonly string[] | undefined, field: string): void {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw invalid(field, 'an http(s) URL');
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw invalid(field, 'an http(s) URL');
  if (allow && !allow.some((pattern) => hostMatches(u.hostname, pattern))) {
    throw invalid(field, `a host allowed by COUPOND_WEBHOOK_ALLOW (${allow.join(', ')})`);
  }
}

function hostMatches(host: string, pattern: string): boolean {
  const p = pattern.toLowerCase();
  const h = host.toLowerCase();
  return p.startsWith('*.') ? h.endsWith(p.slice(1)) || h === p.slice(2) : h === p;
}

export interface DeliveryResult {
  ok: boolean;
  status: number | null;
  error: string | null;
}

/**
 * POSTs JSON and reports what happened; a 2xx answer is a delivery, anything else a failure to retry.
 * Redirects are not followed. The socket connects only where outboundRefusal allows (guardedLookup for
 * names; an address written in the URL is checked here, since no lookup happens for it).
 */
export async function post(
  url: string,
  body: string,
  headers: Record<string, string>,
  delivery: DeliveryOptions,
): Promise<DeliveryResult> {
  try {
    const u = new URL(url);
    const literal = u.hostname.replace(/^\[|\]$/g, '');
    const refusal = net.isIP(literal) ? outboundRefusal(literal, delivery.allow) : undefined;
    if (refusal) return { ok: false, status: null, error: refusal };
    const lookup = guardedLookup(delivery.lookup ?? (dns.lookup as net.LookupFunction), delivery.allow);
    const status = await new Promise<number>((resolve, reject) => {
      const request = (u.protocol === 'https:' ? https : http).request(
        u,
        {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'content-length': String(Buffer.byteLength(body)),
            'user-agent': 'coupond',
            ...headers,
          },
          lookup,
          signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
        },
        (response) => {
          response.resume(); // the body is not needed
          response.on('end', () => resolve(response.statusCode ?? 0));
          response.on('error', reject);
        },
      );
      request.on('error', reject);
      request.end(body);
    });
    return status >= 200 && status < 300
      ? { ok: true, status, error: null }
      : { ok: false, status, error: `HTTP ${status}` };
  } catch (e) {
    return {
      ok: false,
      status: null,
      error: e instanceof Error ? e.message.slice(0, 200) : 'request failed',
    };
  }
}

/** After the n-th failed attempt: the base delay doubled n−1 times, at most an hour. */
export function retryDelayMs(attempts: number, retryBaseMs: number): number {
  return Math.min(3_600_000, retryBaseMs * 2 ** Math.max(0, attempts - 1));
}
