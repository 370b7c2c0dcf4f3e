// Every store, created once per engine (their statements are compiled at creation). One store per table
// or tight group of tables; each answers domain types, and rows stay inside storage/.
import type { Engine } from './database.js';
import { createBulkStore } from './bulk-store.js';
import { createCounterStore } from './counter-store.js';
import { createCouponExpiryStore } from './coupon-expiry-store.js';
import { createCouponStore } from './coupon-store.js';
import { createCustomerSeriesStore } from './customer-series-store.js';
import { createCustomerCardStore } from './customer-card-store.js';
import { createCustomerStore } from './customer-store.js';
import { createEventStore } from './event-store.js';
import { createFileStore } from './file-store.js';
import { createHoldStore } from './hold-store.js';
import { createIdempotencyStore } from './idempotency-store.js';
import { createJobStore } from './job-store.js';
import { createNotificationStore } from './notification-store.js';
import { createOrgStore } from './org-store.js';
import { createRedemptionReadStore } from './redemption-read-store.js';
import { createRedemptionStore } from './redemption-store.js';
import { createSeriesStore } from './series-store.js';
import { createStatsStore } from './stats-store.js';
import { createThrottleStore } from './throttle-store.js';
import { createUploadStore } from './upload-store.js';
import { createWalletStore } from './wallet-store.js';

export function createStores(engine: Engine) {
  const counter = createCounterStore(engine);
  return {
    /**
     * Whether independent reads pay off in one batch (storage/script.ts `readBatch`): on PostgreSQL a batch
     * is one round trip instead of one per read; SQLite answers each read in-process, and its caches (series)
     * save reads a batch would make.
     */
    batching: engine.dialect === 'postgres',
    org: createOrgStore(engine),
    idempotency: createIdempotencyStore(engine),
    customer: createCustomerStore(engine),
    customerCard: createCustomerCardStore(engine),
    series: createSeriesStore(engine, counter),
    counter,
    coupon: createCouponStore(engine),
    customerSeries: createCustomerSeriesStore(engine),
    event: createEventStore(engine),
    hold: createHoldStore(engine),
    bulk: createBulkStore(engine),
    redemption: createRedemptionStore(engine),
    redemptionRead: createRedemptionReadStore(engine),
    notification: createNotificationStore(engine),
    job: createJobStore(engine),
    upload: createUploadStore(engine),
    file: createFileStore(engine),
    throttle: createThrottleStore(engine),
    stats: createStatsStore(engine),
    wallet: createWalletStore(engine),
    couponExpiry: createCouponExpiryStore(engine),
  };
}

export type Stores = ReturnType<typeof createStores>;
