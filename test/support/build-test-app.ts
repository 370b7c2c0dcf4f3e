// Builds a coupond app on a fresh test database, with an org and an admin client ready, and helpers to
// call it the way a client would (app.inject: real routing, hooks, serialisation; no socket).
import { buildApp, type App } from '../../src/app.js';
import { configFrom } from '../../src/config.js';
import { createTestDatabase, type TestDatabase } from './test-database.js';

export interface TestClient {
  orgId: number;
  key: string;
  secret: string;
  /** Authorization header value (HTTP Basic). */
  basic: string;
}

export interface Reply<T = any> {
  status: number;
  body: T;
  headers: Record<string, string | string[] | number | undefined>;
  text: string;
}

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'DELETE';
  url: string;
  body?: unknown;
  as?: TestClient | null;
  headers?: Record<string, string>;
}

/** A clock tests can move. */
export class TestClock {
  constructor(public t = Date.UTC(2026, 0, 15, 10, 0, 0)) {}
  now = (): number => this.t;
  advance(ms: number): void {
    this.t += ms;
  }
  set(iso: string): void {
    this.t = Date.parse(iso);
  }
}

export interface TestApp {
  app: App;
  db: TestDatabase;
  client: TestClient;
  clock: TestClock | undefined;
  request<T = any>(options: RequestOptions): Promise<Reply<T>>;
  get<T = any>(url: string, as?: TestClient | null): Promise<Reply<T>>;
  post<T = any>(
    url: string,
    body: unknown,
    as?: TestClient | null,
    headers?: Record<string, string>,
  ): Promise<Reply<T>>;
  put<T = any>(url: string, body: unknown, as?: TestClient | null): Promise<Reply<T>>;
  createOrg(name?: string, options?: { timezone?: string; mobileCountryCode?: string }): Promise<TestClient>;
  createClient(
    orgId: number,
    options?: { tillId?: string; scopes?: ('read' | 'write' | 'upload' | 'admin')[] },
  ): Promise<TestClient>;
  close(): Promise<void>;
}

export const basicOf = (key: string, secret: string): string =>
  `Basic ${Buffer.from(`${key}:${secret}`).toString('base64')}`;

export async function buildTestApp(
  options: { clock?: TestClock; env?: Record<string, string> } = {},
): Promise<TestApp> {
  const db = await createTestDatabase();
  const config = configFrom({ LOG_LEVEL: 'silent', COUPOND_WORKER: 'off', ...db.env, ...options.env });
  const app = await buildApp(config, options.clock ? { now: options.clock.now } : {});
  const toClient = (c: { orgId: number; key: string; secret: string }): TestClient => ({
    ...c,
    basic: basicOf(c.key, c.secret),
  });
  const createOrg: TestApp['createOrg'] = async (name = 'test org', o = {}) =>
    toClient(
      await app.services.orgs.createOrg({
        name,
        timezone: o.timezone,
        mobileCountryCode: o.mobileCountryCode ?? null,
      }),
    );
  const client = await createOrg('org A');

  const request = async <T>(o: RequestOptions): Promise<Reply<T>> => {
    const as = o.as === undefined ? client : o.as;
    const headers: Record<string, string> = { ...(as ? { authorization: as.basic } : {}), ...o.headers };
    const res = await app.http.inject({
      method: o.method ?? 'GET',
      url: o.url,
      headers,
      ...(o.body !== undefined ? { payload: o.body as object } : {}),
    });
    let body: unknown = undefined;
    try {
      body = res.body ? JSON.parse(res.body) : undefined;
    } catch {
      body = undefined;
    }
    return { status: res.statusCode, body: body as T, headers: res.headers, text: res.body };
  };

  return {
    app,
    db,
    client,
    clock: options.clock,
    request,
    get: (url, as) => request({ url, as }),
    post: (url, body, as, headers) =>
      request({ method: 'POST', url, body, as, ...(headers ? { headers } : {}) }),
    put: (url, body, as) => request({ method: 'PUT', url, body, as }),
    createOrg,
    createClient: async (orgId, o = {}) =>
      toClient(
        await app.services.auth.createClient(orgId, {
          tillId: o.tillId ?? null,
          ...(o.scopes ? { scopes: o.scopes } : {}),
        }),
      ),
    close: async () => {
      await app.close();
      await db.drop();
    },
  };
}
