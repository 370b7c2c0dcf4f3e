// The later edition's redemption pages (docs/api.md §7): the redeem update (PUT /v2/coupon/redeem, page 13) and
// the series' redemption restrictions the rule engine enforces, each from the pages' own sample requests.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, TestClock, type TestApp } from '../support/build-test-app.js';
import { redeemBody } from '../support/factories.js';
import { redeemKit } from '../support/redeem-helpers.js';

const clock = new TestClock(Date.UTC(2026, 0, 15, 10, 0, 0));
let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp({ clock });
});
afterAll(async () => t.close());

const { mobile, txn, series, issue, issueMany } = redeemKit(() => t, {
  description: 'v2 edition',
  mobileStart: 9_600_000_000,
  billPrefix: 'V2R',
});

describe('PUT /v2/coupon/redeem (page 13)', () => {
  it('changes the bill of a redemption, answers the page’s shape (762 when one id is unknown), records a history event', async () => {
    const s = await series({ isMultipleVouchersPerUserAllowed: true });
    const m = mobile();
    const [a] = await issueMany(s.id, m, 1);
    const r = await t.post('/v2/coupon/redeem', redeemBody(m, [a!], 'numbr-before'));
    const id = Number(r.body.redemption[0].redemptionId);
    const couponId = r.body.redemption[0].couponId;
    // The page's sample body (its JSON repaired): the second item names an id nobody has.
    const sample = {
      redemptions: [
        { redemptionId: id, billAmount: 100, transactionNumber: 'numbr9435064964', billId: 123 },
        {
          redemptionId: 99999999,
          billAmount: 100,
          transactionNumber: 'numbr9435064964',
          billId: 123,
          customFields: [{ cf_key_1: 'cf_value_1' }, { cf_key_2: 'cf_value_2' }],
        },
      ],
      user: { mobile: m },
    };
    const up = await t.put('/v2/coupon/redeem', sample);
    expect(up.status, JSON.stringify(up.body)).toBe(200);
    expect(Object.keys(up.body).sort()).toEqual(['entity', 'errors', 'success', 'warnings']);
    expect(up.body).toMatchObject({
      success: true,
      errors: [],
      warnings: [],
      entity: {
        status: { status: true, code: 762, message: 'Coupon redemption update partially successful' },
        totalCount: 2,
        failedCount: 1,
        redemptions: [
          {
            redemptionId: id,
            billAmount: 100,
            transactionNumber: 'numbr9435064964',
            billId: 123,
            customFields: {},
            redemptionStatus: { status: true, code: 761, message: 'Coupon redemption update successful' },
          },
          { redemptionId: 99999999, redemptionStatus: { status: false, code: 510 } },
        ],
      },
    });
    expect(up.body.entity.user.profiles[0].identifiers[0]).toEqual({ type: 'mobile', value: m });
    const fields = await t.put('/v2/coupon/redeem', {
      redemptions: [{ redemptionId: String(id), billAmount: '150.5', customFields: { test: 'test' } }],
    });
    expect(fields.status, JSON.stringify(fields.body)).toBe(200);
    expect(fields.body.entity.redemptions[0]).toMatchObject({
      billAmount: 150.5,
      transactionNumber: 'numbr9435064964',
      billId: 123,
      customFields: { test: 'test' },
    });
    expect(fields.body.entity.status.code).toBe(761);
    const history = await t.get(`/v2/coupon/${couponId}/history`);
    expect(history.body.events.map((e: any) => e.type)).toContain('redemption_updated');
    // The new bill number is the bill the redemption is on: reactivation by bill finds it.
    const undo = await t.post('/v2/coupon/reactivate', {
      transactionNumber: 'numbr9435064964',
      user: { mobile: m },
    });
    expect(undo.body.reactivated).toEqual([id]);
    // An undone redemption can no longer be changed: every item refused is a 400.
    const gone = await t.put('/v2/coupon/redeem', { redemptions: [{ redemptionId: id, billAmount: 1 }] });
    expect(gone.status).toBe(400);
    expect(gone.body).toMatchObject({ success: false, entity: { failedCount: 1 } });
    expect(gone.body.errors[0].code).toBe(510);
  });

  it('refuses another org’s redemption (510), another customer’s (510), and a missing billAmount (629)', async () => {
    const s = await series();
    const m = mobile();
    const c = await issue(s.id, m);
    const r = await t.post('/v2/coupon/redeem', redeemBody(m, [c.code], txn()));
    const id = r.body.redemption[0].id;
    const other = await t.createOrg('org B');
    const foreign = await t.put(
      '/v2/coupon/redeem',
      { redemptions: [{ redemptionId: id, billAmount: 5 }] },
      other,
    );
    expect(foreign.status).toBe(400);
    expect(foreign.body.errors[0].code).toBe(510);
    const someoneElse = mobile();
    await issue(s.id, someoneElse);
    const wrongUser = await t.put('/v2/coupon/redeem', {
      redemptions: [{ redemptionId: id, billAmount: 5 }],
      user: { mobile: someoneElse },
    });
    expect(wrongUser.body.errors[0].code).toBe(510);
    const missing = await t.put('/v2/coupon/redeem', { redemptions: [{ redemptionId: id }] });
    expect(missing.status).toBe(400);
    expect(missing.body.errors[0].code).toBe(629);
    const none = await t.put('/v2/coupon/redeem', { redemptions: [] });
    expect(none.body.errors[0].code).toBe(661);
  });
});

