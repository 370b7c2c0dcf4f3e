// Sending and judging the tenancy probes of tenancy.test.ts: the values a probe names, B's request on a route
// with B's credentials, the signature two answers are compared by, and org A's state no probe may change.
import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import { expect } from 'vitest';
import { basicOf, type TestApp, type TestClient } from '../support/build-test-app.js';
import { multipart } from '../support/upload-helpers.js';
import type { OrgData } from './fixtures.js';
import { fillPath, type Route } from './routes.js';

/** The values a probe names: org A's real ones, or ones that exist in no org. */
export interface Values {
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

export interface ProbeRequest {
  method?: Route['method'];
  params?: Record<string, string | number>;
  query?: Record<string, string | number>;
  body?: unknown;
  multipart?: Record<string, string>;
  /** Overrides B's credentials (token routes probe with A's key and B's secret). */
  raw?: { headers: Record<string, string> };
}

/** A probe: the request as B makes it with the given values. `creates` probes write into B and run last. */
export interface Probe {
  name: string;
  creates?: boolean;
  request: (v: Values, b: OrgData) => ProbeRequest;
}

export const md5 = (s: string) => createHash('md5').update(s).digest('hex');

/** Values that exist in no org: what org A's values must answer like. */
export const ghost: Values = {
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

export interface Answer {
  status: number;
  body: any;
  text: string;
}

/**
 * B's requests: `send` makes a probe's request on its route as org B (a multipart file names org A's mobile and
 * code) and counts it in `figures.requests`.
 */
export function senderAsB(
  t: TestApp,
  B: TestClient,
  bearerB: string,
  a: OrgData,
  figures: { requests: number },
) {
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
  return send;
}

/** Every error code in an answer, wherever the shape puts it (errors, warnings, per-item statuses). */
export function codesOf(v: unknown, out: number[] = []): number[] {
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
export function shapeOf(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(shapeOf);
  if (typeof v === 'object' && v !== null)
    return Object.fromEntries(
      Object.entries(v)
        .sort(([x], [y]) => x.localeCompare(y))
        .map(([k, x]) => [k, shapeOf(x)]),
    );
  return v === null ? 'null' : typeof v;
}

export const signature = (r: Answer) => ({
  status: r.status,
  codes: codesOf(r.body).sort(),
  shape: shapeOf(r.body),
});

/** Every row of org A in every table, and A's files: what no probe may change. */
export async function orgAState(t: TestApp, A: TestClient, a: OrgData): Promise<string> {
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
