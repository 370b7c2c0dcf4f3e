// What the hostile-input and tenancy tests know about routes: the list from the app's own OpenAPI document
// (so a new route is covered without editing a test), the refusal shape each family answers
// (docs/errors.md, docs/api.md §3), and a snapshot of everything a refused request must leave unchanged.
import fs from 'node:fs';
import path from 'node:path';
import { sql, type Kysely } from 'kysely';
import type { Database } from '../../src/storage/tables.js';
import type { Reply, TestApp } from '../support/build-test-app.js';

export type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

export interface Route {
  method: Method;
  /** The OpenAPI path, `{name}` for path parameters. */
  path: string;
  pathParams: string[];
  queryParams: string[];
  /** Whether the route takes a JSON body (POST and PUT other than the multipart uploads). */
  json: boolean;
  multipart: boolean;
  family: Family;
  /** "METHOD /path" */
  id: string;
}

/** The refusal shapes of docs/api.md §3: v2 routes, the upload routes, the two token routes, and v1.1 (§14). */
export type Family = 'v2' | 'upload' | 'token' | 'oauth' | 'v11';

export function familyOf(p: string): Family {
  if (p.startsWith('/coupon/api/v1/upload/')) return 'upload';
  if (p === '/v3/oauth/token/generate') return 'token';
  if (p === '/oauth/token') return 'oauth';
  if (p.startsWith('/v1.1/')) return 'v11';
  return 'v2';
}

/** Every route of the OpenAPI document the app serves at /openapi.json. */
export async function routesOf(t: TestApp): Promise<Route[]> {
  const doc = (await t.get('/openapi.json', null)).body as {
    paths: Record<string, Record<string, { parameters?: { in: string; name: string }[] }>>;
  };
  const routes: Route[] = [];
  for (const [p, ops] of Object.entries(doc.paths)) {
    for (const [m, op] of Object.entries(ops)) {
      const method = m.toUpperCase() as Method;
      if (!['GET', 'POST', 'PUT', 'DELETE'].includes(method)) continue;
      const params = op.parameters ?? [];
      const multipart = p.startsWith('/coupon/api/v1/upload/') && method === 'POST';
      routes.push({
        method,
        path: p,
        pathParams: params.filter((x) => x.in === 'path').map((x) => x.name),
        queryParams: params.filter((x) => x.in === 'query').map((x) => x.name),
        json: (method === 'POST' || method === 'PUT') && !multipart,
        multipart,
        family: familyOf(p),
        id: `${method} ${p}`,
      });
    }
  }
  return routes;
}

/** The path with its parameters filled in (values are percent-encoded unless `raw`). */
export function fillPath(route: Route, values: Record<string, string>, raw = false): string {
  return route.path.replace(/\{(\w+)\}/g, (_, name: string) => {
    const v = values[name] ?? '1';
    return raw ? v : encodeURIComponent(v);
  });
}

/**
 * Every numeric code docs/errors.md lists for a refusal (500 is left out on purpose: no hostile input may cause
 * one). Written out here rather than read from src, so that a code the catalogue invents fails the test.
 */
export const CATALOGUE_CODES = new Set([
  629, 401, 403, 404, 409, 413, 415, 429, 1000, 746, 781, 777, 701, 721, 707, 751, 722, 712, 702, 719, 660,
  737, 729, 710, 716, 711, 728, 713, 739, 714, 736, 738, 733, 735, 747, 749, 510, 661,
  // issue 18: revoke, coupon expiry and issue/multiple with the later edition's codes
  756, 682, 108, 633, 690, 691, 695, 677,
]);

function entryProblems(where: string, e: unknown): string[] {
  if (typeof e !== 'object' || e === null) return [`${where} is not an object`];
  const { code, message } = e as { code?: unknown; message?: unknown };
  const out: string[] = [];
  if (!Number.isInteger(code)) out.push(`${where}.code is not an integer`);
  else if (!CATALOGUE_CODES.has(code as number))
    out.push(`${where}.code ${String(code)} is not in docs/errors.md`);
  if (typeof message !== 'string' || message.length === 0) out.push(`${where}.message is not a string`);
  return out;
}

/**
 * What is wrong with a refusal (status >= 400) for its route family; [] when it is a 4xx in the right
 * shape. v2: `{"errors":[{code,message}],"warnings":[]}` (bulk issue reports its errors per entity in
 * `response[].errors`); uploads: `{"success":false,"status","message","errors"}`; token/generate:
 * `{"data":null,"errors":[…]}`; /oauth/token: the OAuth 2 `{"error","error_description"}`.
 */
