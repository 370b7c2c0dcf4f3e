import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { issueToCustomer } from '../../src/services/issue-coupon.js';
import { verifySignature } from '../../src/services/webhook-signature.js';
import { createStores, type Stores } from '../../src/storage/stores.js';
import { buildTestApp, TestClock, type TestApp, type TestClient } from '../support/build-test-app.js';
import { createSeries, seriesBody } from '../support/factories.js';
import { startReceiver, type Receiver } from '../support/receiver.js';

const clock = new TestClock(Date.UTC(2026, 0, 15, 10, 0, 0));
let t: TestApp;
let rx: Receiver;
let org: TestClient;
let stores: Stores;
beforeAll(async () => {
  t = await buildTestApp({
    clock,
    env: { COUPOND_DELIVERY_MAX_ATTEMPTS: '3', COUPOND_DELIVERY_RETRY_BASE_MS: '1000' },
  });
  stores = createStores(t.app.engine);
  rx = await startReceiver();
});
afterAll(async () => {
  await t.close();
  await rx.close();
});
beforeEach(async () => {
  rx.received.length = 0;
  rx.script([], 200);
  // A fresh org per test: deliveries of one test never reach the next.
  org = await t.createOrg('notify', { mobileCountryCode: '91' });
  await t.put('/v2/org/settings', { smsWebhookUrl: `${rx.url}/sms` }, org);
});

/** Drives delivery by hand (the test app runs no background loop). */
const n = {
  sms: () => t.app.services.notifications.deliverSms(),
  webhooks: async () => {
    await t.app.services.notifications.fanOut();
    return t.app.services.notifications.deliverWebhooks();
  },
};

const series = (fields: Record<string, unknown> = {}) =>
  createSeries(
    t,
    {
      description: 'Diwali',
      discountValue: 10,
      isMultipleVouchersPerUserAllowed: true,
      smsTemplate: 'Hi {{first_name}}, {{voucher}} is yours: {{offer_name}}',
      isSMSDisabled: false,
      ...fields,
    },
    org,
  );
const issue = (seriesId: number, customer: Record<string, unknown>) =>
  t.post('/v2/coupon/issue', { seriesId, customer }, org);

