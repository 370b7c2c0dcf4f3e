// /console: the built admin console with an index fallback and a strict CSP, or a page saying how to build it.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consoleRoutes } from '../../src/http/routes/console.js';
import { buildTestApp, type TestApp } from '../support/build-test-app.js';

const CSP =
  "default-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

async function serve(dir: string): Promise<FastifyInstance> {
  const app = Fastify();
  await consoleRoutes(app, { dir });
  await app.ready();
  return app;
}

describe('the console route', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'coupond-console-route-'));
  const built = path.join(root, 'dist');
  let app: FastifyInstance;
  let empty: FastifyInstance;
  let t: TestApp;

  beforeAll(async () => {
    fs.mkdirSync(path.join(built, 'assets'), { recursive: true });
    fs.writeFileSync(path.join(built, 'index.html'), '<!doctype html><title>console</title>');
    fs.writeFileSync(path.join(built, 'assets', 'index-abc123.js'), 'export {};');
    app = await serve(built);
    empty = await serve(path.join(root, 'missing'));
    t = await buildTestApp();
  });
  afterAll(async () => {
    await app.close();
    await empty.close();
    await t.close();
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('serves index.html at /console and at every client-side route, revalidated, with a self-only CSP', async () => {
    for (const url of ['/console', '/console/', '/console/series/3/edit', '/console/customers?mobile=1']) {
      const r = await app.inject({ url });
      expect(r.statusCode, url).toBe(200);
      expect(r.headers['content-type'], url).toMatch(/^text\/html/);
      expect(r.body, url).toContain('<title>console</title>');
      expect(r.headers['cache-control'], url).toBe('no-cache');
      expect(r.headers['content-security-policy'], url).toBe(CSP);
      expect(r.headers['x-frame-options'], url).toBe('DENY');
      expect(r.headers['x-content-type-options'], url).toBe('nosniff');
    }
  });

  it('serves hashed assets as immutable, and a missing asset as a 404 rather than the page', async () => {
    const asset = await app.inject({ url: '/console/assets/index-abc123.js' });
    expect(asset.statusCode).toBe(200);
    expect(asset.headers['content-type']).toMatch(/javascript/);
    expect(asset.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect((await app.inject({ url: '/console/assets/index-old.js' })).statusCode).toBe(404);
  });

  it('answers a page saying how to build the console when it has not been built', async () => {
    for (const url of ['/console', '/console/series/1']) {
      const r = await empty.inject({ url });
      expect(r.statusCode, url).toBe(503);
      expect(r.headers['content-type'], url).toMatch(/^text\/html/);
      expect(r.body, url).toContain('npm run build');
      expect(r.headers['content-security-policy'], url).toBe(CSP);
    }
  });

  it('is part of the server, needs no credentials and leaves the API alone', async () => {
    const page = await t.request({ url: '/console', as: null });
    expect([200, 503]).toContain(page.status);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    const api = await t.get('/v2/coupon/series');
    expect(api.status).toBe(200);
    expect(api.headers['content-security-policy']).toBeUndefined();
    const spec = (await t.get('/openapi.json')).body;
    expect(Object.keys(spec.paths).filter((p: string) => p.startsWith('/console'))).toEqual([]);
  });
});