export function refusalProblems(family: Family, reply: Pick<Reply, 'status' | 'body' | 'text'>): string[] {
  const { status, body } = reply;
  if (status >= 500) return [`answered ${status}`];
  if (status < 400) return [];
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    return [`answered ${status} with a body that is not a JSON object: ${reply.text.slice(0, 200)}`];
  const out: string[] = [];
  const errorsOf = (list: unknown, where: string) => {
    if (!Array.isArray(list) || list.length === 0) out.push(`${where} is not a non-empty array`);
    else list.forEach((e, i) => out.push(...entryProblems(`${where}[${i}]`, e)));
  };
  switch (family) {
    case 'v2': {
      if (!Array.isArray(body.warnings)) out.push('warnings is not an array');
      if (body.errors === undefined && Array.isArray(body.response)) {
        const entries = (body.response as { errors?: unknown[] }[]).flatMap((r) => r.errors ?? []);
        errorsOf(entries, 'response[].errors');
      } else errorsOf(body.errors, 'errors');
      break;
    }
    case 'upload':
      if (body.success !== false) out.push('success is not false');
      if (body.status !== status) out.push(`status ${String(body.status)} is not the HTTP status ${status}`);
      if (typeof body.message !== 'string') out.push('message is not a string');
      errorsOf(body.errors, 'errors');
      break;
    case 'token':
      if (body.data !== null) out.push('data is not null');
      errorsOf(body.errors, 'errors');
      break;
    case 'v11': {
      // docs/api.md §14: response.status {success false, a numeric code, a message}.
      const st = (body.response as { status?: Record<string, unknown> } | undefined)?.status;
      if (!st) out.push('response.status is missing');
      else {
        if (st.success !== 'false' && st.success !== false) out.push('response.status.success is not false');
        if (!Number.isInteger(Number(st.code))) out.push('response.status.code is not a number');
        if (typeof st.message !== 'string') out.push('response.status.message is not a string');
      }
      break;
    }
    case 'oauth':
      if (typeof body.error !== 'string') out.push('error is not a string');
      if (typeof body.error_description !== 'string') out.push('error_description is not a string');
      break;
  }
  return out.map((p) => `${status}: ${p} in ${reply.text.slice(0, 300)}`);
}

/**
 * Everything a refused request must leave as it was, read in one statement: row counts of the main
 * tables, and the columns that updates change (versions, use counts, revocations, reactivations, hold
 * ends, settings). Idempotency keys are left out: a refusal's answer is recorded by design (docs/api.md §3).
 */
export async function writeSnapshot(db: Kysely<Database>): Promise<Record<string, string>> {
  const counted = [
    'org',
    'api_client',
    'customer',
    'coupon_series',
    'series_counter',
    'coupon',
    'customer_series',
    'redemption',
    'coupon_hold',
    'coupon_hold_item',
    'coupon_event',
    'upload_job',
    'job',
    'outbox_message',
    'webhook_subscription',
  ];
  const parts = [
    ...counted.map((t) => `(select count(*) from ${t}) as ${t}`),
    `(select coalesce(sum(config_version), 0) from coupon_series) as series_versions`,
    `(select coalesce(max(updated_at), 0) from coupon_series) as series_updated`,
    `(select coalesce(max(updated_at), 0) from org) as org_updated`,
    `(select coalesce(sum(redemption_count), 0) from coupon) as uses`,
    `(select count(*) from coupon where revoked_at is not null) as revoked`,
    `(select count(*) from coupon where customer_id is not null) as issued`,
    `(select count(*) from redemption where reactivated_at is not null) as reactivated`,
    `(select count(*) from coupon_hold where status <> 'active') as holds_ended`,
    `(select count(*) from api_client where revoked_at is not null) as clients_revoked`,
    `(select count(*) from webhook_subscription where deleted_at is not null) as webhooks_deleted`,
    `(select coalesce(sum(num_issued + num_redeemed + num_uploaded_total + num_uploaded_non_issued), 0) from series_counter) as counters`,
    `(select coalesce(sum(issued_count + redeemed_count), 0) from customer_series) as per_customer`,
  ];
  const r = await sql<Record<string, unknown>>`select ${sql.raw(parts.join(', '))}`.execute(db);
  const row = r.rows[0] ?? {};
  return Object.fromEntries(Object.entries(row).map(([k, v]) => [k, String(v)]));
}

