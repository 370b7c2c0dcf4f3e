// The app a hostile test file probes, set up once per file: a test app with the callers' limits open, its
// routes read from the OpenAPI document, an org seeded with data of every kind, a valid request per route
// to mutate, and a probe that judges each answer. After the file it prints one line tallying what was sent.
import { afterAll, beforeAll } from 'vitest';
import { buildTestApp, type TestApp } from '../support/build-test-app.js';
import { seedOrg, type OrgData } from './fixtures.js';
import { createProbe, OPEN_ENV, templatesFor, type Template } from './harness.js';
import { routesOf, type Route } from './routes.js';

export interface HostileApp {
  t: TestApp;
  routes: Route[];
  data: OrgData;
  templates: Record<string, Template>;
  probe: ReturnType<typeof createProbe>;
  /** The valid request of a route, for a test to spoil one part of. */
  templateOf(route: Route): Template;
}

/**
 * Registers the file's beforeAll/afterAll and returns the app they fill in (read it inside tests only).
 * `label` opens the closing tally line; `counted` says what the requests were spread over (routes by default).
 */
export function useHostileApp(label: string, counted?: (app: HostileApp) => string): HostileApp {
  const app = {
    templateOf: (route: Route) => app.templates[route.id] ?? {},
  } as HostileApp;
  beforeAll(async () => {
    app.t = await buildTestApp({ env: OPEN_ENV });
    app.routes = await routesOf(app.t);
    app.data = await seedOrg(app.t, app.t.client);
    app.templates = templatesFor(app.data, app.t.client.key, app.t.client.secret);
    app.probe = createProbe(app.t);
  });
  afterAll(async () => {
    if (app.probe) {
      const { tally } = app.probe;
      const statuses = [...tally.byStatus].sort((a, b) => a[0] - b[0]).map(([s, n]) => `${s}×${n}`);
      const over = counted ? counted(app) : `${app.routes.length} routes`;
      console.log(
        `${label}: ${tally.requests} requests on ${over}, ${tally.refused} refused (${statuses.join(' ')})`,
      );
    }
    await app.t?.close();
  });
  return app;
}
