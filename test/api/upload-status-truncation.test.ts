// The upload status reads never cut their list silently (docs/api.md §3 "Lists", §10): past the newest
// 1000 jobs they answer the newest and a ListTruncated warning.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUploadStore } from '../../src/storage/upload-store.js';
import { buildTestApp, type TestApp } from '../support/build-test-app.js';
import { createSeries } from '../support/factories.js';

let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp();
});
afterAll(async () => t.close());

async function addJobs(orgId: number, seriesId: number, kind: 'codes' | 'redemptions', n: number) {
  const store = createUploadStore(t.app.engine);
  await t.app.engine.run(
    function* () {
      for (let i = 0; i < n; i++)
        yield* store.insert({
          org: orgId,
          series: seriesId,
          kind,
          params: '{}',
          fileName: `f${i}.csv`,
          storedFile: `stored-${seriesId}-${i}.csv`,
          client: null,
          now: Date.now(),
        });
    },
    { write: true },
  );
}

describe('upload status lists', () => {
  it('a short list answers every job and no warning', async () => {
    const s = await createSeries(t);
    await addJobs(t.client.orgId, s.id, 'codes', 3);
    const r = await t.get(`/coupon/api/v1/upload/getUploadStatus/${s.id}`);
    expect(r.status, r.text).toBe(200);
    expect(r.body.result.uploadJobStatuses).toHaveLength(3);
    expect(r.body.warnings).toBeUndefined();
  });

  it('past 1000 jobs: the newest 1000, oldest first, and a ListTruncated warning', async () => {
    const s = await createSeries(t);
    await addJobs(t.client.orgId, s.id, 'redemptions', 1001);
    const r = await t.get(`/coupon/api/v1/upload/getUploadRedeemedCouponStatus/${s.id}`);
    expect(r.status, r.text).toBe(200);
    const jobs = r.body.result.redeemUploadJobStatuses;
    expect(jobs).toHaveLength(1000);
    expect(r.body.warnings).toHaveLength(1);
    expect(r.body.warnings[0]).toMatchObject({ code: expect.any(Number) });
    expect(JSON.stringify(r.body.warnings[0])).toMatch(/newest 1000/);
  });
});
