// Coupons: one issued code (or one pool code waiting to be issued).
import type { IsoDate } from './clock.js';

export type CouponOrigin = 'generated' | 'uploaded' | 'pool' | 'generic';

export interface Coupon {
  id: number;
  orgId: number;
  seriesId: number;
  /** Upper-case; codes match case-insensitively (docs/api.md §3). */
  code: string;
  isGeneric: boolean;
  /** Null while the code waits in the series pool. */
  customerId: number | null;
  issuedAt: number | null;
  /** The last valid local date; null while in the pool. */
  validTill: IsoDate | null;
  /** Active (not reactivated) redemptions. */
  redemptionCount: number;
  lastRedeemedAt: number | null;
  revokedAt: number | null;
  /** The latest expiry of any hold on the coupon; before then a hold may reserve it. */
  heldUntil: number | null;
  origin: CouponOrigin;
  createdAt: number;
}

/** One entry of a coupon's history (docs/api.md §9). */
export interface CouponEvent {
  type: string;
  at: number;
  actor: string;
  details: Record<string, unknown>;
}

/** One redemption of a coupon, as reactivation needs it. */
export interface Redemption {
  id: number;
  couponId: number;
  seriesId: number;
  customerId: number;
  billNumber: string | null;
  reactivatedAt: number | null;
}

const CODE = /^[A-Z0-9_-]{1,64}$/;

/** Upper-cases and trims a code from the wire; undefined when it is malformed (702). */
export function normaliseCode(raw: unknown): string | undefined {
  if (typeof raw !== 'string' && typeof raw !== 'number') return undefined;
  const code = String(raw).trim().toUpperCase();
  return CODE.test(code) ? code : undefined;
}
