// Hostile JSON bodies on every route of the OpenAPI document (issue 8): never a 5xx, every refusal a 4xx in
// its route's docs/errors.md shape, and nothing written by a refused request.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hostileJson, mutated, nestedJson, RUNS } from './arbitraries.js';
import { queryOf } from './harness.js';
import { useHostileApp } from './setup.js';

const app = useHostileApp('hostile JSON bodies');

const bodyRoutes = () => app.routes.filter((r) => r.method !== 'GET');

/** Every leaf of a JSON value, as a path. */
function leaves(v: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  if (Array.isArray(v)) return v.flatMap((x, i) => leaves(x, [...prefix, i]));
  if (typeof v === 'object' && v !== null)
    return Object.entries(v).flatMap(([k, x]) => leaves(x, [...prefix, k]));
  return [prefix];
}
function replaced(v: unknown, p: (string | number)[], value: unknown): unknown {
  if (p.length === 0) return value;
  const [head, ...rest] = p as [string | number, ...(string | number)[]];
  if (Array.isArray(v)) return v.map((x, i) => (i === head ? replaced(x, rest, value) : x));
  return { ...(v as object), [head]: replaced((v as Record<string, unknown>)[head], rest, value) };
}

describe('hostile JSON bodies on every route', () => {
  it('reads at least the 25 app.routes of the README from the OpenAPI document', () => {
    expect(app.routes.length).toBeGreaterThanOrEqual(25);
    const bare = app.routes.filter((r) => (r.json || r.pathParams.length > 0) && !app.templates[r.id]);
    // Such a route still gets every generated input, only without a valid request to start from.
    if (bare.length > 0) console.log(`routes without a template: ${bare.map((r) => r.id).join(', ')}`);
  });

  it('answers random and mutated JSON bodies without a 5xx, refusing in the docs/errors.md shape and writing nothing', async () => {
    const arb = fc
      .constantFrom(...bodyRoutes())
      .chain((route) =>
        fc.tuple(
          fc.constant(route),
          app.templateOf(route).body === undefined
            ? hostileJson
            : fc.oneof(
                { weight: 3, arbitrary: mutated(app.templateOf(route).body) },
                { weight: 1, arbitrary: hostileJson },
              ),
        ),
      );
    await fc.assert(
      fc.asyncProperty(arb, async ([route, body]) => {
        const tpl = app.templateOf(route);
        const problems = await app.probe.send({
          route,
          params: tpl.params ?? {},
          query: queryOf(tpl.query),
          body: JSON.stringify(body) ?? 'null',
        });
        expect(problems).toEqual([]);
      }),
      { numRuns: RUNS * 3 },
    );
  });

  it('answers every field of every template replaced by each nasty value without a 5xx (a full sweep)', async () => {
    const values: unknown[] = [
      '\u0000',
      'a\u0000b',
      '\ud800',
      '99999999999999999999',
      '9223372036854775808',
      2 ** 63,
      1e308,
      -1,
      1.5,
      'NaN',
      '',
      null,
      [],
      {},
      'x'.repeat(10_000),
      '=cmd',
    ];
    const failures: string[] = [];
    for (const route of bodyRoutes()) {
      const tpl = app.templateOf(route);
      if (tpl.body === undefined) continue;
      for (const leaf of leaves(tpl.body)) {
        for (const value of values) {
          failures.push(
            ...(await app.probe.send({
              route,
              params: tpl.params ?? {},
              query: queryOf(tpl.query),
              body: JSON.stringify(replaced(tpl.body, leaf, value)),
            })),
          );
        }
      }
    }
    expect(failures).toEqual([]);
  });

  it('refuses a 10 MB JSON body with 413 on every JSON route (OAuth: 400), and without a 5xx elsewhere', async () => {
    const big = JSON.stringify({ description: 'x'.repeat(10 * 1024 * 1024) });
    const failures: string[] = [];
    for (const route of bodyRoutes()) {
      const tpl = app.templateOf(route);
      const verdict = await app.probe.judge({ route, params: tpl.params ?? {}, body: big });
      failures.push(...verdict.problems);
      // RFC 6749 §5.2: the OAuth route answers its errors with 400 invalid_request.
      const expected = route.family === 'oauth' ? 400 : 413;
      if (route.json && verdict.status !== expected)
        failures.push(`${route.id}: 10 MB JSON answered ${verdict.status}, not ${expected}`);
    }
    expect(failures).toEqual([]);
  });

  it('answers JSON nested 100,000 levels deep on every route without a 5xx', async () => {
    const failures: string[] = [];
    for (const route of bodyRoutes()) {
      const tpl = app.templateOf(route);
      for (const kind of ['array', 'object'] as const)
        failures.push(
          ...(await app.probe.send({ route, params: tpl.params ?? {}, body: nestedJson(100_000, kind) })),
        );
    }
    expect(failures).toEqual([]);
  });

  it('ignores __proto__ and constructor keys: they neither fail a request nor reach other objects', async () => {
    const failures: string[] = [];
    for (const route of bodyRoutes()) {
      const tpl = app.templateOf(route);
      const base = (tpl.body ?? {}) as Record<string, unknown>;
      for (const text of [
        JSON.stringify(base).replace(/^\{/, '{"__proto__":{"polluted":1,"scopes":"admin"},'),
        JSON.stringify(base).replace(/^\{/, '{"constructor":{"prototype":{"polluted":1}},'),
      ]) {
        if (text === JSON.stringify(base)) continue;
        failures.push(
          ...(await app.probe.send({
            route,
            params: tpl.params ?? {},
            query: queryOf(tpl.query),
            body: text,
          })),
        );
      }
    }
    expect(failures).toEqual([]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('sent hostile bodies to every route of the OpenAPI document that is not a GET', () => {
    expect(
      bodyRoutes()
        .filter((r) => !app.probe.tally.routes.has(r.id))
        .map((r) => r.id),
    ).toEqual([]);
  });
});
