// The admin console (console/, built by Vite into console/dist) served at /console by the API's own process.
// The page is static: it calls the public API with the operator's own key and secret like any client.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/** Where `npm run build` writes the console. */
export const CONSOLE_DIST = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../../console/dist',
);

/** The page may load and call only its own origin: no inline script or style, no framing, no plugins. */
const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': [
    "default-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; '),
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'permissions-policy': 'camera=(), microphone=(), geolocation=(), payment=()',
};

const NOT_BUILT = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>coupond console: not built</title></head>
<body>
<h1>The console has not been built</h1>
<p>Build it with <code>npm run build</code> in the coupond folder (<code>npm ci</code> builds it too), then
restart the server and reload this page.</p>
<p>The API itself works without it: see <a href="/docs">/docs</a>.</p>
</body></html>
`;

export interface ConsoleOptions {
  /** The built console; tests point it elsewhere. */
  dir?: string;
}

/** Serves the console at /console, every client-side route answering index.html, or a page saying how to build it. */
export async function consoleRoutes(app: FastifyInstance, options: ConsoleOptions = {}): Promise<void> {
  const dir = options.dir ?? CONSOLE_DIST;
  await app.register(async (scope) => {
    scope.addHook('onSend', async (_request, reply, payload) => {
      reply.headers(SECURITY_HEADERS);
      return payload;
    });
    const hidden = { schema: { hide: true } };

    if (!fs.existsSync(path.join(dir, 'index.html'))) {
      const notBuilt = async (_request: FastifyRequest, reply: FastifyReply) =>
        reply.code(503).header('cache-control', 'no-store').type('text/html; charset=utf-8').send(NOT_BUILT);
      scope.get('/console', hidden, notBuilt);
      scope.get('/console/*', hidden, notBuilt);
      return;
    }

    // Files are listed at start-up (wildcard: false): a rebuild while running needs a restart, and an unknown
    // path never touches the disk. Hashed assets are immutable; anything else is revalidated.
    await scope.register(fastifyStatic, {
      root: dir,
      prefix: '/console/',
      wildcard: false,
      index: false,
      cacheControl: false,
      setHeaders: (reply, file) =>
        reply.header(
          'cache-control',
          file.includes(`${path.sep}assets${path.sep}`) ? 'public, max-age=31536000, immutable' : 'no-cache',
        ),
    });
    const sendIndex = async (request: FastifyRequest, reply: FastifyReply) => {
      // A missing asset is a 404, not the page: a stale tab asking for an old bundle must fail visibly.
      if (request.url.startsWith('/console/assets/')) return reply.callNotFound();
      return reply.sendFile('index.html');
    };
    scope.get('/console', hidden, sendIndex);
    scope.get('/console/*', hidden, sendIndex);
  });
}
