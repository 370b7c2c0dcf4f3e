// The write phase of the redemption pipeline: carries out a plan of domain/redemption.ts with guarded
// statements, deciding nothing. A guard that changes no row means the world moved since the load; the
// script throws RetryConflict and its transaction runs again from the load (docs/architecture.md). Nothing
// here waits for an answer it does not use: on PostgreSQL the guards, the rows and the events travel
// together with the COMMIT, in one round trip (docs/architecture.md "Round trips on PostgreSQL").
import { formatMoney } from '../../domain/money.js';
import type { Checkout, RedemptionPlan } from '../../domain/redemption.js';
import type { Script } from '../../storage/script.js';
import type { Stores } from '../../storage/stores.js';

/** Who records the redemptions, and when; an upload row adds its job, bill id and details. */
export interface Recording {
  org: number;
  customerId: number;
  clientId: number | null;
  actor: string;
  /** When coupond records it (the redemption itself happened at `checkout.at`). */
  now: number;
  upload?: { jobId: number; billId: string | null; details: string | null };
  /** Custom fields of the request, kept in `details` as PUT /v2/coupon/redeem keeps them (services/redeem-update.ts). */
  customFields?: Readonly<Record<string, string>> | undefined;
}

/** What a redemption row's `details` holds: an upload row's text, or the request's custom fields as JSON. */
function detailsOf(r: Recording): string | null {
  if (r.upload) return r.upload.details;
  const fields = r.customFields ?? {};
  return Object.keys(fields).length === 0 ? null : JSON.stringify({ customFields: fields });
}

/** Writes the planned redemptions: the coupon's use, the customer's and the series' counts, the row, the event. */
export function* writeRedemptions(
  stores: Stores,
  plan: RedemptionPlan,
  checkout: Checkout,
  r: Recording,
  /** Redemption ids taken during the load (PostgreSQL), used in order; the insert answers one otherwise. */
  newIds: readonly number[] = [],
): Script<void> {
  const { org, customerId: customer, now } = r;
  const at = checkout.at;
  const ids = [...newIds];
  for (const use of plan.uses) {
    const { coupon, series, discount } = use;
    // Each throws RetryConflict when its guard changes no row.
    yield* stores.coupon.addUseIfCountIs(org, coupon.id, use.couponUsesBefore, at);
    yield* stores.customerSeries.addRedemptionIfCountIs({
      org,
      customer,
      series: series.id,
      expected: use.customerUsesBefore,
      at,
    });
    yield* stores.counter.addRedemptionWithinMaxRedeem({
      org,
      series: series.id,
      version: series.configVersion,
      at,
      maxRedeem: series.maxRedeem,
    });
    const redemptionId = yield* stores.redemption.insert(
      {
        org,
        coupon: coupon.id,
        series: series.id,
        customer,
        billNumber: checkout.billNumber,
        bill: checkout.bill,
        discount,
        till: checkout.tillId,
        client: r.clientId,
        redeemedAt: at,
        recordedAt: now,
        hold: checkout.holdId,
        origin: r.upload ? 'upload' : 'api',
        billId: r.upload?.billId ?? null,
        details: detailsOf(r),
        uploadJob: r.upload?.jobId ?? null,
      },
      ids.shift(),
    );
    use.outcome.redemptionId = redemptionId;
    yield* stores.event.add({
      org,
      coupon: coupon.id,
      series: series.id,
      customer,
      type: r.upload ? 'imported' : 'redeemed',
      at: now,
      actor: r.actor,
      details: JSON.stringify({
        redemptionId,
        transactionNumber: checkout.billNumber,
        billAmount: checkout.bill === undefined ? null : formatMoney(checkout.bill),
        discountAmount: formatMoney(discount),
        tillId: checkout.tillId,
        redeemedAt: at,
        ...(checkout.billTime === undefined ? {} : { redemptionTime: checkout.billTime }),
      }),
    });
    for (const hold of use.consumesHolds) yield* stores.hold.consumeItem(org, hold, coupon.id, now);
  }
}

/** Writes a hold of the plan's coupons for this checkout until `expiresAt`, with a `held` event each. */
export function* writeHold(
  stores: Stores,
  plan: RedemptionPlan,
  checkout: Checkout,
  r: Recording,
  expiresAt: number,
  /** The id taken beforehand (PostgreSQL), if any. */
  id?: number,
): Script<number> {
  const { org, customerId: customer, now } = r;
  const billNumber = checkout.billNumber;
  const holdId = yield* stores.hold.insert(
    { org, customer, client: r.clientId, billNumber, bill: checkout.bill, now, expires: expiresAt },
    id,
  );
  for (const coupon of plan.coupons) {
    const series = coupon.seriesId;
    yield* stores.hold.addItem({
      org,
      hold: holdId,
      coupon: coupon.id,
      series,
      customer,
      billNumber,
      expires: expiresAt,
    });
    yield* stores.coupon.markHeld(org, coupon.id, expiresAt);
    yield* stores.event.add({
      org,
      coupon: coupon.id,
      series,
      customer,
      type: 'held',
      at: now,
      actor: r.actor,
      details: JSON.stringify({ holdId, expiresAt, transactionNumber: billNumber }),
    });
  }
  return holdId;
}
