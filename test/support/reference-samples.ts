// The sample payloads of the reference API (the retail CRM's coupon API documentation; docs/api.md), verbatim: the wire format
// that compatibility tests compare coupond's answers with. One file per endpoint family under reference-samples/.

export * from './reference-samples/coupons.js';
export * from './reference-samples/redeem.js';
export * from './reference-samples/series.js';
export * from './reference-samples/uploads.js';
