// What the in-process diagnostics share (cpu-per-request.ts, in-process.ts, ab-inject.ts): the settings of
// a measured app (no background worker, the per-client rate limit out of reach), an org and its client, a
// JSON call through inject with that client's credentials, and a coupon to check. Diagnostics only: nothing here is a target.

/** The configuration's variables for a measured app with its data in `dataDir`. */
export const benchEnv = (dataDir: string, extra: Record<string, string> = {}): Record<string, string> => ({
  LOG_LEVEL: 'warn',
  COUPOND_WORKER: 'off',
  COUPOND_DATA_DIR: dataDir,
  COUPOND_RATE_LIMIT_PER_MINUTE: '1000000000',
  ...extra,
});

/** The part of coupond's app these scripts use (an app built from any checkout's sources). */
export interface InjectableApp {
  http: {
    inject(o: { method: string; url: string; headers: Record<string, string>; payload?: object }): Promise<{
      statusCode: number;
      body: string;
    }>;
  };
  services: {
    orgs: {
      createOrg(o: { name: string; mobileCountryCode: null }): Promise<{
        orgId: number;
        key: string;
        secret: string;
      }>;
    };
  };
}

/** A new org's client on `app`, and a call as that client that answers the JSON body of a 200. */
export async function asNewClient(app: InjectableApp) {
  const client = await app.services.orgs.createOrg({ name: 'bench', mobileCountryCode: null });
  const authorization = `Basic ${Buffer.from(`${client.key}:${client.secret}`).toString('base64')}`;
  const inject = async (method: 'GET' | 'POST', url: string, payload?: object): Promise<any> => {
    const r = await app.http.inject({
      method,
      url,
      headers: { authorization },
      ...(payload ? { payload } : {}),
    });
    if (r.statusCode !== 200) throw new Error(`${method} ${url}: ${r.statusCode} ${r.body}`);
    return JSON.parse(r.body);
  };
  return { client, authorization, inject };
}

/** A series (a discount code, valid five more years) and one coupon of it issued to a new customer. */
export async function oneIssuedCoupon(
  inject: (method: 'GET' | 'POST', url: string, payload?: object) => Promise<any>,
): Promise<{ mobile: string; code: string }> {
  const series = await inject('POST', '/v2/coupon/series', {
    description: 'cpu',
    discountCode: 'CPU',
    discountType: 'ABS',
    discountValue: 10,
    clientHandlingType: 'DISC_CODE',
    expiryStrategyType: 'SERIES_EXPIRY',
    expiryStrategyValue: 1,
    validTillDate: `${new Date().getUTCFullYear() + 5}-12-31`,
    anyUser: false,
    smsTemplate: 'x {{voucher}}',
    isSMSDisabled: true,
  });
  const mobile = '9800000001';
  const coupon = await inject('POST', '/v2/coupon/issue', { seriesId: series.id, customer: { mobile } });
  return { mobile, code: coupon.code as string };
}