describe('SMS on issue', () => {
  it('delivers the rendered template to the org gateway and lists it under the customer', async () => {
    const s = await series();
    const r = await issue(s.id, { mobile: '9876543210', firstName: 'Asha' });
    expect(r.status).toBe(200);
    expect(await n.sms()).toBe(1);
    expect(rx.received).toHaveLength(1);
    expect(rx.received[0]!.path).toBe('/sms');
    expect(rx.received[0]!.json).toEqual({
      messageId: expect.any(Number),
      mobile: '919876543210',
      text: `Hi Asha, ${r.body.code} is yours: Diwali`,
      couponCode: r.body.code,
      customerId: r.body.customer.id,
    });
    const list = await t.get(`/v2/communications?customerId=${r.body.customer.id}`, org);
    expect(list.body.messages).toHaveLength(1);
    expect(list.body.messages[0]).toMatchObject({
      status: 'delivered',
      attempts: 1,
      mobile: '919876543210',
      couponId: r.body.id,
    });
  });

  it('sends nothing when SMS is disabled, the customer has no mobile, or the template is empty', async () => {
    await issue((await series({ isSMSDisabled: true })).id, { mobile: '9876500001' });
    await issue((await series()).id, { email: 'no.mobile@example.com' });
    // An empty template is only accepted on a series that sends no SMS (issue 20).
    const noText = await t.post('/v2/coupon/series', seriesBody({ smsTemplate: '', isSMSDisabled: false }));
    expect(noText.body.errors[0].message).toMatch(/smsTemplate/);
    await issue((await series({ smsTemplate: '', isSMSDisabled: true })).id, { mobile: '9876500002' });
    expect(await n.sms()).toBe(0);
    expect(rx.received).toHaveLength(0);
  });

  it('leaves an unknown tag out of the message and reports it on the issue response', async () => {
    const s = await series({ smsTemplate: 'Code {{voucher}} worth {{points}} points' });
    const r = await issue(s.id, { mobile: '9876500003' });
    expect(r.status).toBe(200);
    expect(r.body.warnings).toEqual([
      {
        code: 700,
        reason: 'UNKNOWN_SMS_TAG',
        message: 'smsTemplate: unknown tag {{points}} left out of the message',
      },
    ]);
    await n.sms();
    expect(rx.received[0]!.json.text).toBe(`Code ${r.body.code} worth points`);
  });

  it('retries after the gateway answers 500, with backoff, and gives up after the limit', async () => {
    const s = await series();
    const a = await issue(s.id, { mobile: '9876500004' });
    rx.script([500, 500]);
    await n.sms();
    expect(rx.received).toHaveLength(1);
    // The retry waits for its backoff (1 s after the first failure, 2 s after the second).
    expect(await n.sms()).toBe(0);
    clock.advance(1000);
    await n.sms();
    clock.advance(2000);
    await n.sms();
    expect(rx.received).toHaveLength(3);
    const ok = (await t.get(`/v2/communications?customerId=${a.body.customer.id}`, org)).body.messages[0];
    expect(ok).toMatchObject({ status: 'delivered', attempts: 3 });

    const b = await issue(s.id, { mobile: '9876500005' });
    rx.script([], 500);
    for (let i = 0; i < 5; i++) {
      await n.sms();
      clock.advance(10_000);
    }
    const failed = (await t.get(`/v2/communications?customerId=${b.body.customer.id}`, org)).body.messages[0];
    expect(failed).toMatchObject({ status: 'failed', attempts: 3, lastError: 'HTTP 500' });
  });

  it('writes no message for an issue that rolls back', async () => {
    const s = await series();
    const settings = await t.app.services.orgs.getSettings(org.orgId);
    const before = await t.app.engine.kysely
      .selectFrom('outbox_message')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('org_id', '=', org.orgId)
      .executeTakeFirstOrThrow();
    const { customer } = await t.app.services.customers.register(settings, {
      identifiers: [{ type: 'mobile', value: '9876500006' }],
    });
    await expect(
      t.app.engine.run(
        function* () {
          const outcome = yield* issueToCustomer(stores, settings, customer, s.id, clock.now(), {
            actor: 'test',
            tillId: null,
            via: 'api',
          });
          expect(outcome.kind).toBe('issued');
          throw new Error('the rest of the transaction failed');
        },
        { write: true },
      ),
    ).rejects.toThrow('the rest of the transaction failed');
    const after = await t.app.engine.kysely
      .selectFrom('outbox_message')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('org_id', '=', org.orgId)
      .executeTakeFirstOrThrow();
    expect(Number(after.n)).toBe(Number(before.n));
    expect(await n.sms()).toBe(0);
  });

  it('sends a message again after a server died mid-delivery, and records it once', async () => {
    const s = await series();
    const r = await issue(s.id, { mobile: '9876500007' });
    // A server claims the message and dies before recording anything.
    const claimed = await t.app.engine.run(() => stores.notification.claimMessages(clock.now(), 60_000, 10), {
      write: true,
    });
    expect(claimed).toHaveLength(1);
    expect(await n.sms()).toBe(0);
    clock.advance(60_001);
    expect(await n.sms()).toBe(1);
    expect(await n.sms()).toBe(0);
    expect(rx.received).toHaveLength(1);
    const m = (await t.get(`/v2/communications?customerId=${r.body.customer.id}`, org)).body.messages;
    expect(m).toHaveLength(1);
    expect(m[0]).toMatchObject({ status: 'delivered', attempts: 2 });
  });
});

