// The global hook stack made cheaper (issue 17 item 2) answers as before: helmet's default security headers
// (less CSP) on every answer, refusals and unknown routes included; request.log writes lines bound to the
// request id but makes its pino child only when a line is written.
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { requestLoggerFactory } from '../../src/http/request-logger.js';
import { buildTestApp, type TestApp } from '../support/build-test-app.js';

// What @fastify/helmet 13 (helmet 8) sent by default with contentSecurityPolicy off, before this change.
const HELMET_DEFAULTS = {
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
};

let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp();
});
afterAll(async () => t.close());

describe('security headers', () => {
  it('are on a 200, a 401, a 404 and a 400, with a request id, and no CSP on API answers', async () => {
    const answers = [
      await t.get('/health', null),
      await t.get('/v2/org/settings', null),
      await t.get('/no/such/route', null),
      await t.get('/v2/coupon/is_redeemable?mobile=1&code=%00', null),
    ];
    expect(answers.map((r) => r.status)).toEqual([200, 401, 404, 400]);
    for (const r of answers) {
      expect(r.headers).toMatchObject(HELMET_DEFAULTS);
      expect(r.headers['x-request-id']).toBeTruthy();
      expect(r.headers['content-security-policy']).toBeUndefined();
    }
  });
});

describe('request logger', () => {
  const capture = () => {
    const lines: Record<string, unknown>[] = [];
    const stream = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
        done();
      },
    });
    return { lines, logger: pino({ level: 'info' }, stream) };
  };

  it('makes no child for a request that writes nothing or only below the level', () => {
    const { lines, logger } = capture();
    const child = vi.spyOn(logger, 'child');
    const log = requestLoggerFactory(logger, { reqId: 'r1' }, {});
    log.debug('not written');
    log.trace('not written');
    expect(child).not.toHaveBeenCalled();
    expect(lines).toEqual([]);
    expect(log.level).toBe('info');
  });

  it('writes lines bound to the request id through one child, made on the first line', async () => {
    const { lines, logger } = capture();
    const child = vi.spyOn(logger, 'child');
    const log = requestLoggerFactory(logger, { reqId: 'r2' }, {});
    log.info({ a: 1 }, 'first');
    log.warn('second');
    await new Promise((r) => setImmediate(r));
    expect(child).toHaveBeenCalledTimes(1);
    expect(lines.map((l) => [l.reqId, l.msg])).toEqual([
      ['r2', 'first'],
      ['r2', 'second'],
    ]);
    expect(lines[0]!.a).toBe(1);
  });

  it('keeps a route-level log level', () => {
    const { lines, logger } = capture();
    const log = requestLoggerFactory(logger, { reqId: 'r3' }, { level: 'debug' });
    log.debug('written at the route level');
    expect(log.level).toBe('debug');
    expect(lines.map((l) => l.msg)).toEqual(['written at the route level']);
  });
});
