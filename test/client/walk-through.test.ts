// A client generated from docs/openapi.json (openapi-typescript types, openapi-fetch) drives the README's
// walk-through against a real server (issue 20): if the document stops describing what the server
// does, this fails to type-check or fails here.
import createClient from 'openapi-fetch';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../support/build-test-app.js';
import type { paths } from './api-types.js';

let t: TestApp;
let api: ReturnType<typeof createClient<paths>>;
let baseUrl: string;

const nextYearEnd = `${new Date().getUTCFullYear() + 1}-12-31`;
const seriesFields = {
  description: '10% off, up to 50',
  discountCode: 'TEN-OFF',
  discountType: 'PERC' as const,
  discountValue: 10,
  discountUpto: 50,
  clientHandlingType: 'DISC_CODE' as const,
  validTillDate: nextYearEnd,
  expiryStrategyType: 'SERIES_EXPIRY' as const,
  anyUser: false,
  smsTemplate: 'Hi {{first_name}}, {{voucher}} takes 10% off until {{valid_till}}',
  isSMSDisabled: false,
};

beforeAll(async () => {
  t = await buildTestApp({ env: { COUPOND_WORKER: 'on' } });
  await t.app.http.listen({ host: '127.0.0.1', port: 0 });
  const { port } = t.app.http.server.address() as { port: number };
  baseUrl = `http://127.0.0.1:${port}`;
  api = createClient<paths>({ baseUrl, headers: { authorization: t.client.basic } });
});
afterAll(() => t?.close());

/** The data of a 2xx answer, or a failure naming the answer. */
function ok<T>(r: { data?: T; error?: unknown; response: Response }): T {
  expect(r.response.ok, `${r.response.status} ${JSON.stringify(r.error)}`).toBe(true);
  return r.data!;
}

