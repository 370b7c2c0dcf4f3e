// The tenancy probes of tenancy.test.ts: for every route of the OpenAPI document, the requests org B makes with
// org A's values and with values of no org. A route of the document missing here fails that test.
import type { Probe } from './tenancy-probing.js';
/** Every route's probes. A route of the OpenAPI document missing here fails the test. */
export const PROBES: Record<string, Probe[]> = {
  'GET /health': [{ name: 'no ids', request: () => ({}) }],
  'GET /ready': [{ name: 'no ids', request: () => ({}) }],
  'GET /metrics': [{ name: 'no ids', request: () => ({}) }],
  'POST /v3/oauth/token/generate': [
    {
      name: "A's key with B's secret",
      request: (v, own) => ({ raw: { headers: {} }, body: { key: v.key, secret: own.client.secret } }),
    },
  ],
  'POST /oauth/token': [
    {
      name: "A's key as client_id with B's secret",
      request: (v, own) => ({
        raw: { headers: {} },
        body: { grant_type: 'client_credentials', client_id: v.key, client_secret: own.client.secret },
      }),
    },
  ],
  'GET /v2/org/settings': [{ name: 'no ids', request: () => ({}) }],
  'PUT /v2/org/settings': [{ name: 'no ids', request: () => ({ body: { name: 'org B renamed' } }) }],
  'POST /v2/customers': [
    {
      name: "A's mobile, email and external id",
      creates: true,
      request: (v) => ({ body: { mobile: v.mobile, email: v.email, externalId: v.externalId } }),
    },
  ],
  'GET /v2/customers/lookup': [
    { name: "A's mobile", request: (v) => ({ query: { mobile: v.mobile } }) },
    { name: "A's email", request: (v) => ({ query: { email: v.email } }) },
    { name: "A's external id", request: (v) => ({ query: { externalId: v.externalId } }) },
    { name: "A's customer id", request: (v) => ({ query: { id: v.customerId } }) },
  ],
  'POST /v2/coupon/series': [
    {
      name: "A's series code, and A's series as mutually exclusive",
      creates: true,
      request: (v) => ({
        body: { description: 'b', discountValue: 1, seriesCode: v.seriesCode },
      }),
    },
    {
      name: "A's series as mutually exclusive",
      creates: true,
      request: (v) => ({
        body: { description: 'b', discountValue: 1, mutualExclusiveSeriesIds: `[${v.seriesId}]` },
      }),
    },
  ],
  'GET /v2/coupon/series': [{ name: "A's series id", request: (v) => ({ query: { ids: v.seriesId } }) }],
  'PUT /v2/coupon/series/{id}': [
    { name: "A's series id", request: (v) => ({ params: { id: v.seriesId }, body: { description: 'b' } }) },
  ],
  'GET /v2/coupon/series/{id}/stats': [
    { name: "A's series id", request: (v) => ({ params: { id: v.seriesId } }) },
  ],
  'POST /v2/coupon/issue': [
    {
      name: "A's series",
      request: (v, own) => ({ body: { seriesId: v.seriesId, customer: { mobile: own.mobile } } }),
    },
    {
      name: "A's customer id",
      request: (v, own) => ({ body: { seriesId: own.seriesId, customer: { id: v.customerId } } }),
    },
    {
      name: "A's mobile (registered on the fly in B)",
      creates: true,
      request: (v, own) => ({ body: { seriesId: own.seriesId, customer: { mobile: v.mobile } } }),
    },
  ],
  'POST /v2/coupon/bulk/issue': [
    {
      name: "A's series",
      request: (v, own) => ({
        query: { source: 'INSTORE' },
        body: { seriesIds: [v.seriesId], customer: { mobile: own.mobile } },
      }),
    },
    {
      name: "A's customer id",
      request: (v, own) => ({
        query: { source: 'INSTORE' },
        body: { seriesIds: [own.seriesId], customer: { id: v.customerId } },
      }),
    },
  ],
  'POST /v2/coupon/issue/multiple': [
    {
      name: "A's series",
      request: (v, own) => ({ body: { seriesId: v.seriesId, count: 2, customer: { mobile: own.mobile } } }),
    },
    {
      name: "A's customer id",
      request: (v, own) => ({ body: { seriesId: own.seriesId, count: 2, customer: { id: v.customerId } } }),
    },
  ],
  'GET /v2/coupon': [
    { name: "A's coupon id", request: (v) => ({ query: { couponIds: v.couponId } }) },
    { name: "A's code", request: (v) => ({ query: { couponCodes: v.code } }) },
    { name: "A's customer id", request: (v) => ({ query: { issuedToIds: v.customerId } }) },
  ],
  'POST /v2/coupon/revoke': [
    { name: "A's code", request: (v) => ({ body: { codes: [v.code] } }) },
    { name: "A's coupon id", request: (v) => ({ body: { couponIds: [v.couponId] } }) },
    { name: "A's pool code", request: (v) => ({ body: { codes: [v.poolCode] } }) },
    { name: "A's code (documented body)", request: (v) => ({ body: { couponCodes: [v.code] } }) },
    {
      name: "A's series and code",
      request: (v) => ({ body: { couponSeriesId: v.seriesId, couponCodes: [v.code] } }),
    },
    { name: "A's customer", request: (v) => ({ body: { customer: { mobile: v.mobile } } }) },
    { name: "A's customer id", request: (v) => ({ body: { customer: { id: v.customerId } } }) },
  ],
  'PUT /v2/coupon/bulk/expiry': [
    {
      name: "A's code",
      request: (v) => ({ body: { couponCodes: [{ couponCode: v.code, expiryDate: '2099-01-01' }] } }),
    },
    {
      name: "A's series",
      request: (v) => ({
        body: { couponSeriesId: v.seriesId, couponCodes: [{ couponCode: v.code, expiryDate: '2099-01-01' }] },
      }),
    },
    {
      name: "A's customer",
      request: (v, own) => ({
        body: {
          customer: { mobile: v.mobile },
          couponCodes: [{ couponCode: own.code, expiryDate: '2099-01-01' }],
        },
      }),
    },
  ],
  'GET /v2/customers/coupons': [
    { name: "A's mobile", request: (v) => ({ query: { mobile: v.mobile } }) },
    { name: "A's email", request: (v) => ({ query: { email: v.email } }) },
    { name: "A's external id", request: (v) => ({ query: { external_Id: v.externalId } }) },
    { name: "A's customer id", request: (v) => ({ query: { id: v.customerId } }) },
  ],
  'GET /v2/customers/{id}/coupons': [
    { name: "A's customer id", request: (v) => ({ params: { id: v.customerId } }) },
  ],
  'GET /v2/coupon/{id}/history': [
    { name: "A's coupon id", request: (v) => ({ params: { id: v.couponId } }) },
  ],
  'POST /v1.1/coupon/issue': [
    {
      name: "A's series",
      request: (v, own) => ({
        body: { root: { coupon: { series_id: v.seriesId, customer: { mobile: own.mobile } } } },
      }),
    },
    {
      name: "A's customer id",
      request: (v, own) => ({
        body: { root: { coupon: { series_id: own.seriesId, customer: { id: v.customerId } } } },
      }),
    },
    {
      name: "A's mobile (registered on the fly in B)",
      creates: true,
      request: (v, own) => ({
        body: { root: { coupon: { series_id: own.seriesId, customer: { mobile: v.mobile } } } },
      }),
    },
  ],
  'GET /v1.1/coupon/resend': [
    { name: "A's code", request: (v, own) => ({ query: { mobile: own.mobile, code: v.code } }) },
    { name: "A's mobile", request: (v, own) => ({ query: { mobile: v.mobile, code: own.code } }) },
    {
      name: "A's external id",
      request: (v, own) => ({ query: { external_id: v.externalId, code: own.code } }),
    },
  ],
  'GET /v1.1/coupon/get': [
    { name: "A's code", request: (v) => ({ query: { code: v.code } }) },
    { name: "A's customer id", request: (v) => ({ query: { issuedToIds: v.customerId } }) },
  ],
  'GET /v1.1/customer/coupons': [
    { name: "A's mobile", request: (v) => ({ query: { mobile: v.mobile } }) },
    { name: "A's email", request: (v) => ({ query: { email: v.email } }) },
    { name: "A's customer id", request: (v) => ({ query: { id: v.customerId } }) },
    { name: "A's series", request: (v, own) => ({ query: { mobile: own.mobile, series_id: v.seriesId } }) },
  ],
  'GET /v1.1/coupon/isredeemable': [
    { name: "A's code", request: (v, own) => ({ query: { mobile: own.mobile, code: v.code } }) },
    { name: "A's mobile", request: (v, own) => ({ query: { mobile: v.mobile, code: own.code } }) },
    { name: "A's customer id", request: (v, own) => ({ query: { id: v.customerId, code: own.code } }) },
  ],
  'POST /v1.1/coupon/redeem': [
    {
      name: "A's code",
      request: (v, own) => ({
        body: {
          root: {
            coupon: [
              {
                code: v.code,
                customer: { mobile: own.mobile },
                transaction: [{ number: 'B1', amount: '100' }],
              },
            ],
          },
        },
      }),
    },
    {
      name: "A's coupon id",
      request: (v, own) => ({
        body: {
          root: {
            coupon: [
              {
                id: v.couponId,
                customer: { mobile: own.mobile },
                transaction: [{ number: 'B2', amount: '100' }],
              },
            ],
          },
        },
      }),
    },
    {
      name: "A's mobile",
      request: (v, own) => ({
        body: {
          root: {
            coupon: [
              {
                code: own.code,
                customer: { mobile: v.mobile },
                transaction: [{ number: 'B3', amount: '100' }],
              },
            ],
          },
        },
      }),
    },
  ],
  'GET /v1.1/coupon/series': [{ name: "A's series", request: (v) => ({ query: { id: v.seriesId } }) }],
  'GET /v2/coupon/is_redeemable': [
    { name: "A's code", request: (v, own) => ({ query: { mobile: own.mobile, code: v.code } }) },
    { name: "A's held code", request: (v, own) => ({ query: { mobile: own.mobile, code: v.heldCode } }) },
    { name: "A's coupon id", request: (v, own) => ({ query: { mobile: own.mobile, couponId: v.couponId } }) },
    { name: "A's mobile", request: (v, own) => ({ query: { mobile: v.mobile, code: own.code } }) },
    { name: "A's customer id", request: (v, own) => ({ query: { id: v.customerId, code: own.code } }) },
    {
      name: "A's bill number",
      request: (v, own) => ({
        query: { mobile: own.mobile, code: own.code, transactionNumber: v.transactionNumber },
      }),
    },
  ],
  'POST /v2/coupon/redeem': [
    {
      name: "A's code",
      request: (v, own) => ({
        body: { billAmount: 100, user: { mobile: own.mobile }, redemptionRequestList: [{ code: v.code }] },
      }),
    },
    {
      name: "A's coupon id",
      request: (v, own) => ({
        body: { billAmount: 100, user: { mobile: own.mobile }, redemptionRequestList: [{ id: v.couponId }] },
      }),
    },
    {
      name: "A's customer id",
      request: (v, own) => ({
        body: { billAmount: 100, user: { id: v.customerId }, redemptionRequestList: [{ code: own.code }] },
      }),
    },
    {
      name: "A's hold id",
      request: (v, own) => ({
        body: {
          billAmount: 100,
          holdId: v.holdId,
          user: { mobile: own.mobile },
          redemptionRequestList: [{ code: own.heldCode }],
        },
      }),
    },
  ],
  'POST /v2/coupon/bulk/redeem': [
    {
      name: "A's code",
      request: (v, own) => ({
        query: { source: 'INSTORE', allowPartial: 'true' },
        body: { billAmount: 100, user: { mobile: own.mobile }, redemptionRequestList: [{ code: v.code }] },
      }),
    },
    {
      name: "A's coupon id",
      request: (v, own) => ({
        query: { source: 'INSTORE' },
        body: { billAmount: 100, user: { mobile: own.mobile }, redemptionRequestList: [{ id: v.couponId }] },
      }),
    },
  ],
  'PUT /v2/coupon/redeem': [
    {
      name: "A's redemption id",
      request: (v) => ({
        body: { redemptions: [{ redemptionId: v.redemptionId, billAmount: 1, billId: 9 }] },
      }),
    },
    {
      name: "A's redemption id with A's customer",
      request: (v) => ({
        body: { redemptions: [{ redemptionId: v.redemptionId, billAmount: 1 }], user: { mobile: v.mobile } },
      }),
    },
  ],
  'POST /v2/coupon/reactivate': [
    { name: "A's redemption id", request: (v) => ({ body: { redemptionIds: [v.redemptionId] } }) },
    {
      name: "A's bill with A's customer",
      request: (v) => ({ body: { transactionNumber: v.transactionNumber, user: { mobile: v.mobile } } }),
    },
    {
      name: "A's bill with B's customer",
      request: (v, own) => ({
        body: { transactionNumber: v.transactionNumber, user: { mobile: own.mobile } },
      }),
    },
  ],
  'POST /v2/coupon/hold': [
    {
      name: "A's code",
      request: (v, own) => ({ body: { user: { mobile: own.mobile }, codes: [v.code], ttlSeconds: 60 } }),
    },
    {
      name: "A's customer",
      request: (v, own) => ({ body: { user: { mobile: v.mobile }, codes: [own.code], ttlSeconds: 60 } }),
    },
  ],
  'DELETE /v2/coupon/hold/{holdId}': [
    { name: "A's hold id", request: (v) => ({ params: { holdId: v.holdId } }) },
  ],
  'POST /coupon/api/v1/upload/file/{seriesId}': [
    {
      name: "A's series",
      request: (v) => ({ params: { seriesId: v.seriesId }, multipart: { customerIdentifier: 'NOT_TAGGED' } }),
    },
  ],
  'POST /coupon/api/v1/upload/redeemFile/{seriesId}': [
    {
      name: "A's series",
      request: (v) => ({
        params: { seriesId: v.seriesId },
        multipart: {
          customerIdentifier: 'MOBILE',
          couponIdentifier: 'COUPON_CODE',
          uploadHeaders: '{"mobile":0,"couponCode":1,"redeemedDateInMillis":2,"redeemedAt":3}',
        },
      }),
    },
  ],
  'GET /coupon/api/v1/upload/getUploadStatus/{seriesId}': [
    { name: "A's upload series", request: (v) => ({ params: { seriesId: v.uploadSeriesId } }) },
  ],
  'GET /coupon/api/v1/upload/getUploadRedeemedCouponStatus/{seriesId}': [
    { name: "A's upload series", request: (v) => ({ params: { seriesId: v.uploadSeriesId } }) },
  ],
  'GET /coupon/api/v1/upload/files/{name}': [
    { name: "A's error file", request: (v) => ({ params: { name: v.errorFile } }) },
    { name: "A's success file", request: (v) => ({ params: { name: v.successFile } }) },
  ],
  'POST /v2/webhooks': [
    {
      name: 'no ids',
      creates: true,
      request: () => ({ body: { url: 'http://127.0.0.1:9/b', events: ['coupon.redeemed'] } }),
    },
  ],
  'GET /v2/webhooks': [{ name: 'no ids', request: () => ({}) }],
  'DELETE /v2/webhooks/{id}': [{ name: "A's webhook id", request: (v) => ({ params: { id: v.webhookId } }) }],
  'GET /v2/webhooks/{id}/deliveries': [
    { name: "A's webhook id", request: (v) => ({ params: { id: v.webhookId } }) },
  ],
  'GET /v2/communications': [
    { name: "A's customer id", request: (v) => ({ query: { customerId: v.customerId } }) },
  ],
};
