// Sends one hostile request through the app (app.inject: real routing, parsers, hooks and serialisers)
// and lists what is wrong with the answer: a 5xx, a refusal not in its route's docs/errors.md shape, or a
// refusal that changed the database or left a file behind. Also: a valid request per route to mutate.
import type { TestApp } from '../support/build-test-app.js';
import type { OrgData } from './fixtures.js';
import { dataFiles, fillPath, refusalProblems, snapshotDiff, writeSnapshot, type Route } from './routes.js';

export interface HostileRequest {
  route: Route;
  /** Path parameter values; `rawPath` sends them unencoded. */
  params?: Record<string, string>;
  rawPath?: boolean;
  /** The query string without `?`, exactly as sent. */
  query?: string;
  body?: string | Buffer;
  headers?: Record<string, string>;
  /** Credentials; undefined = the org's admin client (HTTP Basic). */
  authorization?: string | null;
}

export interface Tally {
  requests: number;
  refused: number;
  byStatus: Map<number, number>;
  /** Ids ("METHOD /path") of the routes that answered at least one request. */
  routes: Set<string>;
}

/** Unlimited traffic: the throttles would turn hostile requests into 429s before they reach a parser. */
export const OPEN_ENV = {
  COUPOND_RATE_LIMIT_PER_MINUTE: '0',
  COUPOND_GUESS_LIMIT: '0',
  COUPOND_GUESS_LIMIT_PER_CLIENT: '0',
  COUPOND_AUTH_FAILURE_LIMIT: '0',
};

export interface Verdict {
  status: number;
  /** The answer, parsed when it is JSON. */
  body: any;
  /** What is wrong with the answer; [] when it is acceptable. */
  problems: string[];
}