/** Files in the data folder other than the database and the JWT secret (uploads, result files). */
export function dataFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (!/^coupond\.db/.test(e.name) && e.name !== 'jwt-secret') out.push(path.relative(dir, p));
    }
  };
  walk(dir);
  return out.sort();
}

/** The differences between two snapshots, as `key: before → after`. */
export function snapshotDiff(a: Record<string, unknown>, b: Record<string, unknown>): string[] {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys]
    .filter((k) => JSON.stringify(a[k]) !== JSON.stringify(b[k]))
    .map((k) => `${k}: ${JSON.stringify(a[k])} → ${JSON.stringify(b[k])}`);
}

/** A number a route takes: a JSON body field (its path), a query parameter or a path parameter. */
export interface NumericInput {
  route: Route;
  where: 'body' | 'query' | 'path';
  path: (string | number)[];
  /** The schema says integer (1.5 must be refused). */
  integer: boolean;
  /** Only a number (no string alternative; null only when `nullable`): "" and null must be refused too. */
  pure: boolean;
  nullable: boolean;
}

type SchemaNode = {
  $ref?: string;
  type?: string;
  anyOf?: SchemaNode[];
  properties?: Record<string, SchemaNode>;
  items?: SchemaNode;
  nullable?: boolean;
};

/** The number type a schema takes first ('integer' / 'number'), or undefined when its first type is another. */
function primaryNumber(s: SchemaNode): 'integer' | 'number' | undefined {
  if (s.type === 'integer' || s.type === 'number') return s.type;
  return s.anyOf?.[0] ? primaryNumber(s.anyOf[0]) : undefined;
}

function numericPaths(
  node: SchemaNode,
  prefix: (string | number)[],
  out: { path: (string | number)[]; node: SchemaNode }[],
  refs: Record<string, SchemaNode>,
): void {
  const s = node.$ref ? (refs[node.$ref.split('/').pop()!] ?? {}) : node;
  if (primaryNumber(s)) out.push({ path: prefix, node: s });
  else if (s.properties)
    for (const [k, v] of Object.entries(s.properties)) numericPaths(v, [...prefix, k], out, refs);
  else if (s.items) numericPaths(s.items, [...prefix, 0], out, refs);
  else
    for (const alt of s.anyOf ?? [])
      if (alt.type === 'object' || alt.type === 'array' || alt.$ref) numericPaths(alt, prefix, out, refs);
}

/**
 * Every place of the OpenAPI document where a route takes a number whose first type is a number: body fields
 * (`count`, money, ids given as number-or-string), integer query and path parameters.
 */
export async function numericInputsOf(t: TestApp, routes: Route[]): Promise<NumericInput[]> {
  const doc = (await t.get('/openapi.json', null)).body as {
    paths: Record<
      string,
      Record<
        string,
        {
          parameters?: { in: string; name: string; schema: SchemaNode }[];
          requestBody?: { content?: Record<string, { schema: SchemaNode }> };
        }
      >
    >;
    components?: { schemas?: Record<string, SchemaNode> };
  };
  const refs = doc.components?.schemas ?? {};
  const out: NumericInput[] = [];
  for (const route of routes) {
    const op = doc.paths[route.path]?.[route.method.toLowerCase()];
    if (!op) continue;
    for (const p of op.parameters ?? []) {
      const kind = primaryNumber(p.schema);
      if (!kind || (p.in !== 'query' && p.in !== 'path')) continue;
      out.push({
        route,
        where: p.in,
        path: [p.name],
        integer: kind === 'integer',
        pure: true,
        nullable: false,
      });
    }
    const body = op.requestBody?.content?.['application/json']?.schema;
    if (!body || !route.json) continue;
    const found: { path: (string | number)[]; node: SchemaNode }[] = [];
    numericPaths(body, [], found, refs);
    for (const { path: p, node } of found) {
      const alts = node.anyOf ?? [node];
      out.push({
        route,
        where: 'body',
        path: p,
        integer: primaryNumber(node) === 'integer',
        pure: !JSON.stringify(alts).includes('"string"'),
        nullable: JSON.stringify(alts).includes('"nullable":true') || node.nullable === true,
      });
    }
  }
  return out;
}