describe('event webhooks', () => {
  it('delivers signed events of the subscribed types and logs the deliveries', async () => {
    const sub = await t.post(
      '/v2/webhooks',
      {
        url: `${rx.url}/hooks`,
        events: ['coupon.issued', 'coupon.redeemed', 'coupon.revoked', 'coupon.reactivated'],
      },
      org,
    );
    expect(sub.status).toBe(200);
    expect(sub.body.secret).toMatch(/^whsec_/);
    const s = await series({ isSMSDisabled: true });
    const a = (await issue(s.id, { mobile: '9876500010' })).body;
    const redeemed = await t.post(
      '/v2/coupon/redeem',
      {
        billAmount: 100,
        transactionNumber: 'W-1',
        user: { mobile: '9876500010' },
        redemptionRequestList: [{ code: a.code }],
      },
      org,
    );
    await t.post('/v2/coupon/reactivate', { redemptionIds: [redeemed.body.redemption[0].id] }, org);
    const b = (await issue(s.id, { mobile: '9876500011' })).body;
    await t.post('/v2/coupon/revoke', { codes: [b.code] }, org);
    await n.webhooks();
    // Deliveries go out in parallel, so they may arrive in any order; each carries its event id.
    const eventNumber = (r: { json: any }) => Number(String(r.json.id).slice(4));
    const types = [...rx.received].sort((x, y) => eventNumber(x) - eventNumber(y)).map((r) => r.json.type);
    expect(types).toEqual([
      'coupon.issued',
      'coupon.redeemed',
      'coupon.reactivated',
      'coupon.issued',
      'coupon.revoked',
    ]);
    for (const r of rx.received) {
      expect(r.path).toBe('/hooks');
      expect(
        verifySignature(
          sub.body.secret,
          r.body,
          String(r.headers['x-coupond-signature']),
          Math.floor(clock.now() / 1000),
        ),
      ).toBe(true);
      expect(
        verifySignature(
          'whsec_wrong',
          r.body,
          String(r.headers['x-coupond-signature']),
          Math.floor(clock.now() / 1000),
        ),
      ).toBe(false);
    }
    const first = [...rx.received].sort((x, y) => eventNumber(x) - eventNumber(y))[0]!;
    expect(first.json.data).toMatchObject({
      couponId: a.id,
      code: a.code,
      seriesId: s.id,
      customerId: a.customer.id,
    });
    const log = await t.get(`/v2/webhooks/${sub.body.id}/deliveries`, org);
    expect(log.body.deliveries).toHaveLength(5);
    expect(log.body.deliveries.every((d: any) => d.status === 'delivered' && d.lastStatusCode === 200)).toBe(
      true,
    );
  });

  it('refuses a stale or tampered signature', async () => {
    const body = '{"a":1}';
    const { signPayload } = await import('../../src/services/webhook-signature.js');
    const header = signPayload('whsec_x', body, 1_000_000);
    expect(verifySignature('whsec_x', body, header, 1_000_000 + 299)).toBe(true);
    expect(verifySignature('whsec_x', body, header, 1_000_000 + 301)).toBe(false);
    expect(verifySignature('whsec_x', '{"a":2}', header, 1_000_000)).toBe(false);
  });

  it('retries a delivery the receiver refused and gives up after the limit', async () => {
    const sub = await t.post('/v2/webhooks', { url: `${rx.url}/flaky`, events: ['coupon.issued'] }, org);
    const s = await series({ isSMSDisabled: true });
    await issue(s.id, { mobile: '9876500012' });
    rx.script([500], 200);
    await n.webhooks();
    clock.advance(1000);
    await n.webhooks();
    const log = (await t.get(`/v2/webhooks/${sub.body.id}/deliveries`, org)).body.deliveries;
    expect(log[0]).toMatchObject({ status: 'delivered', attempts: 2 });
    rx.script([], 503);
    await issue(s.id, { mobile: '9876500013' });
    for (let i = 0; i < 5; i++) {
      await n.webhooks();
      clock.advance(10_000);
    }
    const last = (await t.get(`/v2/webhooks/${sub.body.id}/deliveries`, org)).body.deliveries[0];
    expect(last).toMatchObject({ status: 'failed', attempts: 3, lastStatusCode: 503 });
  });

  it('starts a new subscription at the present, stops after deletion, and keeps subscriptions per org', async () => {
    const s = await series({ isSMSDisabled: true });
    await issue(s.id, { mobile: '9876500014' });
    const sub = await t.post('/v2/webhooks', { url: `${rx.url}/late`, events: ['coupon.issued'] }, org);
    await n.webhooks();
    expect(rx.received).toHaveLength(0);
    await issue(s.id, { mobile: '9876500015' });
    await n.webhooks();
    expect(rx.received).toHaveLength(1);
    const list = await t.get('/v2/webhooks', org);
    expect(list.body.webhooks.map((w: any) => w.id)).toEqual([sub.body.id]);
    expect(list.body.webhooks[0].secret).toBeUndefined();
    const other = await t.createOrg('other org');
    expect((await t.get('/v2/webhooks', other)).body.webhooks).toEqual([]);
    expect((await t.get(`/v2/webhooks/${sub.body.id}/deliveries`, other)).status).toBe(404);
    expect(
      (await t.request({ method: 'DELETE', url: `/v2/webhooks/${sub.body.id}`, as: other })).status,
    ).toBe(404);
    expect((await t.request({ method: 'DELETE', url: `/v2/webhooks/${sub.body.id}`, as: org })).status).toBe(
      200,
    );
    await issue(s.id, { mobile: '9876500016' });
    await n.webhooks();
    expect(rx.received).toHaveLength(1);
  });

  it('validates subscriptions: known event names and an http(s) URL', async () => {
    expect(
      (await t.post('/v2/webhooks', { url: `${rx.url}/x`, events: ['coupon.exploded'] }, org)).body.errors[0]
        .code,
    ).toBe(629);
    expect(
      (await t.post('/v2/webhooks', { url: 'ftp://example.com/x', events: ['coupon.issued'] }, org)).body
        .errors[0].code,
    ).toBe(629);
    const reader = await t.createClient(org.orgId, { scopes: ['read', 'write'] });
    expect(
      (await t.post('/v2/webhooks', { url: `${rx.url}/x`, events: ['coupon.issued'] }, reader)).status,
    ).toBe(403);
  });

  it('sends hold_expired when a hold runs out', async () => {
    await t.post('/v2/webhooks', { url: `${rx.url}/holds`, events: ['coupon.hold_expired'] }, org);
    const s = await series({ isSMSDisabled: true });
    const a = (await issue(s.id, { mobile: '9876500017' })).body;
    await t.post('/v2/coupon/hold', { user: { mobile: '9876500017' }, codes: [a.code], ttlSeconds: 30 }, org);
    expect(await t.app.services.notifications.expireHolds()).toBe(0);
    clock.advance(30_001);
    expect(await t.app.services.notifications.expireHolds()).toBe(1);
    await n.webhooks();
    expect(rx.received.map((r) => r.json.type)).toEqual(['coupon.hold_expired']);
    expect(rx.received[0]!.json.data.couponId).toBe(a.id);
  });
});

