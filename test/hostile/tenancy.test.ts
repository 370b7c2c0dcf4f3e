// Tenancy probes (docs/api.md §2, issue 8): for every route of the OpenAPI document, org B's credentials on org A's
// ids, codes, customer identifiers, redemptions, holds, upload jobs and files get the same answer (status,
// error codes, shape) as values that exist nowhere, never show A's data, and change nothing in org A.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { basicOf, buildTestApp, type TestApp, type TestClient } from '../support/build-test-app.js';
import { markerOf, seedOrg, type OrgData } from './fixtures.js';
import { OPEN_ENV } from './harness.js';
import { routesOf, type Route } from './routes.js';
import { PROBES } from './tenancy-probes.js';
import {
  ghost,
  orgAState as stateOfA,
  senderAsB,
  signature,
  type Answer,
  type ProbeRequest,
  type Values,
} from './tenancy-probing.js';

let t: TestApp;
let A: TestClient;
let B: TestClient;
let a: OrgData;
let b: OrgData;
let foreign: Values;
let routes: Route[];
let bearerB: string;
const figures = { probes: 0, requests: 0 };
let send: (route: Route, req: ProbeRequest) => Promise<Answer>;

beforeAll(async () => {
  t = await buildTestApp({ env: { ...OPEN_ENV, COUPOND_WORKER: 'on' } });
  A = t.client;
  B = await t.createOrg('org B');
  a = await seedOrg(t, A, { upload: true });
  b = await seedOrg(t, B, { upload: true });
  routes = await routesOf(t);
  const hook = async (as: TestClient) => {
    const r = await t.post('/v2/webhooks', { url: 'http://127.0.0.1:9/hook', events: ['coupon.issued'] }, as);
    return r.status === 200 ? Number(r.body.id) : 0;
  };
  const webhookA = await hook(A);
  await hook(B);
  const seriesA = (await t.get(`/v2/coupon/series?ids=${a.seriesId}`, A)).body.entity[0];
  foreign = {
    seriesId: a.seriesId,
    seriesCode: seriesA.seriesCode,
    couponId: a.couponId,
    code: a.code,
    heldCode: a.heldCode,
    poolCode: a.poolCode,
    customerId: a.customerId,
    mobile: a.mobile,
    email: a.email,
    externalId: a.externalId,
    redemptionId: a.redemptionId,
    transactionNumber: a.transactionNumber,
    holdId: a.holdId,
    uploadSeriesId: a.upload!.seriesId,
    errorFile: a.upload!.errorFile,
    successFile: a.upload!.successFile ?? a.upload!.errorFile,
    webhookId: webhookA,
    key: A.key,
  };
  const token = await t.post('/v3/oauth/token/generate', { key: B.key, secret: B.secret }, null);
  expect(token.status).toBe(200);
  bearerB = token.body.data.accessToken;
  send = senderAsB(t, B, bearerB, a, figures);
});
afterAll(async () => {
  console.log(
    `tenancy probes: ${figures.probes} probes on ${routes.length} routes, ${figures.requests} requests as org B`,
  );
  await t.close();
});

const orgAState = () => stateOfA(t, A, a);

describe('tenancy: org B probing org A', () => {
  it('has a probe for every route of the OpenAPI document', () => {
    const missing = routes.filter((r) => !PROBES[r.id]).map((r) => r.id);
    expect(missing, 'add the route to PROBES in test/hostile/tenancy-probes.ts').toEqual([]);
  });

  it("answers org A's ids, codes, customers, redemptions, holds, jobs and files as if they did not exist, shows none of A's data, and changes nothing in A", async () => {
    const before = await orgAState();
    const markerA = markerOf(A).toLowerCase();
    const failures: string[] = [];
    const ordered = routes.flatMap((route) => (PROBES[route.id] ?? []).map((probe) => ({ route, probe })));
    // Probes that create something in B run last: B's new customer with A's mobile must not turn a later
    // lookup of A's mobile into a hit.
    ordered.sort((x, y) => Number(!!x.probe.creates) - Number(!!y.probe.creates));
    for (const { route, probe } of ordered) {
      figures.probes++;
      const onA = await send(route, probe.request(foreign, b));
      const onNothing = await send(route, probe.request(ghost, b));
      const where = `${route.id} (${probe.name})`;
      if (onA.status >= 500 || onNothing.status >= 500)
        failures.push(`${where}: answered ${onA.status} / ${onNothing.status}`);
      const sa = signature(onA);
      const sn = signature(onNothing);
      if (JSON.stringify(sa) !== JSON.stringify(sn)) {
        failures.push(
          `${where}: A's values answered ${onA.status} ${onA.text.slice(0, 300)}; values of no org answered ${onNothing.status} ${onNothing.text.slice(0, 300)}`,
        );
      }
      // A's identifiers may come back as echoes of the request, or as B's own copies made by the probes
      // that register them in B; anything else carrying A's marker is A's data.
      let shown = onA.text.toLowerCase();
      for (const echo of [foreign.email, foreign.externalId, foreign.seriesCode])
        shown = shown.split(echo.toLowerCase()).join('');
      if (shown.includes(markerA))
        failures.push(`${where}: B's answer shows org A's data: ${onA.text.slice(0, 300)}`);
    }
    expect(failures).toEqual([]);
    expect(await orgAState()).toBe(before);
  });

  it("refuses org B's credentials as org A's: A's key with B's secret, and B's token on A's routes, are unknown", async () => {
    const mixed = await t.request({
      url: '/v2/org/settings',
      as: null,
      headers: { authorization: basicOf(A.key, B.secret) },
    });
    expect(mixed.status).toBe(401);
    const settings = await t.request({
      url: '/v2/org/settings',
      as: null,
      headers: { authorization: `Bearer ${bearerB}` },
    });
    expect(settings.status).toBe(200);
    expect(settings.body.orgId).toBe(B.orgId);
  });
});
