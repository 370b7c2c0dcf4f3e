// Tenancy probes (docs/api.md §2, issue 8): for every route of the OpenAPI document, org B's credentials on org A's
// ids, codes, customer identifiers, redemptions, holds, upload jobs and files get the same answer (status,
// error codes, shape) as values that exist nowhere, never show A's data, and change nothing in org A.
import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { basicOf, buildTestApp, type TestApp, type TestClient } from '../support/build-test-app.js';
import { multipart } from '../support/upload-helpers.js';
import { markerOf, seedOrg, type OrgData } from './fixtures.js';
import { OPEN_ENV } from './harness.js';
import { fillPath, routesOf, type Route } from './routes.js';

/** The values a probe names: org A's real ones, or ones that exist in no org. */
interface Values {
  seriesId: number;
  seriesCode: string;
  couponId: number;
  code: string;
  heldCode: string;
  poolCode: string;
  customerId: number;
  mobile: string;
  email: string;
  externalId: string;
  redemptionId: number;
  transactionNumber: string;
  holdId: number;
  uploadSeriesId: number;
  errorFile: string;
  successFile: string;
  webhookId: number;
  key: string;
}

interface ProbeRequest {
  method?: Route['method'];
  params?: Record<string, string | number>;
  query?: Record<string, string | number>;
  body?: unknown;
  multipart?: Record<string, string>;
  /** Overrides B's credentials (token routes probe with A's key and B's secret). */
  raw?: { headers: Record<string, string> };
}

/** A probe: the request as B makes it with the given values. `creates` probes write into B and run last. */
interface Probe {
  name: string;
  creates?: boolean;
  request: (v: Values, b: OrgData) => ProbeRequest;
}

let t: TestApp;
let A: TestClient;
let B: TestClient;
let a: OrgData;
let b: OrgData;
let foreign: Values;
let ghost: Values;
let routes: Route[];
let bearerB: string;
const figures = { probes: 0, requests: 0 };

const md5 = (s: string) => createHash('md5').update(s).digest('hex');

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
  ghost = {
    seriesId: 990_001,
    seriesCode: 'NOSUCHSERIESCODE',
    couponId: 990_002,
    code: 'NOSUCH99',
    heldCode: 'NOSUCH98',
    poolCode: 'NOSUCH97',
    customerId: 990_003,
    mobile: '9555500001',
    email: 'nobody@example.com',
    externalId: 'NOBODY-EXT',
    redemptionId: 990_004,
    transactionNumber: 'NO-SUCH-BILL',
    holdId: 990_005,
    uploadSeriesId: 990_006,
    errorFile: 'error_990007.csv',
    successFile: 'success_990007.csv',
    webhookId: 990_008,
    key: '1_NOSUCHKEYNOSUCHKEYNOSUCH',
  };
  const token = await t.post('/v3/oauth/token/generate', { key: B.key, secret: B.secret }, null);
  expect(token.status).toBe(200);
  bearerB = token.body.data.accessToken;
});
afterAll(async () => {
  console.log(
    `tenancy probes: ${figures.probes} probes on ${routes.length} routes, ${figures.requests} requests as org B`,
  );
  await t.close();
});

