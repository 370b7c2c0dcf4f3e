// A focused race (issue 8): revoking pool codes of a DISC_CODE_PIN series while other server processes
// issue them. Each code ends either issued or revoked (or both, revoked after its issue), and the pool
// counters (numUploadedNonIssued, numIssued) stay equal to the rows.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../support/build-test-app.js';
import { seriesBody } from '../support/factories.js';
import { checkInvariants } from '../support/invariants.js';
import { call, spawnServer, type ServerProcess } from '../support/spawn-server.js';
import { dialectName } from '../support/test-database.js';
import { RACE_ENV } from './world.js';

const ROUNDS = Number(process.env.RACE_POOL_ROUNDS ?? 6);
const CODES = 40;

let t: TestApp;
let servers: ServerProcess[] = [];

beforeAll(async () => {
  t = await buildTestApp({ env: RACE_ENV });
  servers = await Promise.all([0, 1, 2].map(() => spawnServer({ ...t.db.env, ...RACE_ENV })));
}, 120_000);
afterAll(async () => {
  await Promise.all(servers.map((s) => s.stop()));
  await t?.close();
});

describe(`pool codes revoked while issued, across 3 processes (${dialectName})`, () => {
  it('keeps numUploadedNonIssued and numIssued equal to the rows', async () => {
    let issued = 0;
    let revoked = 0;
    const violations: string[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const series = await t.post(
        '/v2/coupon/series',
        seriesBody({
          description: 'pool revoke race',
          discountValue: 1,
          clientHandlingType: 'DISC_CODE_PIN',
          isMultipleVouchersPerUserAllowed: true,
        }),
      );
      expect(series.status, series.text).toBe(200);
      const seriesId = series.body.id as number;
      const codes = Array.from({ length: CODES }, (_, i) => `PR${seriesId}X${i}`);
      await t.app.services.pool.addCodes(t.client.orgId, seriesId, codes, { actor: 'race', now: Date.now() });
      // Issues take the oldest pool code first, so revokes go oldest first too, to meet them.
      const replies = await Promise.all([
        ...codes.map((_, i) =>
          call(servers[i % 3]!.url, 'POST', '/v2/coupon/issue', t.client.basic, {
            seriesId,
            customer: { mobile: String(9_500_000_000 + round * 100 + i) },
          }),
        ),
        ...codes.map((code, i) =>
          call(servers[(i + 1) % 3]!.url, 'POST', '/v2/coupon/revoke', t.client.basic, { codes: [code] }),
        ),
      ]);
      for (const r of replies) expect(r.status, JSON.stringify(r.body)).toBeLessThan(500);
      issued += replies.slice(0, CODES).filter((r) => r.status === 200).length;
      revoked += replies.slice(CODES).filter((r) => r.status === 200).length;
      const rows = (
        await sql<{ issued: unknown; pool: unknown }>`
          select sum(case when customer_id is not null then 1 else 0 end) as issued,
                 sum(case when customer_id is null and revoked_at is null then 1 else 0 end) as pool
          from coupon where org_id = ${t.client.orgId} and series_id = ${seriesId}`.execute(
          t.app.engine.kysely,
        )
      ).rows[0]!;
      const shown = (await t.get(`/v2/coupon/series?ids=${seriesId}`)).body.entity[0];
      if (shown.numUploadedNonIssued !== Number(rows.pool) || shown.numIssued !== Number(rows.issued))
        violations.push(
          `round ${round}: numUploadedNonIssued ${shown.numUploadedNonIssued} for ${Number(rows.pool)} codes in the pool, numIssued ${shown.numIssued} for ${Number(rows.issued)} issued`,
        );
    }
    const report = await checkInvariants(t.app.engine.kysely, t.client.orgId);
    console.log(
      `race (pool revocations): ${dialectName}, 3 processes, ${ROUNDS} rounds of ${CODES} issues against ${CODES} revocations: ${issued} issued, ${revoked} revoked; ${violations.length + report.violations.length} violations`,
    );
    expect(violations).toEqual([]);
    expect(report.violations).toEqual([]);
  });
});
