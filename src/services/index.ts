// Builds every service from the storage engine: the composition the entry points (http, jobs, cli) use.
import { createOrgStore } from '../storage/org-store.js';
import { createStores, type Stores } from '../storage/stores.js';
import type { Engine } from '../storage/database.js';
import { createAttemptThrottle } from './attempt-throttle.js';
import { createSharedWindows } from './shared-windows.js';
import { createAuthService } from './auth.js';
import { createCouponService } from './coupons.js';
import { createCouponViewService } from './coupon-views.js';
import { createCustomerService } from './customers.js';
import { createIdempotencyService } from './idempotency.js';
import { createIssueService } from './issue-coupon.js';
import { createMetrics, type Metrics } from './metrics.js';
import { checkUrl, type DeliveryOptions } from './delivery.js';
import { createNotificationService } from './notifications.js';
import { createOrgService } from './orgs.js';
import { createPoolService } from './pool.js';
import { createReactivateService } from './reactivate.js';
import { createRedemptionUpdateService } from './redeem-update.js';
import { createResendService } from './resend-coupon.js';
import { createGuessGuard, createRedeemService } from './redemption/redeem.js';
import { createHoldService } from './redemption/holds.js';
import { createSeriesService } from './series.js';
import { createSeriesStatsService } from './series-stats.js';
import { createUploadRowService } from './upload-rows.js';
import { createUploadService } from './uploads.js';
import { createWalletService } from './wallet.js';
import { createCouponExpiryService } from './coupon-expiry.js';

/** The window failed attempts are counted in. */
const GUESS_WINDOW_MS = 15 * 60_000;

export interface ServiceOptions {
  jwtSecret: Uint8Array;
  tokenTtlSeconds: number;
  now?: () => number;
  metrics?: Metrics;
  /** Failed code attempts allowed per 15 minutes, per customer and per client (0 = no limit). */
  guessLimit?: { perCustomer: number; perClient: number };
  /** SMS and webhook delivery: retries, backoff and the allowed hosts. */
  delivery?: DeliveryOptions;
  /** The data folder (uploaded and result files) and the largest upload, from the configuration. */
  dataDir?: string;
  maxUploadBytes?: number;
  /**
   * Count the limits on callers across processes, through the database (a fleet on PostgreSQL, or several
   * processes on one SQLite file); otherwise each process counts in its memory.
   */
  sharedLimits?: boolean;
  /** Told when sharing the limits' counts with the database failed (they are retried the next tick). */
  onLimitsError?: (e: unknown) => void;
}

/**
 * Orgs and their API clients alone, on the org store alone: what the administrative commands use. (Creating
 * every store compiles every SQL statement, a good part of a command's start.)
 */
export function createAccountServices(
  engine: Engine,
  options: ServiceOptions,
  stores: Pick<Stores, 'org'> = { org: createOrgStore(engine) },
) {
  const now = options.now ?? Date.now;
  const auth = createAuthService({
    engine,
    stores,
    now,
    jwtSecret: options.jwtSecret,
    tokenTtlSeconds: options.tokenTtlSeconds,
  });
  const orgs = createOrgService({
    engine,
    stores,
    now,
    auth,
    checkGatewayUrl: (url) => checkUrl(url, options.delivery?.allow, 'smsWebhookUrl'),
  });
  return { auth, orgs };
}

export type AccountServices = ReturnType<typeof createAccountServices>;

export function createServices(engine: Engine, options: ServiceOptions) {
  const stores = createStores(engine);
  const now = options.now ?? Date.now;
  const base = { engine, stores, now };
  const metrics = options.metrics ?? createMetrics();
  const { auth, orgs } = createAccountServices(engine, options, stores);
  const delivery = options.delivery ?? { maxAttempts: 8, retryBaseMs: 2000, allow: undefined };
  const idempotency = createIdempotencyService(base);
  const customers = createCustomerService(base);
  const series = createSeriesService(base);
  const issuing = createIssueService({ ...base, metrics });
  const pool = createPoolService(base);
  const coupons = createCouponService(base);
  // The limits on callers, counted across the fleet when it shares them (services/shared-windows.ts): on the
  // services' clock for the guess throttles, on the real clock for the request rate and authentication.
  const sharing = options.sharedLimits
    ? { engine, stores, ...(options.onLimitsError ? { onError: options.onLimitsError } : {}) }
    : undefined;
  const guessWindows = createSharedWindows(now, sharing);
  const limits = createSharedWindows(Date.now, sharing);
  // docs/errors.md 429: failed code attempts are throttled so codes cannot be guessed by brute force.
  const guesses = createGuessGuard(base, {
    perCustomer: createAttemptThrottle(options.guessLimit?.perCustomer ?? 20, GUESS_WINDOW_MS, now, {
      windows: guessWindows,
      name: 'guess-customer',
    }),
    perClient: createAttemptThrottle(options.guessLimit?.perClient ?? 1000, GUESS_WINDOW_MS, now, {
      windows: guessWindows,
      name: 'guess-client',
    }),
    windowMs: GUESS_WINDOW_MS,
  });
  const redemption = createRedeemService({ ...base, metrics, guesses });
  const reactivation = createReactivateService(base);
  const holds = createHoldService({ ...base, guesses });
  const notifications = createNotificationService({ ...base, delivery });
  return {
    metrics,
    auth,
    orgs,
    idempotency,
    customers,
    series,
    issuing,
    pool,
    coupons,
    redemption,
    reactivation,
    holds,
    notifications,
    seriesStats: createSeriesStatsService(base),
    redemptionUpdate: createRedemptionUpdateService(base),
    couponViews: createCouponViewService(base),
    resend: createResendService(base),
    wallet: createWalletService(base),
    couponExpiry: createCouponExpiryService(base),
    uploads: createUploadService({
      ...base,
      dataDir: options.dataDir ?? './data',
      maxUploadBytes: options.maxUploadBytes ?? 200 * 1024 * 1024,
    }),
    uploadRows: createUploadRowService({ ...base, metrics, dataDir: options.dataDir ?? './data' }),
    ping: () => engine.ping(),
    /** The windows the request rate limit and the authentication throttles count in (http/protection.ts). */
    limits,
    /** Shares the limits' last counts and stops their tick (before the database closes). */
    async closeLimits(): Promise<void> {
      await Promise.all([guessWindows.close(), limits.close()]);
    },
  };
}

export type Services = ReturnType<typeof createServices>;
