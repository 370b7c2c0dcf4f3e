// Hostile query strings, path parameters, headers and raw bytes on every route of the OpenAPI document
// (issue 8): never a 5xx, every refusal a 4xx in its route's docs/errors.md shape, nothing written by a refusal.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  hostileBytes,
  hostileContentType,
  hostileHeaders,
  hostileJson,
  hostilePathValue,
  querySegment,
  RUNS,
} from './arbitraries.js';
import { queryOf } from './harness.js';
import { useHostileApp } from './setup.js';
import type { Route } from './routes.js';

const app = useHostileApp('hostile queries, paths, headers and bytes');

const bodyOf = (r: Route): string | undefined => {
  const b = app.templateOf(r).body;
  return b === undefined ? (r.json ? '{}' : undefined) : JSON.stringify(b);
};

const NASTY_QUERY_VALUES = [
  '%00',
  'a%00b',
  '%ED%A0%80',
  '%ZZ',
  '%',
  '99999999999999999999',
  '9223372036854775808',
  '-1',
  '1.5',
  'NaN',
  '1e400',
  '',
  'x'.repeat(10_000),
  '%3Dcmd',
];

const NASTY_PATH_VALUES = [
  '0',
  '-1',
  '1.5',
  'NaN',
  '1e400',
  '99999999999999999999',
  '9223372036854775807',
  '9223372036854775808',
  '2147483648',
  '%00',
  '%ZZ',
  '%C0%AF',
  '..%2F..%2Fcoupond.db',
  '..%2Fjwt-secret',
  'coupond.db',
  'jwt-secret',
  'x'.repeat(300),
];

