// Bodies nested past MAX_JSON_DEPTH and strings that are not valid Unicode (issue 15): refused with 629 in the
// route's shape before any work — before the Idempotency-Key hash, which once overflowed the stack on a
// 100,000-deep body — alike on SQLite and PostgreSQL, and the server keeps answering.
import { describe, expect, it } from 'vitest';
import { MAX_JSON_DEPTH } from '../../src/http/json-input.js';
import { nestedJson } from './arbitraries.js';
import { queryOf, type Verdict } from './harness.js';
import { within } from './numbers.js';
import { useHostileApp } from './setup.js';
import type { Route } from './routes.js';

const app = useHostileApp('deeply nested and broken-Unicode bodies');

const bodyRoutes = () => app.routes.filter((r) => r.json);
let keys = 0;

/** The refusal is 400 with code 629 in the route's own shape (the OAuth route names no code). */
function invalidInput(route: Route, v: Verdict, what: string): string[] {
  const out = [...v.problems];
  // v1.1 routes carry the code in response.status (docs/api.md §14); the others in errors[0].
  const code = route.family === 'v11' ? v.body?.response?.status?.code : v.body?.errors?.[0]?.code;
  if (v.status !== 400) out.push(`${route.id} ${what} → ${v.status}, not 400`);
  else if (route.family !== 'oauth' && code !== 629)
    out.push(`${route.id} ${what} → code ${String(code)}, not 629`);
  return out;
}

describe(`bodies nested deeper than ${MAX_JSON_DEPTH} levels`, () => {
  it('refuses a 100,000-deep body sent with an Idempotency-Key with 629 on every route, and keeps answering', async () => {
    const failures: string[] = [];
    for (const route of bodyRoutes()) {
      const tpl = app.templateOf(route);
      for (const kind of ['array', 'object'] as const) {
        const v = await within(
          5000,
          route.id,
          app.probe.judge({
            route,
            params: tpl.params ?? {},
            query: queryOf(tpl.query),
            headers: { 'idempotency-key': `deep-${++keys}` },
            body: `{"seriesId":${app.data.seriesId},"x":${nestedJson(100_000, kind)}}`,
          }),
        );
        failures.push(...invalidInput(route, v, `${kind} 100,000 deep`));
      }
    }
    expect(failures).toEqual([]);
    expect((await app.t.get('/health', null)).status).toBe(200);
  });

  it(`takes ${MAX_JSON_DEPTH} levels and refuses ${MAX_JSON_DEPTH + 1}`, async () => {
    const route = app.routes.find((r) => r.id === 'POST /v2/coupon/issue')!;
    const send = (depth: number) =>
      app.probe.judge({
        route,
        query: 'source=INSTORE',
        headers: { 'idempotency-key': `depth-${depth}-${++keys}` },
        // The outer object is one level: the field holds depth - 1 more.
        body: `{"seriesId":${app.data.seriesId},"customer":{"mobile":"${app.data.mobile}"},"x":${nestedJson(depth - 1, 'array')}}`,
      });
    const ok = await send(MAX_JSON_DEPTH);
    expect(ok.problems).toEqual([]);
    expect(ok.status).toBe(200);
    const refused = await send(MAX_JSON_DEPTH + 1);
    expect(invalidInput(route, refused, 'one level too deep')).toEqual([]);
    expect(refused.body.errors[0].message).toContain(`${MAX_JSON_DEPTH} levels`);
  });
});

/** Every string leaf of a JSON value, as a path. */
function stringLeaves(v: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  if (typeof v === 'string') return [prefix];
  if (Array.isArray(v)) return v.flatMap((x, i) => stringLeaves(x, [...prefix, i]));
  if (typeof v === 'object' && v !== null)
    return Object.entries(v).flatMap(([k, x]) => stringLeaves(x, [...prefix, k]));
  return [];
}
function replaced(v: unknown, p: (string | number)[], value: unknown): unknown {
  if (p.length === 0) return value;
  const [head, ...rest] = p as [string | number, ...(string | number)[]];
  if (Array.isArray(v)) return v.map((x, i) => (i === head ? replaced(x, rest, value) : x));
  return { ...(v as object), [head]: replaced((v as Record<string, unknown>)[head], rest, value) };
}

describe('strings that are not valid Unicode', () => {
  it('refuses a lone surrogate in a customer email with 629 and writes nothing', async () => {
    const route = app.routes.find((r) => r.id === 'POST /v2/coupon/issue')!;
    for (const email of ['\ud800@example.com', 'a\udfff@example.com', 'x@ex\ud83d.com']) {
      const v = await within(
        5000,
        'issue',
        app.probe.judge({
          route,
          query: 'source=INSTORE',
          body: JSON.stringify({ seriesId: app.data.seriesId, customer: { email } }),
        }),
      );
      expect(invalidInput(route, v, JSON.stringify(email))).toEqual([]);
      expect(v.body.errors[0].message).toContain('customer.email');
    }
    // A well-formed astral character (a surrogate pair) is valid text.
    const ok = await app.t.post('/v2/customers', {
      firstName: 'Emoji',
      email: 'smile\ud83d\ude00@example.com',
    });
    expect(ok.status, ok.text).toBe(200);
  });

  it('refuses a lone surrogate in any string field, or key, of every route’s body', async () => {
    const failures: string[] = [];
    for (const route of bodyRoutes()) {
      const tpl = app.templateOf(route);
      if (tpl.body === undefined) continue;
      const leaves = stringLeaves(tpl.body);
      const bodies = [
        ...leaves.map((p) => [`${p.join('.')}`, JSON.stringify(replaced(tpl.body, p, 'a\ud800b'))] as const),
        ['a key', JSON.stringify({ ...(tpl.body as object), ['k\udc00']: 1 })] as const,
      ];
      for (const [what, body] of bodies) {
        const v = await app.probe.judge({ route, params: tpl.params ?? {}, query: queryOf(tpl.query), body });
        failures.push(...invalidInput(route, v, `lone surrogate in ${what}`));
      }
    }
    expect(failures).toEqual([]);
  });
});
