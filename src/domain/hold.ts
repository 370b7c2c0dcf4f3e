// Holds (docs/api.md §8): coupons reserved for one checkout, identified by its hold id or its bill number,
// until the checkout redeems them, releases them, or the hold expires.

/** 'active' until consumed by a redeem, released, or expired; an active hold past `expiresAt` counts for nothing. */
export type HoldStatus = 'active' | 'consumed' | 'released' | 'expired';

export interface Hold {
  id: number;
  customerId: number;
  status: HoldStatus;
  expiresAt: number;
}

/** One coupon of a hold. */
export interface HoldItem {
  couponId: number;
  seriesId: number;
  customerId: number;
  status: HoldStatus;
}
