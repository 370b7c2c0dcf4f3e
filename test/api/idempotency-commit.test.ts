// Idempotency-Key on POST (docs/api.md §3 beyond): on every POST that writes, the stored answer commits with the
// work, so when another process answers the same key first the work rolls back and that answer is replayed.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uploadDir } from '../../src/services/uploads.js';
import {
  buildTestApp,
  TestClock,
  type Reply,
  type TestApp,
  type TestClient,
} from '../support/build-test-app.js';
import { createSeries, redeemBody, seriesBody } from '../support/factories.js';
import { postUpload } from '../support/upload-helpers.js';
import { idempotencyKit } from '../support/idempotency-helpers.js';

let t: TestApp;
let org: TestClient;
const clock = new TestClock();

beforeAll(async () => {
  t = await buildTestApp({ clock });
  org = await t.createOrg('idempotency', { mobileCountryCode: '91' });
});
afterAll(async () => t.close());

const { nextSeq, nextMobile, nextKey, post } = idempotencyKit(() => ({ t, org }));

describe('Idempotency-Key', () => {
  describe('the answer commits with the work on every POST that writes', () => {
    const RIVAL = '{"from":"the other server"}';

    /**
     * Sends a request while "another server" answers the same key and body: the answer row is inserted
     * just after this server found none and started the work, as a duplicate on another process that
     * commits first. The work must roll back (its answer meets the row in its own transaction) and the
     * other server's answer be replayed; a route storing its answer after the work would commit the work
     * and answer it fresh.
     */
    async function withRivalAnswer(key: string, send: () => Promise<Reply>): Promise<Reply> {
      const { idempotency } = t.app.services;
      const start = idempotency.start;
      idempotency.start = async (orgId, client, k, hash) => {
        const started = await start(orgId, client, k, hash);
        if (started.kind === 'run' && k === key) {
          await t.app.engine.kysely
            .insertInto('idempotency_key')
            .values({
              org_id: orgId,
              key: k,
              client_id: client,
              request_hash: hash,
              state: 'done',
              response_status: 200,
              response_body: RIVAL,
              created_at: clock.now(),
            })
            .execute();
        }
        return started;
      };
      try {
        return await send();
      } finally {
        idempotency.start = start;
      }
    }

    const expectReplayOfRival = (r: Reply) => {
      expect(r.status, r.text).toBe(200);
      expect(r.text).toBe(RIVAL);
      expect(r.headers['idempotent-replayed']).toBe('true');
    };

    async function count(
      table: 'coupon_series' | 'customer' | 'webhook_subscription' | 'upload_job' | 'job',
    ): Promise<number> {
      const row = await t.app.engine.kysely
        .selectFrom(table)
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('org_id', '=', org.orgId)
        .executeTakeFirstOrThrow();
      return Number(row.n);
    }

    /** A coupon issued to a fresh customer, and that customer's mobile. */
    async function issued(): Promise<{ code: string; id: number; mobile: string; seriesId: number }> {
      const series = await createSeries(t, { description: `rival ${nextSeq()}`, discountValue: 1 }, org);
      const mobile = nextMobile();
      const r = await t.post('/v2/coupon/issue', { seriesId: series.id, customer: { mobile } }, org);
      expect(r.status, r.text).toBe(200);
      return { code: r.body.code, id: r.body.id, mobile, seriesId: series.id };
    }

    it('series creation: no second series is created and the first answer is replayed', async () => {
      const key = nextKey();
      const before = await count('coupon_series');
      const r = await withRivalAnswer(key, () =>
        t.post('/v2/coupon/series', seriesBody({ description: 'rival series' }), org, {
          'idempotency-key': key,
        }),
      );
      expectReplayOfRival(r);
      expect(await count('coupon_series'), 'the rolled-back creation left no series').toBe(before);
    });

    it('customer registration: no customer is registered and the first answer is replayed', async () => {
      const key = nextKey();
      const before = await count('customer');
      const r = await withRivalAnswer(key, () => post({ mobile: nextMobile() }, key));
      expectReplayOfRival(r);
      expect(await count('customer'), 'the rolled-back registration left no customer').toBe(before);
    });

    it('revoke: the coupon stays unrevoked and the first answer is replayed', async () => {
      const coupon = await issued();
      const key = nextKey();
      const r = await withRivalAnswer(key, () =>
        t.post('/v2/coupon/revoke', { codes: [coupon.code] }, org, { 'idempotency-key': key }),
      );
      expectReplayOfRival(r);
      const row = await t.app.engine.kysely
        .selectFrom('coupon')
        .select('revoked_at')
        .where('org_id', '=', org.orgId)
        .where('id', '=', coupon.id)
        .executeTakeFirstOrThrow();
      expect(row.revoked_at, 'the rolled-back revoke left the coupon as it was').toBeNull();
    });

    it('reactivation, by ids and by bill: the redemption stays and the first answer is replayed', async () => {
      const coupon = await issued();
      const bill = `RIVAL-${nextSeq()}`;
      const redeemed = await t.post('/v2/coupon/redeem', redeemBody(coupon.mobile, [coupon.code], bill), org);
      expect(redeemed.status, redeemed.text).toBe(200);
      const redemption = await t.app.engine.kysely
        .selectFrom('redemption')
        .select(['id', 'reactivated_at'])
        .where('org_id', '=', org.orgId)
        .where('coupon_id', '=', coupon.id)
        .executeTakeFirstOrThrow();
      const byIds = nextKey();
      expectReplayOfRival(
        await withRivalAnswer(byIds, () =>
          t.post('/v2/coupon/reactivate', { redemptionIds: [Number(redemption.id)] }, org, {
            'idempotency-key': byIds,
          }),
        ),
      );
      const byBill = nextKey();
      expectReplayOfRival(
        await withRivalAnswer(byBill, () =>
          t.post('/v2/coupon/reactivate', { transactionNumber: bill, user: { mobile: coupon.mobile } }, org, {
            'idempotency-key': byBill,
          }),
        ),
      );
      const after = await t.app.engine.kysely
        .selectFrom('redemption')
        .select('reactivated_at')
        .where('org_id', '=', org.orgId)
        .where('id', '=', redemption.id)
        .executeTakeFirstOrThrow();
      expect(after.reactivated_at, 'the rolled-back reactivations left the redemption active').toBeNull();
    });

    it('webhook subscription: none is created and the first answer is replayed', async () => {
      const key = nextKey();
      const before = await count('webhook_subscription');
      const r = await withRivalAnswer(key, () =>
        t.post('/v2/webhooks', { url: 'https://hooks.example.com/rival', events: ['coupon.issued'] }, org, {
          'idempotency-key': key,
        }),
      );
      expectReplayOfRival(r);
      expect(await count('webhook_subscription'), 'the rolled-back subscription is gone').toBe(before);
    });

    it('uploads of codes and of redemptions: no job is queued and the first answer is replayed', async () => {
      const { seriesId } = await issued();
      const folder = path.join(t.db.dataDir, uploadDir(org.orgId));
      const files = () => (fs.existsSync(folder) ? fs.readdirSync(folder).length : 0);
      const before = { uploads: await count('upload_job'), jobs: await count('job'), files: files() };
      const codes = nextKey();
      expectReplayOfRival(
        await withRivalAnswer(codes, () =>
          postUpload(
            t,
            `/coupon/api/v1/upload/file/${seriesId}`,
            { customerIdentifier: 'NOT_TAGGED', customerIdentifierColumn: '0' },
            { content: `RIVALCODE${nextSeq()}\n` },
            org,
            { 'idempotency-key': codes },
          ),
        ),
      );
      const redemptions = nextKey();
      expectReplayOfRival(
        await withRivalAnswer(redemptions, () =>
          postUpload(
            t,
            `/coupon/api/v1/upload/redeemFile/${seriesId}`,
            {
              customerIdentifier: 'MOBILE',
              couponIdentifier: 'COUPON_CODE',
              uploadHeaders: '{"redeemedDateInMillis":0,"redeemedAt":1,"mobile":2,"couponCode":3}',
            },
            { content: `0,TILL,9100000000,NOCODE${nextSeq()}\n` },
            org,
            { 'idempotency-key': redemptions },
          ),
        ),
      );
      // The rolled-back uploads removed the files they had placed.
      expect({ uploads: await count('upload_job'), jobs: await count('job'), files: files() }).toEqual(
        before,
      );
    });
  });
});