/** Every route's probes. A route of the OpenAPI document missing here fails the test. */
const PROBES: Record<string, Probe[]> = {
  'GET /health': [{ name: 'no ids', request: () => ({}) }],
  'GET /ready': [{ name: 'no ids', request: () => ({}) }],
  'GET /metrics': [{ name: 'no ids', request: () => ({}) }],
  'POST /v3/oauth/token/generate': [
    {
      name: "A's key with B's secret",
      request: (v) => ({ raw: { headers: {} }, body: { key: v.key, secret: B.secret } }),
    },
  ],
  'POST /oauth/token': [
    {
      name: "A's key as client_id with B's secret",
      request: (v) => ({
        raw: { headers: {} },
        body: { grant_type: 'client_credentials', client_id: v.key, client_secret: B.secret },
      }),
    },
  ],
  'GET /v2/org/settings': [{ name: 'no ids', request: () => ({}) }],
  'PUT /v2/org/settings': [{ name: 'no ids', request: () => ({ body: { name: 'org B renamed' } }) }],
  'POST /v2/customers': [
    {
      name: "A's mobile, email and external id",
      creates: true,
      request: (v) => ({ body: { mobile: v.mobile, email: v.email, externalId: v.externalId } }),
    },
  ],
  'GET /v2/customers/lookup': [
    { name: "A's mobile", request: (v) => ({ query: { mobile: v.mobile } }) },
    { name: "A's email", request: (v) => ({ query: { email: v.email } }) },
    { name: "A's external id", request: (v) => ({ query: { externalId: v.externalId } }) },
    { name: "A's customer id", request: (v) => ({ query: { id: v.customerId } }) },
  ],
  'POST /v2/coupon/series': [
    {
      name: "A's series code, and A's series as mutually exclusive",
      creates: true,
      request: (v) => ({
        body: { description: 'b', discountValue: 1, seriesCode: v.seriesCode },
      }),
    },
    {
      name: "A's series as mutually exclusive",
      creates: true,
      request: (v) => ({
        body: { description: 'b', discountValue: 1, mutualExclusiveSeriesIds: `[${v.seriesId}]` },
      }),
    },
  ],
  'GET /v2/coupon/series': [{ name: "A's series id", request: (v) => ({ query: { ids: v.seriesId } }) }],
  'PUT /v2/coupon/series/{id}': [
    { name: "A's series id", request: (v) => ({ params: { id: v.seriesId }, body: { description: 'b' } }) },
  ],
  'GET /v2/coupon/series/{id}/stats': [
    { name: "A's series id", request: (v) => ({ params: { id: v.seriesId } }) },
  ],
  'POST /v2/coupon/issue': [
    {
      name: "A's series",
      request: (v, own) => ({ body: { seriesId: v.seriesId, customer: { mobile: own.mobile } } }),
    },
    {
      name: "A's customer id",
      request: (v, own) => ({ body: { seriesId: own.seriesId, customer: { id: v.customerId } } }),
    },
    {
      name: "A's mobile (registered on the fly in B)",
      creates: true,
      request: (v, own) => ({ body: { seriesId: own.seriesId, customer: { mobile: v.mobile } } }),
    },
  ],
  'POST /v2/coupon/bulk/issue': [
    {
      name: "A's series",
      request: (v, own) => ({
        query: { source: 'INSTORE' },
        body: { seriesIds: [v.seriesId], customer: { mobile: own.mobile } },
      }),
    },
    {
      name: "A's customer id",
      request: (v, own) => ({
        query: { source: 'INSTORE' },
        body: { seriesIds: [own.seriesId], customer: { id: v.customerId } },
      }),
    },
  ],
  'POST /v2/coupon/issue/multiple': [
    {
      name: "A's series",
      request: (v, own) => ({ body: { seriesId: v.seriesId, count: 2, customer: { mobile: own.mobile } } }),
    },
    {
      name: "A's customer id",
      request: (v, own) => ({ body: { seriesId: own.seriesId, count: 2, customer: { id: v.customerId } } }),
    },
  ],
  'GET /v2/coupon': [
    { name: "A's coupon id", request: (v) => ({ query: { couponIds: v.couponId } }) },
    { name: "A's code", request: (v) => ({ query: { couponCodes: v.code } }) },
    { name: "A's customer id", request: (v) => ({ query: { issuedToIds: v.customerId } }) },
  ],
  'POST /v2/coupon/revoke': [
    { name: "A's code", request: (v) => ({ body: { codes: [v.code] } }) },
    { name: "A's coupon id", request: (v) => ({ body: { couponIds: [v.couponId] } }) },
    { name: "A's pool code", request: (v) => ({ body: { codes: [v.poolCode] } }) },
    { name: "A's code (documented body)", request: (v) => ({ body: { couponCodes: [v.code] } }) },
    {
      name: "A's series and code",
      request: (v) => ({ body: { couponSeriesId: v.seriesId, couponCodes: [v.code] } }),
    },
    { name: "A's customer", request: (v) => ({ body: { customer: { mobile: v.mobile } } }) },
    { name: "A's customer id", request: (v) => ({ body: { customer: { id: v.customerId } } }) },
  ],
  'PUT /v2/coupon/bulk/expiry': [
    {
      name: "A's code",
      request: (v) => ({ body: { couponCodes: [{ couponCode: v.code, expiryDate: '2099-01-01' }] } }),
    },
    {
      name: "A's series",
      request: (v) => ({
        body: { couponSeriesId: v.seriesId, couponCodes: [{ couponCode: v.code, expiryDate: '2099-01-01' }] },
      }),
    },
    {
      name: "A's customer",
      request: (v, own) => ({
        body: {
          customer: { mobile: v.mobile },
          couponCodes: [{ couponCode: own.code, expiryDate: '2099-01-01' }],
        },
      }),
    },
  ],
  'GET /v2/customers/coupons': [
    { name: "A's mobile", request: (v) => ({ query: { mobile: v.mobile } }) },
    { name: "A's email", request: (v) => ({ query: { email: v.email } }) },
    { name: "A's external id", request: (v) => ({ query: { external_Id: v.externalId } }) },
    { name: "A's customer id", request: (v) => ({ query: { id: v.customerId } }) },
  ],
  'GET /v2/customers/{id}/coupons': [
    { name: "A's customer id", request: (v) => ({ params: { id: v.customerId } }) },
  ],
  'GET /v2/coupon/{id}/history': [
    { name: "A's coupon id", request: (v) => ({ params: { id: v.couponId } }) },
  ],
  'POST /v1.1/coupon/issue': [
    {
      name: "A's series",
      request: (v, own) => ({
        body: { root: { coupon: { series_id: v.seriesId, customer: { mobile: own.mobile } } } },
      }),
    },
    {
      name: "A's customer id",
      request: (v, own) => ({
        body: { root: { coupon: { series_id: own.seriesId, customer: { id: v.customerId } } } },
      }),
    },
    {
      name: "A's mobile (registered on the fly in B)",
      creates: true,
      request: (v, own) => ({
        body: { root: { coupon: { series_id: own.seriesId, customer: { mobile: v.mobile } } } },
      }),
    },
  ],
  'GET /v1.1/coupon/resend': [
    { name: "A's code", request: (v, own) => ({ query: { mobile: own.mobile, code: v.code } }) },
    { name: "A's mobile", request: (v, own) => ({ query: { mobile: v.mobile, code: own.code } }) },
    {
      name: "A's external id",
      request: (v, own) => ({ query: { external_id: v.externalId, code: own.code } }),
    },
  ],
  'GET /v1.1/coupon/get': [
    { name: "A's code", request: (v) => ({ query: { code: v.code } }) },
    { name: "A's customer id", request: (v) => ({ query: { issuedToIds: v.customerId } }) },
  ],
  'GET /v1.1/customer/coupons': [
    { name: "A's mobile", request: (v) => ({ query: { mobile: v.mobile } }) },
    { name: "A's email", request: (v) => ({ query: { email: v.email } }) },
    { name: "A's customer id", request: (v) => ({ query: { id: v.customerId } }) },
    { name: "A's series", request: (v, own) => ({ query: { mobile: own.mobile, series_id: v.seriesId } }) },
  ],
  'GET /v1.1/coupon/isredeemable': [
    { name: "A's code", request: (v, own) => ({ query: { mobile: own.mobile, code: v.code } }) },
    { name: "A's mobile", request: (v, own) => ({ query: { mobile: v.mobile, code: own.code } }) },
    { name: "A's customer id", request: (v, own) => ({ query: { id: v.customerId, code: own.code } }) },
  ],
  'POST /v1.1/coupon/redeem': [
    {
      name: "A's code",
      request: (v, own) => ({
        body: {
          root: {
            coupon: [
              {
                code: v.code,
                customer: { mobile: own.mobile },
                transaction: [{ number: 'B1', amount: '100' }],
              },
            ],
          },
        },
      }),
    },
    {
      name: "A's coupon id",
      request: (v, own) => ({
        body: {
          root: {
            coupon: [
              {
                id: v.couponId,
                customer: { mobile: own.mobile },
                transaction: [{ number: 'B2', amount: '100' }],
              },
            ],
          },
        },
      }),
    },
    {
      name: "A's mobile",
      request: (v, own) => ({
        body: {
          root: {
            coupon: [
              {
                code: own.code,
                customer: { mobile: v.mobile },
                transaction: [{ number: 'B3', amount: '100' }],
              },
            ],
          },
        },
      }),
    },
  ],
  'GET /v1.1/coupon/series': [{ name: "A's series", request: (v) => ({ query: { id: v.seriesId } }) }],
  'GET /v2/coupon/is_redeemable': [
    { name: "A's code", request: (v, own) => ({ query: { mobile: own.mobile, code: v.code } }) },
    { name: "A's held code", request: (v, own) => ({ query: { mobile: own.mobile, code: v.heldCode } }) },
    { name: "A's coupon id", request: (v, own) => ({ query: { mobile: own.mobile, couponId: v.couponId } }) },
    { name: "A's mobile", request: (v, own) => ({ query: { mobile: v.mobile, code: own.code } }) },
    { name: "A's customer id", request: (v, own) => ({ query: { id: v.customerId, code: own.code } }) },
    {
      name: "A's bill number",
      request: (v, own) => ({
        query: { mobile: own.mobile, code: own.code, transactionNumber: v.transactionNumber },
      }),
    },
  ],
  'POST /v2/coupon/redeem': [
    {
      name: "A's code",
      request: (v, own) => ({
        body: { billAmount: 100, user: { mobile: own.mobile }, redemptionRequestList: [{ code: v.code }] },
      }),
    },
    {
      name: "A's coupon id",
      request: (v, own) => ({
        body: { billAmount: 100, user: { mobile: own.mobile }, redemptionRequestList: [{ id: v.couponId }] },
      }),
    },
    {
      name: "A's customer id",
      request: (v, own) => ({
        body: { billAmount: 100, user: { id: v.customerId }, redemptionRequestList: [{ code: own.code }] },
      }),
    },
    {
      name: "A's hold id",
      request: (v, own) => ({
        body: {
          billAmount: 100,
          holdId: v.holdId,
          user: { mobile: own.mobile },
          redemptionRequestList: [{ code: own.heldCode }],
        },
      }),
    },
  ],
  'POST /v2/coupon/bulk/redeem': [
    {
      name: "A's code",
      request: (v, own) => ({
        query: { source: 'INSTORE', allowPartial: 'true' },
        body: { billAmount: 100, user: { mobile: own.mobile }, redemptionRequestList: [{ code: v.code }] },
      }),
    },
    {
      name: "A's coupon id",
      request: (v, own) => ({
        query: { source: 'INSTORE' },
        body: { billAmount: 100, user: { mobile: own.mobile }, redemptionRequestList: [{ id: v.couponId }] },
      }),
    },
  ],
  'PUT /v2/coupon/redeem': [
    {
      name: "A's redemption id",
      request: (v) => ({
        body: { redemptions: [{ redemptionId: v.redemptionId, billAmount: 1, billId: 9 }] },
      }),
    },
    {
      name: "A's redemption id with A's customer",
      request: (v) => ({
        body: { redemptions: [{ redemptionId: v.redemptionId, billAmount: 1 }], user: { mobile: v.mobile } },
      }),
    },
  ],
  'POST /v2/coupon/reactivate': [
    { name: "A's redemption id", request: (v) => ({ body: { redemptionIds: [v.redemptionId] } }) },
    {
      name: "A's bill with A's customer",
      request: (v) => ({ body: { transactionNumber: v.transactionNumber, user: { mobile: v.mobile } } }),
    },
    {
      name: "A's bill with B's customer",
      request: (v, own) => ({
        body: { transactionNumber: v.transactionNumber, user: { mobile: own.mobile } },
      }),
    },
  ],
  'POST /v2/coupon/hold': [
    {
      name: "A's code",
      request: (v, own) => ({ body: { user: { mobile: own.mobile }, codes: [v.code], ttlSeconds: 60 } }),
    },
    {
      name: "A's customer",
      request: (v, own) => ({ body: { user: { mobile: v.mobile }, codes: [own.code], ttlSeconds: 60 } }),
    },
  ],
  'DELETE /v2/coupon/hold/{holdId}': [
    { name: "A's hold id", request: (v) => ({ params: { holdId: v.holdId } }) },
  ],
  'POST /coupon/api/v1/upload/file/{seriesId}': [
    {
      name: "A's series",
      request: (v) => ({ params: { seriesId: v.seriesId }, multipart: { customerIdentifier: 'NOT_TAGGED' } }),
    },
  ],
  'POST /coupon/api/v1/upload/redeemFile/{seriesId}': [
    {
      name: "A's series",
      request: (v) => ({
        params: { seriesId: v.seriesId },
        multipart: {
          customerIdentifier: 'MOBILE',
          couponIdentifier: 'COUPON_CODE',
          uploadHeaders: '{"mobile":0,"couponCode":1,"redeemedDateInMillis":2,"redeemedAt":3}',
        },
      }),
    },
  ],
  'GET /coupon/api/v1/upload/getUploadStatus/{seriesId}': [
    { name: "A's upload series", request: (v) => ({ params: { seriesId: v.uploadSeriesId } }) },
  ],
  'GET /coupon/api/v1/upload/getUploadRedeemedCouponStatus/{seriesId}': [
    { name: "A's upload series", request: (v) => ({ params: { seriesId: v.uploadSeriesId } }) },
  ],
  'GET /coupon/api/v1/upload/files/{name}': [
    { name: "A's error file", request: (v) => ({ params: { name: v.errorFile } }) },
    { name: "A's success file", request: (v) => ({ params: { name: v.successFile } }) },
  ],
  'POST /v2/webhooks': [
    {
      name: 'no ids',
      creates: true,
      request: () => ({ body: { url: 'http://127.0.0.1:9/b', events: ['coupon.redeemed'] } }),
    },
  ],
  'GET /v2/webhooks': [{ name: 'no ids', request: () => ({}) }],
  'DELETE /v2/webhooks/{id}': [{ name: "A's webhook id", request: (v) => ({ params: { id: v.webhookId } }) }],
  'GET /v2/webhooks/{id}/deliveries': [
    { name: "A's webhook id", request: (v) => ({ params: { id: v.webhookId } }) },
  ],
  'GET /v2/communications': [
    { name: "A's customer id", request: (v) => ({ query: { customerId: v.customerId } }) },
  ],
};