describe('the delivery loop', () => {
  let live: TestApp;
  beforeAll(async () => {
    live = await buildTestApp({ env: { COUPOND_WORKER: 'on' } });
  });
  afterAll(async () => live.close());

  it('delivers SMS and webhooks in the background, without anyone driving it', async () => {
    await live.put('/v2/org/settings', { smsWebhookUrl: `${rx.url}/loop-sms` });
    const sub = await live.post('/v2/webhooks', { url: `${rx.url}/loop-hooks`, events: ['coupon.issued'] });
    const s = await live.post(
      '/v2/coupon/series',
      seriesBody({
        description: 'loop',
        discountValue: 5,
        smsTemplate: 'Your code {{voucher}}',
        isSMSDisabled: false,
      }),
    );
    const r = await live.post('/v2/coupon/issue', {
      seriesId: s.body.id,
      customer: { mobile: '9123456780' },
    });
    expect(r.status).toBe(200);
    const deadline = Date.now() + 15_000;
    while (rx.received.filter((x) => x.path.startsWith('/loop')).length < 2 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const paths = rx.received
      .filter((x) => x.path.startsWith('/loop'))
      .map((x) => x.path)
      .sort();
    expect(paths).toEqual(['/loop-hooks', '/loop-sms']);
    const log = await live.get(`/v2/webhooks/${sub.body.id}/deliveries`);
    expect(log.body.deliveries[0].status).toBe('delivered');
  });
});
