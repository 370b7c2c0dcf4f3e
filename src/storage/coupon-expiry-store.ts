// A coupon's own expiry (`coupon.valid_till`), as PUT /v2/coupon/bulk/expiry changes it (docs/api.md §6 "Expiry").
import type { Engine } from './database.js';
import { prepare, write, type Params, type Script } from './script.js';

export function createCouponExpiryStore(engine: Engine) {
  const db = engine.kysely;
  const set = prepare((p: Params<{ org: number; id: number; validTill: string }>) =>
    db
      .updateTable('coupon')
      .set({ valid_till: p.validTill })
      .where('org_id', '=', p.org)
      .where('id', '=', p.id)
      .where('revoked_at', 'is', null),
  );
  return {
    /** Sets the last valid date of a coupon that is not revoked; false when it is (revoked meanwhile). */
    *setValidTill(org: number, id: number, validTill: string): Script<boolean> {
      return (yield* write(set, { org, id, validTill })) === 1;
    },
  };
}
