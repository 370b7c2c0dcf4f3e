// The OpenAPI document (/openapi.json, Swagger UI at /docs), made for client generators. Everything here
// is documentation only: validation and serialisation use the route schemas as the route files declare
// them. One transform, applied to every route as the document is built, adds what the route files leave
// out: an operationId (from the table below, else derived from the method and path), a description on
// every response, shared component schemas in place of their inline copies, the multipart forms of the
// uploads, and no security requirement on routes that need no credentials.
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance, FastifySchema, RouteOptions } from 'fastify';
import type { TSchema } from 'typebox';
import Type from 'typebox';
import { ErrorEntrySchema, ErrorReply, UploadErrorReply } from './wire/common.js';
import { CouponDetails, CustomerRefBody, IssueBody, IssuedCoupon } from './wire/coupon.js';
import { CustomerReply, RegisterBody } from './wire/customer.js';
import {
  CheckedItem,
  HoldBody,
  ReactivateBody,
  RedeemBody,
  RedeemedItem,
  RedemptionStatus,
} from './wire/redemption.js';
import { SeriesBody, SeriesCreateReply, SeriesReply } from './wire/series.js';
import {
  CodeJobStatus,
  CodeUploadForm,
  CodeUploadReply,
  RedeemJobStatus,
  RedeemUploadReply,
  RedemptionUploadForm,
} from './wire/upload.js';

/** Schemas documented once under components.schemas and referenced wherever a route uses them. */
const COMPONENTS: Record<string, TSchema> = {
  ErrorEntry: ErrorEntrySchema,
  ErrorReply,
  UploadErrorReply,
  CustomerRef: CustomerRefBody,
  Customer: CustomerReply,
  CustomerRegistration: RegisterBody,
  SeriesInput: SeriesBody,
  Series: SeriesReply,
  SeriesCreated: SeriesCreateReply,
  IssueRequest: IssueBody,
  IssuedCoupon,
  Coupon: CouponDetails,
  RedeemRequest: RedeemBody,
  RedemptionStatus,
  RedeemedCoupon: RedeemedItem,
  CheckedCoupon: CheckedItem,
  HoldRequest: HoldBody,
  ReactivateRequest: ReactivateBody,
  UploadJob: CodeJobStatus,
  RedeemedUploadJob: RedeemJobStatus,
  UploadJobs: CodeUploadReply,
  RedeemedUploadJobs: RedeemUploadReply,
  CodeUploadForm,
  RedemptionUploadForm,
};

interface OperationDoc {
  id: string;
  /** A request body to document where the route reads one itself (the multipart uploads). */
  body?: TSchema;
  /** Responses to document where the route declares no schema (a file, Prometheus text). */
  responses?: Record<string, TSchema>;
  produces?: string[];
}

const CSV = Type.String({ format: 'binary', description: 'the CSV file' });

/** Operation ids by route (method and Fastify path); a route missing here gets one derived from both. */
const OPERATIONS: Record<string, OperationDoc> = {
  'GET /health': { id: 'getHealth' },
  'GET /ready': { id: 'getReadiness' },
  'GET /metrics': {
    id: 'getMetrics',
    responses: { 200: Type.String({ description: 'Prometheus text exposition format' }) },
    produces: ['text/plain'],
  },
  'POST /v3/oauth/token/generate': { id: 'generateToken' },
  'POST /oauth/token': { id: 'getOAuthToken' },
  'GET /v2/org/settings': { id: 'getOrgSettings' },
  'PUT /v2/org/settings': { id: 'updateOrgSettings' },
  'POST /v2/customers': { id: 'registerCustomer' },
  'GET /v2/customers/lookup': { id: 'lookupCustomer' },
  'POST /v2/coupon/series': { id: 'createCouponSeries' },
  'GET /v2/coupon/series': { id: 'getCouponSeries' },
  'PUT /v2/coupon/series/:id': { id: 'updateCouponSeries' },
  'GET /v2/coupon/series/:id/stats': { id: 'getCouponSeriesStats' },
  'POST /v2/coupon/issue': { id: 'issueCoupon' },
  'POST /v2/coupon/bulk/issue': { id: 'issueCouponsOfSeveralSeries' },
  'POST /v2/coupon/issue/multiple': { id: 'issueMultipleCoupons' },
  'GET /v2/coupon': { id: 'getCoupons' },
  'POST /v2/coupon/revoke': { id: 'revokeCoupons' },
  'GET /v2/coupon/:id/history': { id: 'getCouponHistory' },
  'GET /v2/coupon/is_redeemable': { id: 'checkCouponsRedeemable' },
  'POST /v2/coupon/redeem': { id: 'redeemCoupons' },
  'POST /v2/coupon/bulk/redeem': { id: 'bulkRedeemCoupons' },
  'POST /v2/coupon/reactivate': { id: 'reactivateRedemptions' },
  'POST /v2/coupon/hold': { id: 'holdCoupons' },
  'DELETE /v2/coupon/hold/:holdId': { id: 'releaseHold' },
  'POST /v2/webhooks': { id: 'createWebhook' },
  'GET /v2/webhooks': { id: 'listWebhooks' },
  'DELETE /v2/webhooks/:id': { id: 'deleteWebhook' },
  'GET /v2/webhooks/:id/deliveries': { id: 'listWebhookDeliveries' },
  'GET /v2/communications': { id: 'listCommunications' },
  'POST /coupon/api/v1/upload/file/:seriesId': { id: 'uploadCoupons', body: CodeUploadForm },
  'POST /coupon/api/v1/upload/redeemFile/:seriesId': {
    id: 'uploadRedeemedCoupons',
    body: RedemptionUploadForm,
  },
  'GET /coupon/api/v1/upload/getUploadStatus/:seriesId': { id: 'getUploadStatus' },
  'GET /coupon/api/v1/upload/getUploadRedeemedCouponStatus/:seriesId': { id: 'getRedeemedUploadStatus' },
  'GET /coupon/api/v1/upload/files/:name': { id: 'downloadUploadResult', responses: { 200: CSV } },
};

