// Node 20.19 is supported (README), so `npm ci` must install nothing that asks for a later Node (issue 20:
// no EBADENGINE warning). Two packages' newest versions want Node 22; package.json's `overrides` pins
// older versions with the same API under their parents, and the tests below exercise the parents' calls.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import Fastify from 'fastify';
import semver from 'semver';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../support/coupond-command.js';

const NODE_FLOOR = '20.19.0';
const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
const lock = JSON.parse(fs.readFileSync(path.join(ROOT, 'package-lock.json'), 'utf8')) as {
  packages: Record<string, { version?: string; engines?: { node?: string } }>;
};

describe('Node engines', () => {
  it('the project asks for Node 20.19 or later', () => {
    expect(pkg.engines.node).toBe('>=20.19');
  });

  it('every package npm ci installs accepts Node 20.19 (no EBADENGINE warning)', () => {
    const refusing = Object.entries(lock.packages)
      .filter(([, p]) => p.engines?.node !== undefined && !semver.satisfies(NODE_FLOOR, p.engines.node))
      .map(([name, p]) => `${name}@${p.version} wants node ${p.engines!.node}`);
    expect(refusing).toEqual([]);
  });

  it('content-disposition 2 (for @fastify/static) makes the header reply.download() sends', async () => {
    expect(lock.packages['node_modules/@fastify/static/node_modules/content-disposition']?.version).toBe(
      '2.0.1',
    );
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'coupond-static-'));
    fs.writeFileSync(path.join(dir, 'résumé file.csv'), 'a,b\n');
    const app = Fastify();
    await app.register(fastifyStatic, { root: dir, serve: false });
    app.get('/file', (_request, reply) => reply.download('résumé file.csv'));
    try {
      const r = await app.inject({ url: '/file' });
      expect(r.statusCode).toBe(200);
      expect(r.body).toBe('a,b\n');
      expect(r.headers['content-disposition']).toBe(
        `attachment; filename="r?sum? file.csv"; filename*=UTF-8''r%C3%A9sum%C3%A9%20file.csv`,
      );
    } finally {
      await app.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('cookie 1.1 (for light-my-request) writes the cookies of an injected request', async () => {
    expect(lock.packages['node_modules/light-my-request/node_modules/cookie']?.version).toBe('1.1.1');
    const app = Fastify();
    app.get('/', async (request) => ({ cookie: request.headers.cookie }));
    try {
      const r = await app.inject({ url: '/', cookies: { session: 'a b', other: '1' } });
      expect(r.json()).toEqual({ cookie: 'session=a%20b; other=1' });
    } finally {
      await app.close();
    }
  });
});
