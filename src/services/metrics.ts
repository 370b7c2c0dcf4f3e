// Prometheus metrics (docs/api.md §12): one registry per app, so several apps in one test process do not clash.
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'coupond_' });
  return {
    registry,
    httpRequests: new Histogram({
      name: 'coupond_http_request_duration_seconds',
      help: 'HTTP requests by route and status',
      labelNames: ['method', 'route', 'status'] as const,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    issued: new Counter({
      name: 'coupond_coupons_issued_total',
      help: 'Coupons issued',
      labelNames: ['via'] as const,
      registers: [registry],
    }),
    redeemed: new Counter({
      name: 'coupond_redemptions_total',
      help: 'Coupons redeemed',
      labelNames: ['via'] as const,
      registers: [registry],
    }),
    refusals: new Counter({
      name: 'coupond_refusals_total',
      help: 'Refusals by wire code and operation',
      labelNames: ['operation', 'code'] as const,
      registers: [registry],
    }),
    jobRows: new Counter({
      name: 'coupond_job_rows_total',
      help: 'Upload rows processed by job kind and outcome',
      labelNames: ['kind', 'outcome'] as const,
      registers: [registry],
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;

/**
 * Records one HTTP request in `httpRequests`. The labelled child of each method, route and status is looked
 * up once and kept (prom-client otherwise hashes the label object on every observation); routes are the
 * registered patterns ("unmatched" otherwise), so the set stays small.
 */
export function httpObserver(metrics: Metrics) {
  const children = new Map<string, { observe(value: number): void }>();
  return (method: string, route: string, status: number, seconds: number): void => {
    const key = `${method} ${status} ${route}`;
    let child = children.get(key);
    if (!child) {
      child = metrics.httpRequests.labels({ method, route, status: String(status) });
      children.set(key, child);
    }
    child.observe(seconds);
  };
}
