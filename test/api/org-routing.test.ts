// Ready to shard by org (issue 17): a representative run of the API on PostgreSQL with a statement log,
// and every statement that touches an org-owned table must name its org by equality on org_id: the
// condition a distributed PostgreSQL (Citus, distributed by org_id) needs to route a statement to one
// shard. The statements that may span orgs are listed by name below. On SQLite there is nothing to route:
// the test skips.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorker } from '../../src/jobs/worker.js';
import { buildTestApp, type TestApp } from '../support/build-test-app.js';
import { createSeries, issueCoupon, redeemBody } from '../support/factories.js';
import { onPostgres } from '../support/test-database.js';
import { postUpload, waitForJob } from '../support/upload-helpers.js';

if (!onPostgres)
  console.log(
    'org-routing.test.ts: skipped on SQLite (statement routing by org_id is a PostgreSQL/Citus matter; set TEST_DATABASE_URL)',
  );

/** Tables whose rows belong to one org (every one has org_id first in its key; `org` is keyed by it). */
const ORG_TABLES = [
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
  'webhook_delivery',
  'idempotency_key',
  'file_part',
];

/**
 * Statements allowed to span orgs, by name: each is work a server does for every org at once (a worker
 * looking for the next job or message, a sweep), which on Citus runs as a multi-shard statement.
 */
const CROSS_ORG: Record<string, RegExp> = {
  // jobs/worker.ts → storage/job-store.ts `claim`: the next runnable job of any org, locked for this worker.
  'job queue claim': /^select "org_id", "id" from "job" where .* for update skip locked$/s,
  // services/notifications.ts, run by jobs/delivery-loop.ts for every org at once:
  'hold expiry sweep: claim expired holds':
    /^select "org_id", "id", "customer_id" from "coupon_hold" where .* for update skip locked$/s,
  'webhook fan-out: the live subscriptions':
    /^select \* from "webhook_subscription" where "deleted_at" is null order by "org_id", "id"$/s,
  'SMS outbox claim':
    /^update "outbox_message" set "lease_until" = .* for update skip locked\)\) returning \*$/s,
  'webhook delivery claim':
    /^update "webhook_delivery" set "lease_until" = .* for update skip locked\)\) returning \*$/s,
};

/** The statements of the run, as sent (text of each query, prepared or not). */
const log: string[] = [];
let recording = false;
const originalQuery = pg.Client.prototype.query;

function tablesIn(sql: string): string[] {
  const found = new Set<string>();
  for (const m of sql.matchAll(/\b(?:from|join|into|update)\s+(?:"?\w+"?\.)?"?(\w+)"?/gi))
    if (ORG_TABLES.includes(m[1]!.toLowerCase())) found.add(m[1]!.toLowerCase());
  return [...found];
}