describe('hostile query strings, path parameters, headers and bytes on every route', () => {
  it('answers generated query strings without a 5xx, refusing in the docs/errors.md shape and writing nothing', async () => {
    const arb = fc
      .constantFrom(...app.routes)
      .chain((route) =>
        fc.tuple(
          fc.constant(route),
          fc.array(querySegment(route.queryParams), { minLength: 1, maxLength: 6 }),
          fc.boolean(),
        ),
      );
    await fc.assert(
      fc.asyncProperty(arb, async ([route, segments, keepTemplate]) => {
        const tpl = app.templateOf(route);
        const base = keepTemplate ? queryOf(tpl.query) : '';
        const query = [base, ...segments].filter((s) => s.length > 0).join('&');
        expect(await app.probe.send({ route, params: tpl.params ?? {}, query, body: bodyOf(route) })).toEqual(
          [],
        );
      }),
      { numRuns: RUNS * 3 },
    );
  });

  it('answers each query parameter of every route set to each nasty value without a 5xx (a full sweep)', async () => {
    const failures: string[] = [];
    for (const route of app.routes) {
      const tpl = app.templateOf(route);
      const names = [...new Set([...route.queryParams, ...Object.keys(tpl.query ?? {})])];
      for (const name of names) {
        for (const value of NASTY_QUERY_VALUES) {
          const rest = Object.fromEntries(Object.entries(tpl.query ?? {}).filter(([k]) => k !== name));
          const query = [queryOf(rest), `${encodeURIComponent(name)}=${value}`].filter(Boolean).join('&');
          failures.push(
            ...(await app.probe.send({ route, params: tpl.params ?? {}, query, body: bodyOf(route) })),
          );
        }
        // The same parameter repeated many times (arrays) and with commas.
        const many = Array.from({ length: 200 }, (_, i) => `${name}=${i}`).join('&');
        failures.push(
          ...(await app.probe.send({ route, params: tpl.params ?? {}, query: many, body: bodyOf(route) })),
        );
      }
    }
    expect(failures).toEqual([]);
  });

  it('answers generated path parameters without a 5xx, refusing in the docs/errors.md shape and writing nothing', async () => {
    const withParams = app.routes.filter((r) => r.pathParams.length > 0);
    const arb = fc.constantFrom(...withParams).chain((route) =>
      fc.tuple(
        fc.constant(route),
        fc.array(hostilePathValue, {
          minLength: route.pathParams.length,
          maxLength: route.pathParams.length,
        }),
        fc.boolean(),
      ),
    );
    await fc.assert(
      fc.asyncProperty(arb, async ([route, values, raw]) => {
        const params = Object.fromEntries(route.pathParams.map((p, i) => [p, values[i]!]));
        const rawOk =
          raw &&
          values.every(
            (v) => /^[\x21-\x7e]*$/.test(v) && !v.includes('/') && !v.includes('?') && !v.includes('#'),
          );
        const tpl = app.templateOf(route);
        expect(
          await app.probe.send({
            route,
            params,
            rawPath: rawOk,
            query: queryOf(tpl.query),
            body: bodyOf(route),
          }),
        ).toEqual([]);
      }),
      { numRuns: RUNS * 2 },
    );
  });

  it('answers each path parameter of every route set to each nasty value without a 5xx (a full sweep)', async () => {
    const failures: string[] = [];
    for (const route of app.routes.filter((r) => r.pathParams.length > 0)) {
      const tpl = app.templateOf(route);
      for (const name of route.pathParams) {
        for (const value of NASTY_PATH_VALUES) {
          const params = { ...(tpl.params ?? {}), [name]: value };
          failures.push(
            ...(await app.probe.send({
              route,
              params,
              rawPath: true,
              query: queryOf(tpl.query),
              body: bodyOf(route),
            })),
          );
        }
      }
    }
    expect(failures).toEqual([]);
  });

  it('answers generated headers (credentials, content types, keys) without a 5xx, refusing in the docs/errors.md shape', async () => {
    // Every route at least once, whatever the random picks below: empty credentials (a route without
    // parameters is reached by this test only, and a random pick of routes can miss one).
    for (const route of app.routes) {
      const tpl = app.templateOf(route);
      expect(
        await app.probe.send({
          route,
          params: tpl.params ?? {},
          query: queryOf(tpl.query),
          authorization: 'Basic Og==',
          body: route.method === 'GET' ? undefined : bodyOf(route),
        }),
      ).toEqual([]);
    }
    const arb = fc.tuple(
      fc.constantFrom(...app.routes),
      hostileHeaders(app.t.client.basic, app.t.client.key),
      fc.option(hostileJson),
    );
    await fc.assert(
      fc.asyncProperty(arb, async ([route, headers, body]) => {
        const tpl = app.templateOf(route);
        const { authorization, ...rest } = headers;
        expect(
          await app.probe.send({
            route,
            params: tpl.params ?? {},
            query: queryOf(tpl.query),
            authorization: authorization ?? null,
            headers: rest,
            body: route.method === 'GET' ? undefined : body === null ? bodyOf(route) : JSON.stringify(body),
          }),
        ).toEqual([]);
      }),
      { numRuns: RUNS * 3 },
    );
  });

  it('answers raw bytes (bad UTF-8, truncated JSON, BOM, NUL) under any content type without a 5xx', async () => {
    const arb = fc.tuple(
      fc.constantFrom(...app.routes.filter((r) => r.method !== 'GET')),
      hostileBytes,
      hostileContentType,
    );
    await fc.assert(
      fc.asyncProperty(arb, async ([route, bytes, contentType]) => {
        const tpl = app.templateOf(route);
        expect(
          await app.probe.send({
            route,
            params: tpl.params ?? {},
            query: queryOf(tpl.query),
            body: bytes,
            headers: { 'content-type': contentType },
          }),
        ).toEqual([]);
      }),
      { numRuns: RUNS * 2 },
    );
  });

  it('answers a body whose content-encoding is a lie, and a form body with nested keys, without a 5xx', async () => {
    const failures: string[] = [];
    for (const route of app.routes.filter((r) => r.method !== 'GET')) {
      const tpl = app.templateOf(route);
      const base = { route, params: tpl.params ?? {}, query: queryOf(tpl.query) };
      failures.push(
        ...(await app.probe.send({
          ...base,
          body: bodyOf(route) ?? '{}',
          headers: { 'content-encoding': 'gzip' },
        })),
        ...(await app.probe.send({
          ...base,
          body: 'a[b][c]=1&a[b][c]=2&__proto__[x]=1&customer[mobile]=1&seriesId=1e400',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
        })),
        ...(await app.probe.send({ ...base, body: '', headers: { 'content-type': 'application/json' } })),
      );
    }
    expect(failures).toEqual([]);
  });

  it('sent hostile input to every route of the OpenAPI document', () => {
    expect(app.routes.filter((r) => !app.probe.tally.routes.has(r.id)).map((r) => r.id)).toEqual([]);
  });
});
