// Changing the bill of redemptions after the fact (PUT /v2/coupon/redeem; docs/api.md §7): the bill number,
// bill amount, bill id and custom fields of active redemptions, each on its own, with a history event. The
// redemption checks do not run again and the discount stays as recorded.
import type { Customer, CustomerRef } from '../domain/customer.js';
import { CouponError, type CouponErrorName } from '../domain/errors.js';
import { formatMoney, type Money } from '../domain/money.js';
import { actorOf, type Principal } from '../domain/principal.js';
import type { RedemptionBill } from '../storage/redemption-store.js';
import { RetryConflict } from '../storage/script.js';
import { resolveCustomer } from './customers.js';
import type { AnswerInWork, StorageDeps } from './deps.js';

/** At most this many redemptions in one update (the redeem limit). */
export const MAX_REDEMPTION_UPDATES = 100;

export interface RedemptionChange {
  redemptionId: number;
  bill: Money;
  /** undefined keeps the recorded bill number; null clears it. */
  billNumber?: string | null;
  /** undefined keeps the recorded bill id. */
  billId?: string | null;
  /** Merged into the redemption's custom fields (a key given again is replaced). */
  customFields?: Readonly<Record<string, string>>;
}

export interface RedemptionChangeOutcome {
  change: RedemptionChange;
  /** undefined when the change was made. */
  refused?: CouponErrorName;
  billNumber: string | null;
  billId: string | null;
  customFields: Record<string, string>;
}

export interface RedemptionUpdateResult {
  customer: Customer | null;
  items: RedemptionChangeOutcome[];
}

/**
 * What `redemption.details` holds: an upload row's details text, and the custom fields of this endpoint.
 * A details text that is not this JSON is kept under `details`.
 */
function parseDetails(raw: string | null): { details?: string; customFields: Record<string, string> } {
  if (raw === null) return { customFields: {} };
  try {
    const v = JSON.parse(raw) as unknown;
    if (typeof v === 'object' && v !== null && 'customFields' in v) {
      const o = v as { details?: unknown; customFields?: unknown };
      return {
        ...(typeof o.details === 'string' ? { details: o.details } : {}),
        customFields: (o.customFields ?? {}) as Record<string, string>,
      };
    }
  } catch {
    // plain text: an upload row's details
  }
  return { details: raw, customFields: {} };
}

export function createRedemptionUpdateService(deps: StorageDeps) {
  const { engine, stores, now } = deps;
  return {
    /** Changes each redemption's bill on its own; an unknown, undone, foreign or other customer's id is 510. */
    async update(
      p: Principal,
      input: { ref: CustomerRef | undefined; changes: readonly RedemptionChange[] },
      answer?: AnswerInWork<RedemptionUpdateResult>,
    ): Promise<RedemptionUpdateResult> {
      if (input.changes.length === 0) throw new CouponError('NoRedemptionIds');
      if (input.changes.length > MAX_REDEMPTION_UPDATES)
        throw new CouponError('InvalidInput', `redemptions: at most ${MAX_REDEMPTION_UPDATES}`);
      const t = now();
      const org = p.orgId;
      return engine.run(
        function* () {
          const named = input.ref
            ? (yield* resolveCustomer(stores, p.org, input.ref, { register: false, now: t })).customer
            : undefined;
          // Lock in id order (no deadlock between two updates), then change in request order.
          const ids = [...new Set(input.changes.map((c) => c.redemptionId))].sort((a, b) => a - b);
          const bills = new Map<number, RedemptionBill>();
          for (const id of ids) {
            const b = yield* stores.redemption.lockBill(org, id);
            if (b && (named === undefined || b.customerId === named.id)) bills.set(id, b);
          }
          const items: RedemptionChangeOutcome[] = [];
          for (const change of input.changes) {
            const b = bills.get(change.redemptionId);
            if (!b) {
              items.push({
                change,
                refused: 'RedemptionIdsInvalid',
                billNumber: change.billNumber ?? null,
                billId: change.billId ?? null,
                customFields: { ...change.customFields },
              });
              continue;
            }
            const before = parseDetails(b.details);
            const customFields = { ...before.customFields, ...change.customFields };
            const after = {
              ...b,
              billNumber: change.billNumber === undefined ? b.billNumber : change.billNumber,
              bill: formatMoney(change.bill),
              billId: change.billId === undefined ? b.billId : change.billId,
              details:
                Object.keys(customFields).length === 0 && before.details === undefined
                  ? null
                  : JSON.stringify({
                      ...(before.details === undefined ? {} : { details: before.details }),
                      customFields,
                    }),
            };
            if (!(yield* stores.redemption.updateBill(org, after)))
              throw new RetryConflict('redemption undone');
            bills.set(b.id, after);
            yield* stores.event.add({
              org,
              coupon: b.couponId,
              series: b.seriesId,
              customer: b.customerId,
              type: 'redemption_updated',
              at: t,
              actor: actorOf(p),
              details: JSON.stringify({
                redemptionId: b.id,
                before: { transactionNumber: b.billNumber, billAmount: b.bill, billId: b.billId },
                after: { transactionNumber: after.billNumber, billAmount: after.bill, billId: after.billId },
                customFields,
              }),
            });
            items.push({ change, billNumber: after.billNumber, billId: after.billId, customFields });
          }
          const first = bills.values().next().value;
          const customer =
            named ?? (first ? ((yield* stores.customer.findById(org, first.customerId)) ?? null) : null);
          const done = { customer, items };
          if (answer) yield* answer(done);
          return done;
        },
        { write: true },
      );
    },
  };
}

export type RedemptionUpdateService = ReturnType<typeof createRedemptionUpdateService>;