export function createProbe(t: TestApp) {
  const tally: Tally = { requests: 0, refused: 0, byStatus: new Map(), routes: new Set() };
  const kysely = t.app.engine.kysely;

  /** Sends the request and judges the answer. */
  async function judge(req: HostileRequest): Promise<Verdict> {
    const { route } = req;
    const url = `${fillPath(route, req.params ?? {}, req.rawPath)}${req.query ? `?${req.query}` : ''}`;
    const headers: Record<string, string> = {};
    const auth = req.authorization === undefined ? t.client.basic : req.authorization;
    if (auth !== null) headers.authorization = auth;
    if (
      req.body !== undefined &&
      !Object.keys(req.headers ?? {}).some((h) => h.toLowerCase() === 'content-type')
    )
      headers['content-type'] = 'application/json';
    Object.assign(headers, req.headers);
    const before = await writeSnapshot(kysely);
    const filesBefore = dataFiles(t.db.dataDir);
    let res;
    try {
      res = await t.app.http.inject({
        method: route.method,
        url,
        headers,
        ...(req.body !== undefined ? { payload: req.body } : {}),
      });
    } catch (e) {
      // light-my-request refuses some requests a socket would carry (e.g. an invalid header character):
      // not the server's answer, so nothing to judge.
      if (e instanceof TypeError || (e as { code?: string }).code === 'ERR_INVALID_CHAR')
        return { status: 0, body: undefined, problems: [] };
      throw e;
    }
    tally.requests++;
    tally.routes.add(route.id);
    tally.byStatus.set(res.statusCode, (tally.byStatus.get(res.statusCode) ?? 0) + 1);
    let body: any;
    try {
      body = res.body ? JSON.parse(res.body) : undefined;
    } catch {
      body = undefined;
    }
    const reply = { status: res.statusCode, body, text: res.body };
    let problems = refusalProblems(route.family, reply);
    // A path the router cannot match (a value with a slash or '..', a broken percent-encoding, a parameter
    // over the router's length limit) fails before any route is chosen: its answer is the v2 shape whatever the
    // prefix, and its message names the path.
    const path = url.split('?')[0]!;
    const routerLevel =
      res.statusCode >= 400 &&
      res.statusCode < 500 &&
      typeof body?.errors?.[0]?.message === 'string' &&
      ((body.errors[0].message as string).includes(path.slice(0, 60)) ||
        // The not-found handler names the path as resolved ('..' segments and all).
        /^no such route or resource: [A-Z]+ \//.test(body.errors[0].message as string));
    if (problems.length > 0 && routerLevel) problems = refusalProblems('v2', reply);
    if (res.statusCode >= 400) {
      tally.refused++;
      const changed = snapshotDiff(before, await writeSnapshot(kysely));
      const filesAfter = dataFiles(t.db.dataDir);
      const newFiles = filesAfter.filter((f) => !filesBefore.includes(f));
      if (changed.length > 0)
        problems.push(`refused with ${res.statusCode} but changed ${changed.join('; ')}`);
      if (newFiles.length > 0)
        problems.push(`refused with ${res.statusCode} but left files ${newFiles.join(', ')}`);
    }
    const shown =
      typeof req.body === 'string' ? req.body.slice(0, 300) : req.body ? `<${req.body.length} bytes>` : '';
    return {
      status: res.statusCode,
      body,
      problems: problems.map((p) => `${route.method} ${url.slice(0, 200)} ${shown} → ${p}`),
    };
  }

  /** Sends the request; answers the problems found ([] when the answer is acceptable). */
  const send = async (req: HostileRequest): Promise<string[]> => (await judge(req)).problems;

  return { send, judge, tally };
}

export interface Template {
  params?: Record<string, string>;
  query?: Record<string, string>;
  body?: unknown;
}

/** A request per route that the app accepts (or refuses only for a business reason). */
export function templatesFor(d: OrgData, key: string, secret: string): Record<string, Template> {
  const user = { mobile: d.mobile };
  return {
    'POST /v3/oauth/token/generate': { body: { key, secret } },
    'POST /oauth/token': {
      body: { grant_type: 'client_credentials', client_id: key, client_secret: secret },
    },
    'PUT /v2/org/settings': { body: { name: 'org A', timezone: 'UTC' } },
    'POST /v2/customers': { body: { firstName: 'H', mobile: '9700000001', email: 'h@example.com' } },
    'GET /v2/customers/lookup': { query: { mobile: d.mobile } },
    // A small body on purpose: the full sweep sends every field of a template with each nasty value.
    'POST /v2/coupon/series': { body: { CouponSeriesV2: { description: 'h', discountValue: 5 } } },
    'GET /v2/coupon/series': { query: { ids: String(d.seriesId), limit: '5', offset: '0' } },
    'PUT /v2/coupon/series/{id}': { params: { id: String(d.seriesId) }, body: { description: 'h2' } },
    'GET /v2/coupon/series/{id}/stats': {
      params: { id: String(d.seriesId) },
      query: { from: '2026-01-01', to: '2026-12-31' },
    },
    'POST /v2/coupon/issue': {
      query: { source: 'INSTORE' },
      body: { seriesId: d.seriesId, customer: user },
    },
    'POST /v2/coupon/bulk/issue': {
      query: { source: 'INSTORE' },
      body: { seriesIds: [d.seriesId, d.pinSeriesId], customer: user },
    },
    'POST /v2/coupon/issue/multiple': { body: { seriesId: d.seriesId, count: 2, customer: user } },
    'GET /v2/coupon': {
      query: {
        couponCodes: d.code,
        couponIds: String(d.couponId),
        issuedToIds: String(d.customerId),
        limit: '10',
      },
    },
    'POST /v2/coupon/revoke': { body: { codes: [d.code], couponIds: [d.couponId] } },
    'GET /v2/coupon/{id}/history': { params: { id: String(d.couponId) } },
    'GET /v2/coupon/is_redeemable': {
      query: { mobile: d.mobile, code: d.code, details: 'true', billAmount: '100' },
    },
    'POST /v2/coupon/redeem': {
      body: {
        billAmount: '100',
        transactionNumber: 'HOSTILE-1',
        user,
        redemptionTime: '2026-06-01 10:00:00',
        redemptionRequestList: [{ code: d.redeemedCode }, { id: d.couponId }],
      },
    },
    'POST /v2/coupon/bulk/redeem': {
      query: { source: 'INSTORE', allowPartial: 'true' },
      body: {
        billAmount: 100,
        transactionNumber: 'HOSTILE-2',
        user,
        redemptionRequestList: [{ code: d.redeemedCode }],
      },
    },
    'POST /v2/coupon/reactivate': {
      body: { redemptionIds: [d.redemptionId], transactionNumber: d.transactionNumber, user },
    },
    'PUT /v2/coupon/redeem': {
      body: {
        redemptions: [
          { redemptionId: d.redemptionId, billAmount: 100, transactionNumber: 'HOSTILE-4', billId: 7 },
        ],
        user,
      },
    },
    'POST /v2/coupon/hold': {
      body: { user, codes: [d.code], billAmount: 100, ttlSeconds: 60, transactionNumber: 'HOSTILE-3' },
    },
    'DELETE /v2/coupon/hold/{holdId}': { params: { holdId: String(d.holdId) } },
    'POST /coupon/api/v1/upload/file/{seriesId}': { params: { seriesId: String(d.seriesId) } },
    'POST /coupon/api/v1/upload/redeemFile/{seriesId}': { params: { seriesId: String(d.seriesId) } },
    'GET /coupon/api/v1/upload/getUploadStatus/{seriesId}': { params: { seriesId: String(d.seriesId) } },
    'GET /coupon/api/v1/upload/getUploadRedeemedCouponStatus/{seriesId}': {
      params: { seriesId: String(d.seriesId) },
    },
    'GET /coupon/api/v1/upload/files/{name}': { params: { name: 'error_1.csv' } },
    'POST /v2/webhooks': { body: { url: 'http://127.0.0.1:9/hook', events: ['coupon.issued'] } },
    'DELETE /v2/webhooks/{id}': { params: { id: '1' } },
    'GET /v2/webhooks/{id}/deliveries': { params: { id: '1' }, query: { limit: '10' } },
    'GET /v2/communications': { query: { customerId: String(d.customerId), limit: '10' } },
  };
}

/** `a=1&b=2` from a record. */
export function queryOf(q: Record<string, string> | undefined): string {
  return Object.entries(q ?? {})
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)
    .join('&');
}
