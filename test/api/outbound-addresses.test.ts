// Outbound addresses (docs/reliability.md "Outbound addresses"): webhook and SMS gateway deliveries never
// connect to link-local or cloud-metadata addresses (169.254.0.0/16, fe80::/10, fd00:ec2::254) unless
// COUPOND_WEBHOOK_ALLOW names them. The check is made on the address the socket would connect to: a host
// name that resolves there is refused too. Names are resolved by an injected lookup (the seam
// DeliveryOptions.lookup), so no DNS or /etc/hosts entry is needed. Private networks stay allowed.
import type { LookupFunction } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { outboundRefusal } from '../../src/services/delivery.js';
import { createNotificationService } from '../../src/services/notifications.js';
import { createStores } from '../../src/storage/stores.js';
import { buildTestApp, TestClock, type TestApp, type TestClient } from '../support/build-test-app.js';
import { createSeries } from '../support/factories.js';
import { startReceiver, type Receiver } from '../support/receiver.js';

/** A resolver of made-up names: each answers the addresses given, as dns.lookup would. */
const NAMES: Record<string, { address: string; family: number }[]> = {
  'metadata.test': [{ address: '169.254.169.254', family: 4 }],
  'metadata6.test': [{ address: 'fd00:ec2::254', family: 6 }],
  'mixed.test': [
    { address: '169.254.169.254', family: 4 },
    { address: '127.0.0.1', family: 4 },
  ],
  'gateway.test': [{ address: '127.0.0.1', family: 4 }],
};
const lookups: string[] = [];
const lookup = ((hostname: string, options: { all?: boolean }, callback: (...a: unknown[]) => void) => {
  lookups.push(hostname);
  const found = NAMES[hostname];
  if (!found)
    return callback(Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' }));
  if (options.all) callback(null, found);
  else callback(null, found[0]!.address, found[0]!.family);
}) as unknown as LookupFunction;

const clock = new TestClock(Date.UTC(2026, 0, 15, 10, 0, 0));
let t: TestApp;
let rx: Receiver;
let org: TestClient;
let port: string;
const notifications = (allow?: string[]) =>
  createNotificationService({
    engine: t.app.engine,
    stores: createStores(t.app.engine),
    now: clock.now,
    delivery: { maxAttempts: 3, retryBaseMs: 1000, allow, lookup },
  });

beforeAll(async () => {
  t = await buildTestApp({ clock });
  rx = await startReceiver();
  port = new URL(rx.url).port;
});
afterAll(async () => {
  await t.close();
  await rx.close();
});
beforeEach(async () => {
  rx.received.length = 0;
  lookups.length = 0;
  org = await t.createOrg('outbound', { mobileCountryCode: '91' });
});

/** In a new org, subscribes `url` to issues, issues one coupon, delivers; answers the delivery log's first entry. */
async function deliverWebhookTo(url: string, allow?: string[]): Promise<any> {
  org = await t.createOrg('outbound webhook'); // one subscription per org: deliveries never mix
  const sub = await t.post('/v2/webhooks', { url, events: ['coupon.issued'] }, org);
  expect(sub.status, sub.text).toBe(200);
  const s = await createSeries(t, { description: 'x', isSMSDisabled: true }, org);
  expect(
    (await t.post('/v2/coupon/issue', { seriesId: s.id, customer: { mobile: '9876500001' } }, org)).status,
  ).toBe(200);
  const service = notifications(allow);
  await service.fanOut();
  expect(await service.deliverWebhooks()).toBe(1);
  return (await t.get(`/v2/webhooks/${sub.body.id}/deliveries`, org)).body.deliveries[0];
}

describe('webhook deliveries', () => {
  it('refuse a host name that resolves to the cloud metadata address, and say why in the delivery log', async () => {
    const d = await deliverWebhookTo(`http://metadata.test:${port}/latest/meta-data`);
    expect(lookups).toContain('metadata.test'); // the name was resolved, and the answer checked
    expect(d.status).toBe('pending'); // a failed attempt, retried later like any other
    expect(d.lastError).toBe(
      'refused: metadata.test resolves to 169.254.169.254, a link-local or cloud metadata address (COUPOND_WEBHOOK_ALLOW does not name it)',
    );
    expect(rx.received).toHaveLength(0);
  });

  it('refuse a name resolving to the IPv6 metadata address', async () => {
    const d = await deliverWebhookTo(`http://metadata6.test:${port}/`);
    expect(d.lastError).toContain('fd00:ec2::254, a link-local or cloud metadata address');
  });

  it('refuse link-local and metadata addresses written in the URL, without connecting', async () => {
    for (const host of [
      '169.254.169.254',
      '169.254.1.1',
      '[fe80::1]',
      '[fd00:ec2::254]',
      '[::ffff:169.254.169.254]',
    ]) {
      const d = await deliverWebhookTo(`http://${host}:${port}/hook`);
      expect(d.lastError, host).toMatch(/^refused: .* a link-local or cloud metadata address/);
    }
    expect(lookups).toEqual([]);
  });

  it('connect only to the allowed address of a name that resolves to both', async () => {
    const d = await deliverWebhookTo(`http://mixed.test:${port}/hook`);
    expect(d).toMatchObject({ status: 'delivered', lastError: null });
    expect(rx.received).toHaveLength(1);
  });

  it('still reach private networks (a name resolving to 127.0.0.1, and the address itself)', async () => {
    expect(await deliverWebhookTo(`http://gateway.test:${port}/hook`)).toMatchObject({ status: 'delivered' });
    expect(await deliverWebhookTo(`http://127.0.0.1:${port}/hook`)).toMatchObject({ status: 'delivered' });
    expect(rx.received).toHaveLength(2);
  });
});

describe('SMS gateway deliveries', () => {
  it('refuse a gateway whose name resolves to the metadata address, and say why on the message', async () => {
    await t.put('/v2/org/settings', { smsWebhookUrl: `http://metadata.test:${port}/sms` }, org);
    const s = await createSeries(
      t,
      { description: 'x', isSMSDisabled: false, smsTemplate: 'code {{voucher}}' },
      org,
    );
    const r = await t.post('/v2/coupon/issue', { seriesId: s.id, customer: { mobile: '9876500002' } }, org);
    expect(r.status, r.text).toBe(200);
    expect(await notifications().deliverSms()).toBe(1);
    const m = (await t.get(`/v2/communications?customerId=${r.body.customer.id}`, org)).body.messages[0];
    expect(m.lastError).toContain('metadata.test resolves to 169.254.169.254');
    expect(rx.received).toHaveLength(0);
  });
});

describe('the address check', () => {
  it('lets COUPOND_WEBHOOK_ALLOW name a metadata address or host, and leaves private ranges alone', () => {
    expect(outboundRefusal('169.254.169.254', undefined)).toBeDefined();
    expect(outboundRefusal('169.254.169.254', ['169.254.169.254'])).toBeUndefined();
    expect(outboundRefusal('169.254.169.254', ['metadata.test'], 'metadata.test')).toBeUndefined();
    expect(outboundRefusal('169.254.169.254', ['*.test'], 'metadata.test')).toBeDefined(); // a pattern is not a name
    expect(outboundRefusal('fe80::abcd', undefined)).toBeDefined();
    expect(outboundRefusal('febf::1', undefined)).toBeDefined();
    expect(outboundRefusal('fec0::1', undefined)).toBeUndefined();
    for (const ip of ['10.0.0.1', '192.168.1.1', '172.16.0.1', '127.0.0.1', '::1', 'fd00::1', '169.255.0.1'])
      expect(outboundRefusal(ip, undefined), ip).toBeUndefined();
  });
});