/** Why a statement is not routed to one org's shard, or undefined when it is. */
function unrouted(sql: string): string | undefined {
  const tables = tablesIn(sql);
  if (tables.length === 0) return undefined;
  const text = sql.replace(/\s+/g, ' ').trim();
  // (A guarded insert of storage/pg-pipeline.ts wraps it: `with w as (insert into … returning 1) select …`.)
  const insert = /^(?:with \w+ as \()?insert into (?:"?\w+"?\.)?"?(\w+)"? \(([^)]*)\)/i.exec(text);
  const equalities = [...text.matchAll(/"?org_id"?\s*=\s*(?:\$\d+|[\w".]+)/gi)].length;
  // An insert names its org in the row it writes; a select inside it needs its own equality.
  const needed = tables.length - (insert && /"?org_id"?/.test(insert[2]!) ? 1 : 0);
  if (equalities >= needed) return undefined;
  return `touches ${tables.join(', ')} with ${equalities} org_id equalit${equalities === 1 ? 'y' : 'ies'}`;
}

describe.skipIf(!onPostgres)('every statement on an org-owned table names its org (PostgreSQL)', () => {
  let t: TestApp;
  beforeAll(async () => {
    // Every query of the process goes through pg.Client#query: log its text while the run records. A
    // pipeline (storage/pg-pipeline.ts: several statements before one Sync) is one query object carrying
    // its statements: log each of them.
    pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
      const first = args[0] as string | { text?: string; statements?: { text: string }[] } | undefined;
      if (recording && typeof first === 'object' && Array.isArray(first?.statements))
        for (const s of first.statements) log.push(s.text);
      else {
        const text = typeof first === 'string' ? first : first?.text;
        if (recording && text) log.push(text);
      }
      return (originalQuery as (...a: unknown[]) => unknown).apply(this, args);
    } as typeof pg.Client.prototype.query;
    t = await buildTestApp();
  });
  afterAll(async () => {
    pg.Client.prototype.query = originalQuery;
    await t?.close();
  });

  it('runs the API with every statement routed by org_id, but the listed cross-org ones', async () => {
    recording = true;
    const ok = (r: { status: number; text: string }) => expect(r.status, r.text).toBeLessThan(500);
    const mobile = '9111100001';
    const s = await createSeries(t, { description: 'routing', isMultipleVouchersPerUserAllowed: true });
    const c1 = await issueCoupon(t, s.id, { mobile });
    const c2 = await issueCoupon(t, s.id, { mobile });
    const c3 = await issueCoupon(t, s.id, { mobile });
    ok(await t.post('/v2/coupon/issue/multiple', { seriesId: s.id, count: 3, customer: { mobile } }));
    ok(await t.get(`/v2/coupon/is_redeemable?mobile=${mobile}&code=${c1.code}`));
    ok(await t.get(`/v2/coupon/is_redeemable?mobile=${mobile}&code=NOSUCHCODE1`));
    const redeemed = await t.post('/v2/coupon/redeem', redeemBody(mobile, [c1.code], 'ROUTE-1'), undefined, {
      'idempotency-key': 'route-redeem-1',
    });
    ok(redeemed);
    ok(await t.post('/v2/coupon/bulk/redeem', { requests: [redeemBody(mobile, [c2.code], 'ROUTE-2')] }));
    const hold = await t.post('/v2/coupon/hold', { user: { mobile }, codes: [c3.code] });
    ok(hold);
    ok(
      await t.post(
        '/v2/coupon/redeem',
        redeemBody(mobile, [c3.code], 'ROUTE-3', { holdId: hold.body.holdId }),
      ),
    );
    ok(await t.post('/v2/coupon/reactivate', { transactionNumber: 'ROUTE-1', user: { mobile } }));
    ok(await t.post('/v2/coupon/revoke', { codes: [c2.code] }));
    ok(await t.get(`/v2/coupon?couponIds=${c1.id},${c2.id}`));
    ok(await t.get(`/v2/coupon/series?ids=${s.id}`));
    ok(await t.get(`/v2/coupon/series/${s.id}/stats?from=2020-01-01&to=2020-01-31`));
    ok(await t.put(`/v2/coupon/series/${s.id}`, { description: 'routing, changed' }));
    ok(await t.get(`/v2/customers/lookup?mobile=${mobile}`));
    ok(await t.get('/v2/org/settings'));
    ok(await t.post('/v2/webhooks', { url: 'https://hooks.example.com/routing', events: ['coupon.issued'] }));
    ok(await t.get('/v2/webhooks'));
    const up = await postUpload(
      t,
      `/coupon/api/v1/upload/file/${s.id}`,
      { customerIdentifier: 'NOT_TAGGED', customerIdentifierColumn: '0' },
      { content: 'ROUTEUP01\nROUTEUP02\nbad code!\n', name: 'routing.csv' },
    );
    ok(up);
    const worker = createWorker({ engine: t.app.engine, services: t.app.services, logger: t.app.logger });
    expect(await worker.runOnce()).toBe(true);
    const job = await waitForJob(t, s.id, up.body.result.uploadJobStatuses[0].jobId);
    ok(await t.get(`/coupon/api/v1/upload/files/${job.successFileUrl}`));
    ok(await t.get(`/coupon/api/v1/upload/files/${job.errorFileUrl}`));
    // The background loop of notifications: hold expiry, fan-out of events to webhooks, SMS and webhook sends.
    const loop = t.app.services.notifications;
    await loop.expireHolds();
    await loop.fanOut();
    await loop.deliverSms();
    await loop.deliverWebhooks();
    recording = false;

    expect(log.length).toBeGreaterThan(50);
    const offenders = new Map<string, string>();
    const used = new Set<string>();
    for (const sql of log) {
      const why = unrouted(sql);
      if (!why) continue;
      const excused = Object.entries(CROSS_ORG).find(([, re]) => re.test(sql.trim()));
      if (excused) used.add(excused[0]);
      else offenders.set(sql.replace(/\s+/g, ' ').slice(0, 400), why);
    }
    const onOrgTables = log.filter((sql) => tablesIn(sql).length > 0).length;
    console.log(`org-routing: ${log.length} statements logged, ${onOrgTables} on org-owned tables`);
    expect([...offenders].map(([sql, why]) => `${why}: ${sql}`)).toEqual([]);
    // Every exception listed was met: the list names no statement that no longer exists.
    expect([...used].sort()).toEqual(Object.keys(CROSS_ORG).sort());
  });
});
