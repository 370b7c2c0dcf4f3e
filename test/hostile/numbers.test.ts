// Every number a route takes must be a finite number in its documented range before any work starts (issue
// 15): "Infinity", "1e309", true, "" and friends are refused with a 4xx in the route's shape, fast, and
// write nothing; no value may cause a 5xx or a hang. The inputs are read from the OpenAPI document.
import { beforeAll, describe, expect, it } from 'vitest';
import { queryOf, type HostileRequest } from './harness.js';
import { bodyWith, HOSTILE_NUMBERS, within } from './numbers.js';
import { numericInputsOf, type NumericInput } from './routes.js';
import { useHostileApp } from './setup.js';

const app = useHostileApp('hostile numbers', () => `${inputs.length} numeric inputs`);
let inputs: NumericInput[];
beforeAll(async () => {
  inputs = await numericInputsOf(app.t, app.routes);
});

/** Bound on one answer: a refusal is immediate; seconds mean a loop over a count that never ends. */
const ANSWER_MS = 5000;

describe('issue/multiple refuses a count that is not a number from 1 to 500', () => {
  for (const count of ['Infinity', '1e309', '-Infinity', true, [true], false, '']) {
    it(`refuses "count": ${JSON.stringify(count)} with 629 at once, issuing nothing`, async () => {
      const route = app.routes.find((r) => r.id === 'POST /v2/coupon/issue/multiple')!;
      const started = Date.now();
      const v = await within(
        3000,
        'issue/multiple',
        app.probe.judge({
          route,
          body: JSON.stringify({ seriesId: app.data.seriesId, count, customer: { mobile: '9811111111' } }),
        }),
      );
      expect(v.problems).toEqual([]);
      expect(v.status).toBe(400);
      expect(v.body.errors[0].code).toBe(629);
      expect(Date.now() - started).toBeLessThan(3000);
      expect((await app.t.get('/health', null)).status).toBe(200);
    });
  }
});

function requestFor(input: NumericInput, n: (typeof HOSTILE_NUMBERS)[number]): HostileRequest {
  const tpl = app.templates[input.route.id] ?? {};
  const name = String(input.path[0]);
  const req: HostileRequest = { route: input.route, params: { ...tpl.params }, query: queryOf(tpl.query) };
  if (input.where === 'query') req.query = queryOf({ ...tpl.query, [name]: n.text });
  if (input.where === 'path') req.params = { ...tpl.params, [name]: n.text };
  if (input.route.json)
    req.body = input.where === 'body' ? bodyWith(tpl.body, input.path, n) : JSON.stringify(tpl.body ?? {});
  return req;
}

describe('every numeric input of every route', () => {
  it('finds the numbers of the OpenAPI document: counts, limits, offsets, ids, money', () => {
    const ids = inputs.map((i) => `${i.route.id} ${i.where}.${i.path.join('.')}`);
    expect(ids).toContain('POST /v2/coupon/issue/multiple body.count');
    expect(ids).toContain('GET /v2/coupon/series query.limit');
    expect(ids).toContain('PUT /v2/coupon/series/{id} path.id');
    expect(ids).toContain('POST /v2/coupon/redeem body.billAmount');
    expect(ids).toContain('POST /v2/coupon/series body.CouponSeriesV2.maxCreate');
    expect(inputs.length).toBeGreaterThan(30);
  });

  it('refuses non-finite, boolean, empty and fractional values with a 4xx and never answers 5xx or hangs', async () => {
    const failures: string[] = [];
    for (const input of inputs) {
      for (const n of HOSTILE_NUMBERS) {
        const where = `${input.route.id} ${input.where}.${input.path.join('.')} = ${n.label}`;
        const v = await within(ANSWER_MS, where, app.probe.judge(requestFor(input, n)));
        failures.push(...v.problems);
        if (n.refused(input) && (v.status < 400 || v.status >= 500))
          failures.push(`${where} → ${v.status}, not refused: ${JSON.stringify(v.body).slice(0, 200)}`);
      }
    }
    expect(failures).toEqual([]);
  });
});