describe('series restrictions the rule engine enforces (page 01 fields; docs/errors.md)', () => {
  it('redemptionOrgEntityDetails: a till or store it names redeems, another till gets 735, CONCEPT and ZONE restrict nothing', async () => {
    const s = await series({
      isMultipleVouchersPerUserAllowed: true,
      redemptionOrgEntityDetails: [
        { redemptionOrgEntityType: 'CONCEPT', orgEntityId: 10 },
        { redemptionOrgEntityType: 'TILL', orgEntityId: 20 },
        { redemptionOrgEntityType: 'ZONE', orgEntityId: 30 },
        { redemptionOrgEntityType: 'STORE', orgEntityId: 40 },
      ],
    });
    const m = mobile();
    const [a, b] = await issueMany(s.id, m, 2);
    const till20 = await t.createClient(t.client.orgId, { tillId: '20' });
    const till40 = await t.createClient(t.client.orgId, { tillId: '40' });
    const till99 = await t.createClient(t.client.orgId, { tillId: '99' });
    const other = await t.post('/v2/coupon/redeem', redeemBody(m, [a!], txn()), till99);
    expect(other.status).toBe(400);
    expect(other.body.redemption[0].redemptionStatus.code).toBe(735);
    expect(other.body.errors[0]).toMatchObject({ code: 735, reason: 'ORG_ENTITY_NOT_ALLOWED' });
    const noTill = await t.get(`/v2/coupon/is_redeemable?mobile=${m}&code=${a}`);
    expect(noTill.body.redemption[0].redemptionStatus.code).toBe(735);
    expect((await t.post('/v2/coupon/redeem', redeemBody(m, [a!], txn()), till20)).status).toBe(200);
    expect((await t.post('/v2/coupon/redeem', redeemBody(m, [b!], txn()), till40)).status).toBe(200);
    const groups = await series({
      redemptionOrgEntityDetails: [{ redemptionOrgEntityType: 'ZONE', orgEntityId: 30 }],
    });
    const c = await issue(groups.id, m);
    expect((await t.post('/v2/coupon/redeem', redeemBody(m, [c.code], txn()), till99)).status).toBe(200);
  });

  it('targetUserDetails.customerIds: only the customers it names redeem (710 CUSTOMER_NOT_TARGETED); the page’s registration fields restrict nothing', async () => {
    const named = mobile();
    const stranger = mobile();
    const first = await issue((await series()).id, named); // registers the customer
    const namedId = (await t.get(`/v2/coupon/is_redeemable?mobile=${named}&code=${first.code}`)).body.customer
      .id;
    const s = await series({
      anyUser: true,
      isMultipleUseAllowed: true,
      sameUserMultipleRedeem: true,
      targetUserDetails: { customerIds: [namedId], validMaxUserTransactionLimit: 1 },
    });
    const c = await issue(s.id, named);
    await issue(s.id, stranger);
    const refused = await t.post('/v2/coupon/redeem', redeemBody(stranger, [c.code], txn()));
    expect(refused.status).toBe(400);
    expect(refused.body.errors[0]).toMatchObject({ code: 710, reason: 'CUSTOMER_NOT_TARGETED' });
    expect((await t.post('/v2/coupon/redeem', redeemBody(named, [c.code], txn()))).status).toBe(200);
    // The page's sample targetUserDetails (registration window 0–10000, units unknown) restricts nothing.
    const sample = await series({
      targetUserDetails: {
        validMaxUserTransactionLimit: 1,
        validUserRegistrationStartTime: 0,
        validUserRegistrationEndTime: 10000,
      },
    });
    const d = await issue(sample.id, stranger);
    expect((await t.post('/v2/coupon/redeem', redeemBody(stranger, [d.code], txn()))).status).toBe(200);
  });

  it('validDaysFromCreation: the coupon is valid N days after its issue (713), only when the series sets it', async () => {
    const s = await series({ validDaysFromCreation: 2, isMultipleVouchersPerUserAllowed: true });
    const unset = await series({ isMultipleVouchersPerUserAllowed: true });
    const m = mobile();
    const [a, b] = await issueMany(s.id, m, 2);
    const c = await issue(unset.id, m);
    const at = async (iso: string, code: string) => {
      clock.set(iso);
      try {
        return await t.post('/v2/coupon/redeem', redeemBody(m, [code], txn()));
      } finally {
        clock.set('2026-01-15T10:00:00Z');
      }
    };
    expect((await at('2026-01-17T23:59:59Z', a!)).status).toBe(200);
    const late = await at('2026-01-18T00:00:00Z', b!);
    expect(late.body.redemption[0].redemptionStatus.code).toBe(713);
    // The answered default (30) is not a restriction.
    expect((await at('2026-03-01T10:00:00Z', c.code)).status).toBe(200);
  });
});