describe('the README walk-through through the generated client', () => {
  let series: number;
  let multi: number;
  let code: string;
  let couponId: number;
  let customerId: number;

  it('gets a token, sets the org up and creates a series', async () => {
    const token = ok(
      await api.POST('/v3/oauth/token/generate', {
        body: { key: t.client.key, secret: t.client.secret },
      }),
    ).data.accessToken;
    const withToken = createClient<paths>({ baseUrl, headers: { 'x-cap-api-oauth-token': token } });
    ok(await api.PUT('/v2/org/settings', { body: { mobileCountryCode: '91', timezone: 'Asia/Kolkata' } }));
    const created = ok(await withToken.POST('/v2/coupon/series', { body: { CouponSeriesV2: seriesFields } }));
    series = created.id;
    expect(created.discountCode).toBe('TEN-OFF');
    const read = ok(
      await withToken.GET('/v2/coupon/series', { params: { query: { ids: [String(series)] } } }),
    );
    expect(read.entity.map((s) => s.id)).toEqual([series]);
    const stats = ok(await api.GET('/v2/coupon/series/{id}/stats', { params: { path: { id: series } } }));
    expect(stats.days.length).toBe(30);
  });

  it('issues one coupon, several of a series that allows them, and one of each of two series', async () => {
    const issued = ok(
      await api.POST('/v2/coupon/issue', { body: { seriesId: series, customer: { mobile: '9876543210' } } }),
    );
    code = issued.code;
    couponId = issued.id;
    customerId = issued.customer.id;
    multi = ok(
      await api.POST('/v2/coupon/series', {
        body: {
          ...seriesFields,
          discountUpto: undefined,
          discountCode: 'FIFTY',
          discountType: 'ABS',
          discountValue: 50,
          isMultipleVouchersPerUserAllowed: true,
          maxVouchersPerUser: 5,
        },
      }),
    ).id;
    const three = ok(
      await api.POST('/v2/coupon/issue/multiple', {
        body: { seriesId: multi, count: 3, customer: { externalId: 'C-1001' } },
      }),
    );
    expect(three.coupons).toHaveLength(3);
    const both = await api.POST('/v2/coupon/bulk/issue', {
      params: { query: { source: 'INSTORE' } },
      body: { seriesIds: [series, multi], customer: { email: 'ana@example.com' } },
    });
    expect(both.response.status).toBe(200);
    const read = ok(
      await api.GET('/v2/coupon', {
        params: { query: { issuedToIds: [String(customerId)], couponCodes: [code] } },
      }),
    );
    expect(read.data.map((c) => c.code)).toEqual([code]);
    const revoked = ok(
      await api.POST('/v2/coupon/revoke', {
        body: { couponSeriesId: multi, couponCodes: [three.coupons[2]!.code] },
      }),
    );
    expect('entity' in revoked && revoked.entity.revokedCoupons.map((c) => c.couponCode)).toEqual([
      three.coupons[2]!.code,
    ]);
    const history = ok(await api.GET('/v2/coupon/{id}/history', { params: { path: { id: couponId } } }));
    expect(history.events.map((e) => e.type)).toContain('issued');
  });

  it('checks, redeems, undoes, holds and releases', async () => {
    const check = ok(
      await api.GET('/v2/coupon/is_redeemable', {
        params: { query: { mobile: '9876543210', code: [code], details: 'true', billAmount: '2000' } },
      }),
    );
    expect(check.redemption[0]!.isRedeemable).toBe(true);
    const redeemed = ok(
      await api.POST('/v2/coupon/redeem', {
        body: {
          billAmount: '2000',
          transactionNumber: 'BILL-0001',
          user: { mobile: '9876543210' },
          redemptionRequestList: [{ code }],
        },
      }),
    );
    const redemptionId = redeemed.redemption[0]!.id!;
    expect(redeemed.redemption[0]!.discountAmount).toBe(50);
    const undone = ok(await api.POST('/v2/coupon/reactivate', { body: { redemptionIds: [redemptionId] } }));
    expect(undone.reactivated).toEqual([redemptionId]);
    const hold = ok(
      await api.POST('/v2/coupon/hold', {
        body: {
          user: { mobile: '9876543210' },
          codes: [code],
          billAmount: 2000,
          transactionNumber: 'WEB-77',
        },
      }),
    );
    ok(await api.DELETE('/v2/coupon/hold/{holdId}', { params: { path: { holdId: hold.holdId! } } }));
  });

  it('lists messages and manages a webhook', async () => {
    const messages = ok(await api.GET('/v2/communications', { params: { query: { customerId } } }));
    expect(messages.messages.length).toBeGreaterThan(0);
    const hook = ok(
      await api.POST('/v2/webhooks', {
        body: { url: 'https://hooks.example.com/coupond', events: ['coupon.issued', 'coupon.redeemed'] },
      }),
    );
    expect(hook.secret).toMatch(/^whsec_/);
    expect(ok(await api.GET('/v2/webhooks')).webhooks.map((w) => w.id)).toContain(hook.id);
    ok(await api.GET('/v2/webhooks/{id}/deliveries', { params: { path: { id: hook.id } } }));
    ok(await api.DELETE('/v2/webhooks/{id}', { params: { path: { id: hook.id } } }));
  });

  it('uploads codes, follows the job and downloads its result file', async () => {
    const form = new FormData();
    form.set(
      'file',
      new Blob(['coupon code\nSUMMER-0001\nSUMMER-0002\n'], { type: 'text/csv' }),
      'codes.csv',
    );
    form.set('customerIdentifier', 'NOT_TAGGED');
    const started = ok(
      await api.POST('/coupon/api/v1/upload/file/{seriesId}', {
        params: { path: { seriesId: series } },
        body: form as never,
        bodySerializer: (b) => b as unknown as FormData,
      }),
    );
    expect(started.result.uploadJobStatuses[0]!.uploadStatus).toBe('STARTED');
    let job = started.result.uploadJobStatuses[0]!;
    for (let i = 0; i < 100 && job.uploadStatus === 'STARTED'; i++) {
      await new Promise((r) => setTimeout(r, 100));
      const status = ok(
        await api.GET('/coupon/api/v1/upload/getUploadStatus/{seriesId}', {
          params: { path: { seriesId: series } },
        }),
      );
      job = status.result.uploadJobStatuses[0]!;
    }
    expect(job).toMatchObject({ uploadStatus: 'FINISHED', totalUploadedCount: 2, errorCount: 0 });
    const file = await api.GET('/coupon/api/v1/upload/files/{name}', {
      params: { path: { name: job.successFileName! } },
      parseAs: 'text',
    });
    expect(file.data).toContain('SUMMER-0002');
    const redeemed = ok(
      await api.GET('/coupon/api/v1/upload/getUploadRedeemedCouponStatus/{seriesId}', {
        params: { path: { seriesId: series } },
      }),
    );
    expect(redeemed.result.redeemUploadJobStatuses).toEqual([]);
  });
});
