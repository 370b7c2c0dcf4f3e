// Bounds on slow and numerous clients (issue 15, docs/reliability.md "Slow clients"). Node's own server
// checks enforce the headers timeout, the keep-alive timeout, the connection limit and an outer request
// timeout (the upload one, the longest); this hook holds every other route to the shorter request timeout:
// a body still arriving when it runs out gets a 408 and the connection is closed.
import { Socket } from 'node:net';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { refusal } from './wire/refusal.js';

export interface SlowClientOptions {
  requestTimeoutMs: number;
  uploadTimeoutMs: number;
  headersTimeoutMs: number;
  keepAliveTimeoutMs: number;
  maxConnections: number;
}

/** How often Node looks for connections past their headers or request timeout. */
export const CHECK_INTERVAL_MS = 1000;

/** Fastify server options for these bounds (passed where the Fastify instance is created). */
export function serverOptions(o: SlowClientOptions) {
  // Node checks its timeouts every `connectionsCheckingInterval`: no coarser than the shortest of them.
  const interval = Math.max(
    25,
    Math.min(CHECK_INTERVAL_MS, Math.floor(o.headersTimeoutMs / 2), Math.floor(o.requestTimeoutMs / 2)),
  );
  return {
    // The outer bound for receiving a whole request; the hook below narrows it for non-upload routes.
    requestTimeout: Math.max(o.requestTimeoutMs, o.uploadTimeoutMs),
    keepAliveTimeout: o.keepAliveTimeoutMs,
    http: { headersTimeout: o.headersTimeoutMs, connectionsCheckingInterval: interval },
  };
}

const TIMED_OUT =
  'HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: ';

/** Whether a request is one of the multipart uploads, which get COUPOND_UPLOAD_TIMEOUT_MS instead. */
const isUpload = (request: FastifyRequest): boolean => request.routeOptions.config?.errorShape === 'upload';

export function registerSlowClientBounds(app: FastifyInstance, o: SlowClientOptions): void {
  app.server.maxConnections = o.maxConnections;
  if (o.requestTimeoutMs >= o.uploadTimeoutMs) return; // Node's own request timeout is the tighter one
  app.addHook('onRequest', (request, reply, done) => {
    const raw = request.raw;
    // Only a real connection can be slow (app.inject has no socket to close).
    if (raw.complete || isUpload(request) || !(raw.socket instanceof Socket)) return done();
    // No body (no Content-Length, or 0, and no Transfer-Encoding): the request was whole with its headers,
    // which Node's headers timeout bounds; no timer per GET (issue 17: CPU per request).
    const length = request.headers['content-length'];
    if ((length === undefined || length === '0') && request.headers['transfer-encoding'] === undefined)
      return done();
    const timer = setTimeout(() => {
      const socket = raw.socket;
      if (raw.complete || socket.destroyed) return;
      request.log.warn({ ms: o.requestTimeoutMs }, 'request body too slow: connection closed');
      const body = JSON.stringify(
        refusal('v2', 'RequestTimeout', `nothing more within ${o.requestTimeoutMs} ms`).body,
      );
      socket.end(`${TIMED_OUT}${Buffer.byteLength(body)}\r\n\r\n${body}`, () => socket.destroy());
      setTimeout(() => socket.destroy(), 1000).unref();
    }, o.requestTimeoutMs);
    timer.unref();
    const clear = () => clearTimeout(timer);
    raw.once('end', clear);
    raw.once('close', clear);
    reply.raw.once('finish', clear);
    done();
  });
}
