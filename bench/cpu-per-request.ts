// `tsx bench/cpu-per-request.ts [--seconds N] [--profile]`: server CPU per request (issue 17 item 2), in
// this process through Fastify's inject, 10 callers: a bare Fastify route, coupond's GET /health (every
// global hook, no authentication), GET /v2/org/settings (plus authentication) and is_redeemable of one
// code, on SQLite and, with BENCH_DATABASE_URL, on PostgreSQL (its own schema). CPU is process.cpuUsage
// per call (every thread of this process; PostgreSQL's own CPU is not in it). `--profile` writes a V8 CPU
// profile of each is_redeemable loop to the temporary folder. Diagnostics: nothing here is a target.
import fs from 'node:fs';
import inspector from 'node:inspector/promises';
import os from 'node:os';
import path from 'node:path';
import Fastify from 'fastify';
import pg from 'pg';
import { buildApp, openContext } from '../src/app.js';
import { configFrom } from '../src/config.js';
import { registerHttp } from '../src/http/plugin.js';
import { createHttpServer } from '../src/http/server.js';
import { registerSlowClientBounds } from '../src/http/slow-clients.js';
import { asNewClient, benchEnv, oneIssuedCoupon } from './inject-kit.js';

const CALLERS = 10;
const args = process.argv.slice(2);
const seconds = args.includes('--seconds') ? Number(args[args.indexOf('--seconds') + 1]) : 3;
const profile = args.includes('--profile');

async function measure(name: string, call: () => Promise<void>, profileAs?: string): Promise<void> {
  const loop = async (until: number) => {
    let n = 0;
    while (performance.now() < until) {
      await call();
      n++;
    }
    return n;
  };
  await Promise.all(Array.from({ length: CALLERS }, () => loop(performance.now() + 1000)));
  const session = profile && profileAs ? new inspector.Session() : undefined;
  if (session) {
    session.connect();
    await session.post('Profiler.enable');
    await session.post('Profiler.start');
  }
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const counts = await Promise.all(Array.from({ length: CALLERS }, () => loop(t0 + seconds * 1000)));
  const cpu = process.cpuUsage(cpu0);
  const elapsed = (performance.now() - t0) / 1000;
  if (session) {
    const { profile: p } = await session.post('Profiler.stop');
    const file = path.join(os.tmpdir(), `coupond-cpu-${profileAs}.cpuprofile`);
    fs.writeFileSync(file, JSON.stringify(p));
    session.disconnect();
  }
  const calls = counts.reduce((a, b) => a + b, 0);
  const us = Math.round((cpu.user + cpu.system) / calls);
  process.stdout.write(
    `${name.padEnd(52)} ${String(Math.round(calls / elapsed)).padStart(7)}/s ${String(us).padStart(6)} µs CPU per call\n`,
  );
}

async function bare(): Promise<void> {
  const app = Fastify({ logger: false });
  app.get('/bare', async () => ({ ok: true }));
  await app.ready();
  await measure('bare Fastify route', async () => {
    await app.inject({ method: 'GET', url: '/bare' });
  });
  await app.close();
}

/**
 * The global hook stack alone (issue 17 item 2: at most 1.5x the bare route): coupond's HTTP layer with one
 * more route that names a scope and answers at once, so authentication and every global hook run and
 * nothing else. Credentials are checked by the services as on every route (a cached principal).
 */
async function hookStack(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'coupond-cpu-'));
  const config = configFrom(benchEnv(dir));
  const context = await openContext(config);
  const http = createHttpServer(config, context.logger);
  try {
    registerSlowClientBounds(http, config.http);
    await registerHttp(http, context.services, {
      version: 'bench',
      rateLimitPerMinute: config.rateLimitPerMinute,
      authFailureLimit: config.authFailureLimit,
    });
    http.get('/bench/noop', { config: { scope: 'read' }, schema: { hide: true } }, async () => ({
      ok: true,
    }));
    await http.ready();
    const { authorization } = await asNewClient({ http, services: context.services });
    await measure(
      'sqlite: authenticated no-op route (hook stack)',
      async () => {
        const r = await http.inject({ method: 'GET', url: '/bench/noop', headers: { authorization } });
        if (r.statusCode !== 200) throw new Error(`no-op: ${r.statusCode} ${r.body}`);
      },
      profile ? 'hook-stack' : undefined,
    );
  } finally {
    await http.close();
    await context.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function coupond(database: 'sqlite' | 'postgres', url?: string): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'coupond-cpu-'));
  const schema = `bench_cpu_${process.pid}`;
  const app = await buildApp(
    configFrom(benchEnv(dir, url ? { DATABASE_URL: url, DATABASE_SCHEMA: schema } : {})),
  );
  try {
    const { inject } = await asNewClient(app);
    const { mobile, code } = await oneIssuedCoupon(inject);
    await measure(`${database}: GET /health (global hooks)`, () => inject('GET', '/health'));
    await measure(
      `${database}: GET /v2/org/settings (+ authentication)`,
      () => inject('GET', '/v2/org/settings'),
      `${database}-org-settings`,
    );
    await measure(
      `${database}: GET /v2/coupon/is_redeemable, one code`,
      () => inject('GET', `/v2/coupon/is_redeemable?mobile=${mobile}&code=${code}`),
      `${database}-is_redeemable`,
    );
  } finally {
    await app.close();
    fs.rmSync(dir, { recursive: true, force: true });
    if (url) {
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      await c.query(`drop schema if exists ${schema} cascade`);
      await c.end();
    }
  }
}

await bare();
await hookStack();
await coupond('sqlite');
if (process.env.BENCH_DATABASE_URL) await coupond('postgres', process.env.BENCH_DATABASE_URL);
