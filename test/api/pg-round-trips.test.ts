// PostgreSQL round trips per call (docs/architecture.md "Round trips on PostgreSQL"), counted from outside:
// a TCP proxy between the server and PostgreSQL counts the client's Sync and Query messages, each one a
// wait for the server's ReadyForQuery. Warm calls only (the client's key is cached, statements prepared):
// the count a busy till sees. On SQLite there is no network between coupond and its database: skipped.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../support/build-test-app.js';
import { billSequence, createSeries, issueCoupon, mobileSequence, redeemBody } from '../support/factories.js';
import { startPgProxy, type PgProxy } from '../support/pg-proxy.js';
import { onPostgres, TEST_DATABASE_URL } from '../support/test-database.js';

const mobile = mobileSequence(9_300_000_000);
const bill = billSequence('RT');

if (!onPostgres) {
  describe('PostgreSQL round trips', () => {
    it.skip('runs on PostgreSQL only (TEST_DATABASE_URL): SQLite has no round trips to count', () =>
      undefined);
  });
} else {
  describe('PostgreSQL round trips per call', () => {
    let proxy: PgProxy;
    let t: TestApp;
    let seriesId: number;
    let otherSeriesId: number;
    beforeAll(async () => {
      proxy = await startPgProxy(TEST_DATABASE_URL!);
      t = await buildTestApp({ env: { DATABASE_URL: proxy.url } });
      seriesId = (await createSeries(t, { description: 'round trips' })).id;
      otherSeriesId = (await createSeries(t, { description: 'round trips, another offer' })).id;
    });
    afterAll(async () => {
      await t?.close();
      await proxy?.close();
    });

    /**
     * Round trips of one warm call: the fewest over four calls after a first that warms caches and prepared
     * statements. The server's background work (the fleet's limit sync, four times a second; the delivery
     * loop) goes through the same proxy and can only add to a call's count, never take from it.
     */
    const counted = async <P>(
      prepare: () => Promise<P>,
      call: (p: P) => Promise<{ status: number; body: any }>,
      check: (body: any) => void,
    ): Promise<number> => {
      let trips = Infinity;
      for (let i = 0; i < 5; i++) {
        const p = await prepare();
        proxy.reset();
        const r = await call(p);
        if (i > 0) trips = Math.min(trips, proxy.count());
        expect(r.status, JSON.stringify(r.body)).toBe(200);
        check(r.body);
        if (process.env.ROUND_TRIP_LOG) console.log(trips, proxy.statements());
      }
      return trips;
    };
    const issued = async () => {
      const m = mobile();
      return { m, code: (await issueCoupon(t, seriesId, { mobile: m })).code as string };
    };

    it('POST /v2/coupon/redeem, one code: two round trips (the reads with the lookup; the writes with the COMMIT)', async () => {
      const trips = await counted(
        issued,
        ({ m, code }) => t.post('/v2/coupon/redeem', redeemBody(m, [code], bill())),
        (body) => expect(body.redemptionStatus.code, JSON.stringify(body)).toBe(700),
      );
      expect(trips).toBe(2);
    });

    it('POST /v2/coupon/reactivate, one redemption: two round trips (the locks in one batch; the writes with the COMMIT)', async () => {
      const trips = await counted(
        async () => {
          const { m, code } = await issued();
          const r = await t.post('/v2/coupon/redeem', redeemBody(m, [code], bill()));
          expect(r.status, JSON.stringify(r.body)).toBe(200);
          return Number(r.body.redemption[0].id);
        },
        (id) => t.post('/v2/coupon/reactivate', { redemptionIds: [id] }),
        (body) => expect(body.reactivated?.length, JSON.stringify(body)).toBe(1),
      );
      // BEGIN + the redemption's lock, its coupon's and its customer's series row; the writes + COMMIT.
      expect(trips).toBe(2);
    });

    it('two codes: a redemption in three round trips, a check in two', async () => {
      const twoCodes = async () => {
        const m = mobile();
        const a = await issueCoupon(t, seriesId, { mobile: m });
        const b = await issueCoupon(t, otherSeriesId, { mobile: m });
        return { m, codes: [a.code as string, b.code as string] };
      };
      const redeemTrips = await counted(
        twoCodes,
        ({ m, codes }) => t.post('/v2/coupon/redeem', redeemBody(m, codes, bill())),
        (body) => expect(body.redemption?.length, JSON.stringify(body)).toBe(2),
      );
      // BEGIN + customer; the coupons locked by code in id order, their series, the customer's rows and the
      // redemption ids; the writes + COMMIT.
      expect(redeemTrips).toBe(3);
      const checkTrips = await counted(
        twoCodes,
        ({ m, codes }) => t.get(`/v2/coupon/is_redeemable?mobile=${m}&code=${codes.join(',')}`),
        (body) => expect(body.redemptionStatus?.code, JSON.stringify(body)).toBe(700),
      );
      expect(checkTrips).toBe(2);
    });

    it('a series with limits (maxCreate, maxRedeem): a redemption and an issue in three round trips, a check in two', async () => {
      const limited = (
        await createSeries(t, { description: 'round trips, limited', maxRedeem: 1000, maxCreate: 1000 })
      ).id as number;
      const issuedLimited = async () => {
        const m = mobile();
        return { m, code: (await issueCoupon(t, limited, { mobile: m })).code as string };
      };
      // BEGIN + customer + the batch; the counter's lock, then its total and other checkouts' holds; the
      // writes + COMMIT.
      const redeemTrips = await counted(
        issuedLimited,
        ({ m, code }) => t.post('/v2/coupon/redeem', redeemBody(m, [code], bill())),
        (body) => expect(body.redemptionStatus?.code, JSON.stringify(body)).toBe(700),
      );
      expect(redeemTrips).toBe(3);
      // BEGIN + customer + registration + series + counters; the customer's row and the counter locked,
      // then the counters read again; the writes + COMMIT.
      const issueTrips = await counted(
        async () => mobile(),
        (m) => t.post('/v2/coupon/issue', { seriesId: limited, customer: { mobile: m } }),
        (body) => expect(typeof body.code, JSON.stringify(body)).toBe('string'),
      );
      expect(issueTrips).toBe(3);
      // The lookup with the rest; the series' total and other checkouts' holds.
      const checkTrips = await counted(
        issuedLimited,
        ({ m, code }) => t.get(`/v2/coupon/is_redeemable?mobile=${m}&code=${code}`),
        (body) => expect(body.redemptionStatus?.code, JSON.stringify(body)).toBe(700),
      );
      expect(checkTrips).toBe(2);
    });

    it('a coupon named by its id: as by its code, a redemption in two round trips, a check in one', async () => {
      const byId = async () => {
        const m = mobile();
        const c = await issueCoupon(t, seriesId, { mobile: m });
        return { m, id: Number(c.id) };
      };
      const redeemTrips = await counted(
        byId,
        ({ m, id }) =>
          t.post('/v2/coupon/redeem', {
            ...redeemBody(m, [], bill()),
            redemptionRequestList: [{ id }],
          }),
        (body) => expect(body.redemptionStatus?.code, JSON.stringify(body)).toBe(700),
      );
      expect(redeemTrips).toBe(2);
      const checkTrips = await counted(
        byId,
        ({ m, id }) => t.get(`/v2/coupon/is_redeemable?mobile=${m}&couponId=${id}`),
        (body) => expect(body.redemptionStatus?.code, JSON.stringify(body)).toBe(700),
      );
      expect(checkTrips).toBe(1);
    });

    it('POST /v2/coupon/hold, one code: two round trips, as a redemption', async () => {
      const trips = await counted(
        issued,
        ({ m, code }) => t.post('/v2/coupon/hold', { user: { mobile: m }, codes: [code] }),
        (body) => expect(typeof body.holdId, JSON.stringify(body)).toBe('number'),
      );
      expect(trips).toBe(2);
    });

    it('POST /v2/coupon/issue, new customer: two round trips (the registration goes with the lookup)', async () => {
      const trips = await counted(
        async () => mobile(),
        (m) => t.post('/v2/coupon/issue', { seriesId, customer: { mobile: m } }),
        (body) => expect(typeof body.code, JSON.stringify(body)).toBe('string'),
      );
      expect(trips).toBe(2);
    });

    it('POST /v2/coupon/bulk/issue, two series: two round trips for a new customer, three for a known one', async () => {
      const bulk = (m: string) =>
        t.post('/v2/coupon/bulk/issue', { seriesIds: [seriesId, otherSeriesId], customer: { mobile: m } });
      const issuedBoth = (body: any) =>
        expect(
          body.response?.map((r: any) => typeof r.result?.code),
          JSON.stringify(body),
        ).toEqual(['string', 'string']);
      // BEGIN + the lookup carrying the registration and both series' reads; the writes + COMMIT.
      const fresh = await counted(async () => mobile(), bulk, issuedBoth);
      expect(fresh).toBe(2);
      // BEGIN + the lookup; the customer's lock and both series' reads; the writes + COMMIT.
      const known = await counted(
        async () => {
          const m = mobile();
          const r = await t.post('/v2/customers', { mobile: m });
          expect(r.status, JSON.stringify(r.body)).toBeLessThan(300);
          return m;
        },
        bulk,
        issuedBoth,
      );
      expect(known).toBe(3);
    });

    it('GET /v2/coupon/is_redeemable, one code: one round trip (the lookup of the customer carries the rest)', async () => {
      const trips = await counted(
        issued,
        ({ m, code }) => t.get(`/v2/coupon/is_redeemable?mobile=${m}&code=${code}`),
        (body) => expect(body.redemptionStatus?.code, JSON.stringify(body)).toBe(700),
      );
      expect(trips).toBe(1);
    });

    it('a warm is_redeemable sends no Describe: each statement was described once on its connection', async () => {
      // storage/pg-pipeline.ts: a named statement is described once per connection; later runs skip the
      // Describe and reuse its description. Warm every pooled connection first, then count.
      for (let i = 0; i < 30; i++) {
        const { m, code } = await issued();
        expect((await t.get(`/v2/coupon/is_redeemable?mobile=${m}&code=${code}`)).status).toBe(200);
      }
      // The fewest over four calls: the server's background work goes through the same proxy and can
      // only add to a call's count.
      let fewest = Infinity;
      for (let i = 0; i < 4; i++) {
        const { m, code } = await issued();
        proxy.reset();
        const r = await t.get(`/v2/coupon/is_redeemable?mobile=${m}&code=${code}`);
        expect(r.body.redemptionStatus?.code, JSON.stringify(r.body)).toBe(700);
        fewest = Math.min(fewest, proxy.describes());
      }
      expect(fewest).toBe(0);
    });

    it('concurrent is_redeemable calls share one write to PostgreSQL (short reads go out together)', async () => {
      // storage/postgres-engine.ts "short reads": the checks asked for in one event-loop turn go out on one
      // connection in one write, each with its own Sync (still one round trip each). Without that, each
      // check would write on a connection of its own: 12 writes.
      const coupons = await Promise.all(Array.from({ length: 12 }, issued));
      for (const { m, code } of coupons)
        expect((await t.get(`/v2/coupon/is_redeemable?mobile=${m}&code=${code}`)).status).toBe(200);
      let fewest = Infinity;
      for (let i = 0; i < 4; i++) {
        proxy.reset();
        const answers = await Promise.all(
          coupons.map(({ m, code }) => t.get(`/v2/coupon/is_redeemable?mobile=${m}&code=${code}`)),
        );
        for (const r of answers) expect(r.body.redemptionStatus?.code, JSON.stringify(r.body)).toBe(700);
        expect(proxy.count()).toBeGreaterThanOrEqual(12); // a Sync each
        fewest = Math.min(fewest, proxy.writes());
      }
      // The server's background work goes through the same proxy and can only add writes.
      expect(fewest).toBeLessThanOrEqual(3);
    });

    it('GET /v2/coupon/is_redeemable, the customer by id and mobile at once: still one round trip', async () => {
      const trips = await counted(
        async () => {
          const { m, code } = await issued();
          const found = await t.get(`/v2/customers/lookup?mobile=${m}`);
          expect(found.status, JSON.stringify(found.body)).toBe(200);
          return { m, code, id: found.body.id ?? found.body.customer?.id };
        },
        ({ m, code, id }) => t.get(`/v2/coupon/is_redeemable?id=${id}&mobile=${m}&code=${code}`),
        (body) => expect(body.redemptionStatus?.code, JSON.stringify(body)).toBe(700),
      );
      expect(trips).toBe(1);
    });
  });
}
