// The v1.1 coupon calls (docs/api.md §14), one file per call, on the v2 services: same rules, limits,
// history, tenancy, auth, idempotency and metrics.
import type { FastifyInstance } from 'fastify';
import type { Services } from '../../../services/index.js';
import { v11CustomerCouponRoutes } from './customer-coupons.js';
import { v11GetRoutes } from './get.js';
import { v11IsRedeemableRoutes } from './isredeemable.js';
import { v11IssueRoutes } from './issue.js';
import { v11RedeemRoutes } from './redeem.js';
import { v11ResendRoutes } from './resend.js';
import { v11SeriesRoutes } from './series.js';

export function v11Routes(app: FastifyInstance, services: Services): void {
  v11IssueRoutes(app, services);
  v11ResendRoutes(app, services);
  v11GetRoutes(app, services);
  v11CustomerCouponRoutes(app, services);
  v11IsRedeemableRoutes(app, services);
  v11RedeemRoutes(app, services);
  v11SeriesRoutes(app, services);
}