const RESPONSE_DESCRIPTIONS: Record<string, string> = {
  200: 'Done: the answer',
  201: 'Done in part: the answer lists what was done and what was refused',
  400: 'Refused as a whole: the answer lists each refusal',
  503: 'Not ready: the database does not answer',
  '4xx':
    'Refused: `errors` lists each problem with its numeric code and a message naming the field or rule ' +
    '(the catalogue is docs/errors.md in the coupond repository)',
  '5xx': 'Internal error: the message carries the request id and nothing else',
};

/** A derived operationId: `GET /v2/coupon/:id/history` → `getV2CouponIdHistory`. */
export function deriveOperationId(method: string, url: string): string {
  const words = [method.toLowerCase(), ...url.split(/[^A-Za-z0-9]+/).filter(Boolean)];
  return words.map((w, i) => (i === 0 ? w : w[0]!.toUpperCase() + w.slice(1))).join('');
}

const componentOf = new Map<unknown, string>(Object.entries(COMPONENTS).map(([name, s]) => [s, name]));

/** A copy of a schema with every shared component in it replaced by a reference (`self` stays inline). */
function withRefs(schema: unknown, self?: unknown): unknown {
  if (schema !== self && componentOf.has(schema)) return { $ref: `${componentOf.get(schema)}#` };
  if (Array.isArray(schema)) return schema.map((s) => withRefs(s));
  if (schema === null || typeof schema !== 'object') return schema;
  return Object.fromEntries(Object.entries(schema).map(([k, v]) => [k, withRefs(v)]));
}

/** The schema the document shows for a route (the route keeps its own for validation). */
function documented(route: RouteOptions): FastifySchema | undefined {
  if (route.schema?.hide) return route.schema;
  const schema: FastifySchema & Record<string, unknown> = { ...(route.schema ?? {}) };
  const method = Array.isArray(route.method) ? route.method[0]! : route.method;
  const op = OPERATIONS[`${method} ${route.url}`];
  schema.operationId ??= op?.id ?? deriveOperationId(method, route.url);
  // Routes that name no scope are public: no lock in Swagger UI, no credentials in generated clients.
  if (!route.config?.scope) schema.security = [];
  if (op?.body) schema.body = op.body;
  if (op?.produces) schema.produces = op.produces;
  if (schema.body) schema.body = withRefs(schema.body);
  const responses = { ...((schema.response as Record<string, unknown>) ?? {}), ...(op?.responses ?? {}) };
  if (Object.keys(responses).length === 0) responses[200] = Type.Object({}, { additionalProperties: true });
  schema.response = Object.fromEntries(
    Object.entries(responses).map(([status, s]) => [
      status,
      // The description sits beside the schema (or its reference): the document takes it from there.
      {
        description:
          (op?.responses?.[status] as { description?: string } | undefined)?.description ??
          RESPONSE_DESCRIPTIONS[status] ??
          RESPONSE_DESCRIPTIONS[`${status[0]}xx`] ??
          'The answer',
        ...(withRefs(s) as object),
      },
    ]),
  );
  return schema;
}

export async function registerOpenApi(app: FastifyInstance, version: string): Promise<void> {
  for (const [name, schema] of Object.entries(COMPONENTS)) {
    app.addSchema({ ...(withRefs(schema, schema) as object), $id: name, title: name });
  }
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'coupond',
        version,
        description:
          'Coupon engine: series, issuing, checking and redeeming, uploads. Routes that need credentials ' +
          'take HTTP Basic (client key and secret), or a token from POST /v3/oauth/token/generate or ' +
          'POST /oauth/token as Bearer or in x-cap-api-oauth-token. The contract is docs/api.md in the ' +
          'coupond repository; every error code is in docs/errors.md.',
      },
      components: {
        securitySchemes: {
          basic: { type: 'http', scheme: 'basic' },
          bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
          capToken: { type: 'apiKey', in: 'header', name: 'x-cap-api-oauth-token' },
        },
      },
      security: [{ basic: [] }, { bearer: [] }, { capToken: [] }],
    },
    refResolver: {
      buildLocalReference: (json, _baseUri, _fragment, i) =>
        typeof json.$id === 'string' ? json.$id : `def-${i}`,
    },
    transform: ({ schema, url, route }) => ({
      schema: documented({ ...route, schema } as RouteOptions) as typeof schema,
      url,
    }),
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
}
