// A change of a series is seen by the very next check on every server of the database, though each server
// keeps the parse of the series rows it has read (storage/series-store.ts; docs/architecture.md "Caches on
// the request path"): on PostgreSQL a batched check reads only the row's stamp and reuses the parse while the
// stamp is the same, and every write of the row changes the stamp. Two apps on one database stand for two
// servers here.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type App } from '../../src/app.js';
import { configFrom } from '../../src/config.js';
import { buildTestApp, type TestApp } from '../support/build-test-app.js';
import { createSeries, issueCoupon, mobileSequence } from '../support/factories.js';

const mobile = mobileSequence(9_310_000_000);

describe('a series change reaches the next check on another server', () => {
  let t: TestApp;
  let other: App;
  beforeAll(async () => {
    t = await buildTestApp();
    other = await buildApp(configFrom({ LOG_LEVEL: 'silent', COUPOND_WORKER: 'off', ...t.db.env }));
  });
  afterAll(async () => {
    await other?.close();
    await t?.close();
  });

  const checkOnOther = async (m: string, code: string) => {
    const r = await other.http.inject({
      method: 'GET',
      url: `/v2/coupon/is_redeemable?mobile=${m}&code=${code}`,
      headers: { authorization: t.client.basic },
    });
    expect(r.statusCode, r.body).toBe(200);
    return r.json().redemptionStatus.code as number;
  };

  it('redemptionValidFrom moved to the future: refused at once; moved back: accepted at once', async () => {
    const series = await createSeries(t, { description: 'changes under a cache' });
    const m = mobile();
    const { code } = await issueCoupon(t, series.id, { mobile: m });
    // The other server reads (and keeps) the series as it is now.
    expect(await checkOnOther(m, code)).toBe(700);
    expect(await checkOnOther(m, code)).toBe(700);

    const later = await t.put(`/v2/coupon/series/${series.id}`, { redemptionValidFrom: '2099-01-01' });
    expect(later.status, JSON.stringify(later.body)).toBe(200);
    expect(await checkOnOther(m, code)).toBe(739); // not redeemable yet

    const now = await t.put(`/v2/coupon/series/${series.id}`, { redemptionValidFrom: null });
    expect(now.status, JSON.stringify(now.body)).toBe(200);
    expect(await checkOnOther(m, code)).toBe(700);
  });
});
