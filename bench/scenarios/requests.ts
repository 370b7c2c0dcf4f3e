// The request scenarios: baseline (bare Fastify), is_redeemable of one code, redeem of one fresh
// pre-issued coupon per request, and issue to a new mobile per request. Each is a LoadSpec for load.ts.
import type { RequestSpec } from 'autocannon';
import { createSeries } from '../api.js';
import { mobile, randomCodes } from '../data.js';
import type { Instance } from '../instance.js';
import type { LoadSpec } from '../load.js';
import type { Options } from '../options.js';
import type { Running } from '../processes.js';
import type { Issued } from '../seed.js';

type Phase = Omit<LoadSpec, 'around'>;

function common(o: Options, server: Running, withPostgres: boolean) {
  return {
    url: server.url,
    connections: o.connections,
    warmupSeconds: o.warmupSeconds,
    seconds: o.seconds,
    serverPid: server.pid,
    withPostgres,
  };
}

/** The redeem request of the reference's sample, for one coupon and one bill. */
export function redeemBody(c: Issued, transactionNumber: string): string {
  return JSON.stringify({
    billAmount: '2000',
    transactionNumber,
    user: { mobile: c.mobile },
    redemptionRequestList: [{ code: c.code }],
  });
}

/**
 * Pre-issued coupons handed out one per request, never twice. Before each attempt `ensure` tops the
 * pool up (seeded in the database) to what the attempt can use at `rate` requests per second.
 */
export class CouponPool {
  private items: Issued[] = [];
  private next = 0;
  exhausted = false;

  get seeded(): number {
    return this.items.length;
  }

  /** `firstMobile` keeps two pools of one instance apart (mobile numbers are unique per org). */
  constructor(
    private readonly instance: Instance,
    private readonly seriesId: number,
    private readonly firstMobile = 0,
  ) {}

  async ensure(count: number): Promise<void> {
    const missing = count - (this.items.length - this.next);
    if (missing <= 0) return;
    const { seeder, org } = this.instance;
    const more = await seeder.issue(org.orgId, this.seriesId, this.firstMobile + this.items.length, missing);
    for (const c of more) this.items.push(c);
  }

  /** The next unused coupon (the last one again once exhausted: its redeem then fails, as it should). */
  take(): { coupon: Issued; index: number } {
    const index = this.next;
    if (index >= this.items.length) {
      this.exhausted = true;
      return { coupon: this.items[this.items.length - 1]!, index };
    }
    this.next++;
    return { coupon: this.items[index]!, index };
  }
}

/** How many coupons an attempt may use: the best rate seen (or a generous guess) for warm-up and run, plus a margin. */
export function couponsFor(o: Options, rate: number): number {
  return Math.ceil(rate * (o.warmupSeconds + o.seconds) * 1.3) + 1000;
}

export function baselineSpec(o: Options, server: Running, auth: string, withPostgres: boolean): Phase {
  // Bodies of the redeem request's exact length: same mobile and code lengths, same transaction tags.
  const codes = randomCodes(10_000);
  let n = 0;
  const requests = (): RequestSpec[] => [
    {
      method: 'POST',
      path: '/baseline',
      setupRequest: (req) => {
        const i = n++;
        req.body = redeemBody({ mobile: mobile(6, i), code: codes[i % codes.length]! }, `BENCH-${i}`);
        return req;
      },
    },
  ];
  return {
    ...common(o, server, withPostgres),
    method: 'POST',
    path: '/baseline',
    headers: { 'content-type': 'application/json', authorization: auth },
    requests,
  };
}

export function redeemSpec(o: Options, inst: Instance, pool: CouponPool): Phase {
  const requests = (): RequestSpec[] => [
    {
      method: 'POST',
      path: '/v2/coupon/redeem',
      setupRequest: (req) => {
        const { coupon, index } = pool.take();
        req.body = redeemBody(coupon, `BENCH-${index}`);
        return req;
      },
    },
  ];
  return {
    ...common(o, inst.server, inst.database.kind === 'postgres'),
    method: 'POST',
    path: '/v2/coupon/redeem',
    headers: { 'content-type': 'application/json', authorization: inst.client.auth },
    requests,
  };
}

export function isRedeemableSpec(o: Options, inst: Instance, coupon: Issued): Phase {
  const path = `/v2/coupon/is_redeemable?mobile=${coupon.mobile}&code=${coupon.code}`;
  return {
    ...common(o, inst.server, inst.database.kind === 'postgres'),
    method: 'GET',
    path,
    headers: { authorization: inst.client.auth },
  };
}

export async function issueSpec(o: Options, inst: Instance): Promise<Phase> {
  const seriesId = await createSeries(inst.client, 'bench issue');
  let n = 0; // one counter for every phase and attempt: each request names a customer never seen before
  const requests = (): RequestSpec[] => [
    {
      method: 'POST',
      path: '/v2/coupon/issue',
      setupRequest: (req) => {
        req.body = JSON.stringify({ seriesId, customer: { mobile: mobile(7, n++) } });
        return req;
      },
    },
  ];
  return {
    ...common(o, inst.server, inst.database.kind === 'postgres'),
    method: 'POST',
    path: '/v2/coupon/issue',
    headers: { 'content-type': 'application/json', authorization: inst.client.auth },
    requests,
  };
}
