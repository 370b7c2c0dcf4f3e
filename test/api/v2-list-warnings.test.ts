// Newest-first lists without an offset say when they hold fewer items than exist (docs/api.md §3 "Lists").
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../support/build-test-app.js';
import { createSeries } from '../support/factories.js';
import { startReceiver, type Receiver } from '../support/receiver.js';

let t: TestApp;
let rx: Receiver;
beforeAll(async () => {
  t = await buildTestApp();
  rx = await startReceiver();
});
afterAll(async () => {
  await t.close();
  await rx.close();
});

describe('GET /v2/communications', () => {
  it('warns when the customer has more messages than the limit shows', async () => {
    const org = await t.createOrg('lists', { mobileCountryCode: '91' });
    await t.put('/v2/org/settings', { smsWebhookUrl: `${rx.url}/sms` }, org);
    const s = await createSeries(
      t,
      { isMultipleVouchersPerUserAllowed: true, maxVouchersPerUser: -1, isSMSDisabled: false },
      org,
    );
    let customer = 0;
    for (let i = 0; i < 3; i++) {
      const r = await t.post('/v2/coupon/issue', { seriesId: s.id, customer: { mobile: '9876500001' } }, org);
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      customer = r.body.customer.id;
    }
    const cut = await t.get(`/v2/communications?customerId=${customer}&limit=2`, org);
    expect(cut.status).toBe(200);
    expect(cut.body.messages).toHaveLength(2);
    expect(cut.body.warnings).toEqual([expect.objectContaining({ code: 1001, reason: 'LIST_TRUNCATED' })]);
    const all = await t.get(`/v2/communications?customerId=${customer}&limit=3`, org);
    expect(all.body.messages).toHaveLength(3);
    expect(all.body.warnings).toEqual([]);
  });
});