/** B's credentials, in turn each way docs/api.md §2 accepts them. */
let turn = 0;
function credentialsOfB(): Record<string, string> {
  const ways: Record<string, string>[] = [
    { authorization: B.basic },
    { authorization: basicOf(B.key, md5(B.secret)) },
    { authorization: `Bearer ${bearerB}` },
    { 'x-cap-api-oauth-token': bearerB },
  ];
  return ways[turn++ % ways.length]!;
}

interface Answer {
  status: number;
  body: any;
  text: string;
}

async function send(route: Route, req: ProbeRequest): Promise<Answer> {
  const method = req.method ?? route.method;
  const params = Object.fromEntries(Object.entries(req.params ?? {}).map(([k, v]) => [k, String(v)]));
  const query = Object.entries(req.query ?? {})
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`)
    .join('&');
  const url = `${fillPath(route, params)}${query ? `?${query}` : ''}`;
  const headers: Record<string, string> = req.raw ? { ...req.raw.headers } : credentialsOfB();
  let payload: string | Buffer | undefined;
  if (req.multipart) {
    const form = multipart(req.multipart, {
      content: `${a.mobile},${a.code},${Date.now()},2026-01-02 10:00:00\n`,
    });
    headers['content-type'] = form.contentType;
    payload = form.body;
  } else if (req.body !== undefined) {
    headers['content-type'] = 'application/json';
    payload = JSON.stringify(req.body);
  }
  const res = await t.app.http.inject({
    method,
    url,
    headers,
    ...(payload !== undefined ? { payload } : {}),
  });
  figures.requests++;
  let body: any;
  try {
    body = res.body ? JSON.parse(res.body) : undefined;
  } catch {
    body = undefined;
  }
  return { status: res.statusCode, body, text: res.body };
}

/** Every error code in an answer, wherever the shape puts it (errors, warnings, per-item statuses). */
function codesOf(v: unknown, out: number[] = []): number[] {
  if (Array.isArray(v)) v.forEach((x) => codesOf(x, out));
  else if (typeof v === 'object' && v !== null) {
    const o = v as Record<string, unknown>;
    if (typeof o.code === 'number' && (typeof o.message === 'string' || typeof o.status === 'boolean'))
      out.push(o.code);
    for (const x of Object.values(o)) codesOf(x, out);
  }
  return out;
}

/** The shape of a JSON value: its keys and types, not its values. */
function shapeOf(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(shapeOf);
  if (typeof v === 'object' && v !== null)
    return Object.fromEntries(
      Object.entries(v)
        .sort(([x], [y]) => x.localeCompare(y))
        .map(([k, x]) => [k, shapeOf(x)]),
    );
  return v === null ? 'null' : typeof v;
}

const signature = (r: Answer) => ({
  status: r.status,
  codes: codesOf(r.body).sort(),
  shape: shapeOf(r.body),
});

/** Every row of org A in every table, and A's files: what no probe may change. */
async function orgAState(): Promise<string> {
  const db = t.app.engine.kysely;
  const names = (
    t.app.engine.dialect === 'postgres'
      ? await sql<{ name: string }>`select distinct table_name as name from information_schema.columns
          where column_name = 'org_id' and table_schema = current_schema()`.execute(db)
      : await sql<{
          name: string;
        }>`select name from sqlite_master where type = 'table' and sql like '%org_id%'`.execute(db)
  ).rows.map((r) => r.name);
  expect(names).toContain('coupon');
  const state: Record<string, unknown> = {};
  for (const name of names.sort()) {
    const rows = await sql<
      Record<string, unknown>
    >`select * from ${sql.table(name)} where org_id = ${A.orgId}`.execute(db);
    state[name] = rows.rows
      .map((r) => JSON.stringify(r, (_k, x) => (typeof x === 'bigint' ? String(x) : x)))
      .sort();
  }
  for (const file of [a.upload!.errorFile, a.upload!.successFile].filter((f): f is string => !!f)) {
    const r = await t.get(`/coupon/api/v1/upload/files/${file}`, A);
    state[`file ${file}`] = `${r.status} ${createHash('sha256').update(r.text).digest('hex')}`;
  }
  return JSON.stringify(state);
}

describe('tenancy: org B probing org A', () => {
  it('has a probe for every route of the OpenAPI document', () => {
    const missing = routes.filter((r) => !PROBES[r.id]).map((r) => r.id);
    expect(missing, 'add the route to PROBES in test/hostile/tenancy.test.ts').toEqual([]);
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
