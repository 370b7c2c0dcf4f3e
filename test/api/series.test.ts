import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../support/build-test-app.js';
import { seriesBody } from '../support/factories.js';
import {
  createSeriesRequest,
  createSeriesResponse,
  getSeriesResponse,
} from '../support/reference-samples.js';

let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp();
});
afterAll(async () => t.close());

const typeOf = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);

async function create(fields: Record<string, unknown>, as = t.client) {
  return t.post('/v2/coupon/series', { CouponSeriesV2: seriesBody(fields) }, as);
}

describe('creating a series', () => {
  it("answers the reference's sample request with every top-level field of its sample response", async () => {
    const r = await t.post('/v2/coupon/series', createSeriesRequest);
    expect(r.status).toBe(200);
    for (const [key, sample] of Object.entries(createSeriesResponse)) {
      expect(r.body, `field ${key}`).toHaveProperty(key);
      expect(typeOf(r.body[key]), `type of ${key}`).toBe(typeOf(sample));
    }
    expect(r.body).toMatchObject({
      orgId: t.client.orgId,
      description: 'DIWALI 10% OFF',
      discountCode: 'XYZ123',
      // The request's validTillDate 2021-05-10T00:00:00+05:30 is 2021-05-09 in the org's timezone (UTC).
      validTillDate: '2021-05-09T00:00:00Z',
      fixedExpiryDate: 1620518400000,
      redemptionValidFrom: '2020-11-17T00:00:00Z',
      expiryStrategyValue: 1,
      maxCreate: -1,
      maxRedeem: -1,
      anyUser: false,
      sameUserMultipleRedeem: false,
      isMultipleUseAllowed: false,
      isValidWithDiscountedItem: true,
      numIssued: 0,
      numRedeemed: 0,
      smsTemplate: createSeriesRequest.CouponSeriesV2.smsTemplate,
      isSMSDisabled: false,
      info: 'Evil coupon',
      isMultipleVouchersPerUserAllowed: true,
      doNotResendExistingVoucher: true,
      mutualExclusiveSeriesIds: '[]',
      storeIdsJson: '[-1]',
      maxVouchersPerUser: 11,
      minDaysBetweenVouchers: 23,
      discountUpto: 0,
      discountValue: 500,
      redemptionRange: '{"dom" : [1], "dow": [1], "hours": [1]}',
      minBillAmount: 100,
      maxBillAmount: 20000,
      redeemAtStore: '[-1]',
      tag: 'DIWALI 10% OFF',
      maxRedemptionsInSeriesPerUser: 122,
      minDaysBetweenRedemption: 962,
      targetUserDetails: createSeriesRequest.CouponSeriesV2.targetUserDetails,
      customPropertyMap: createSeriesRequest.CouponSeriesV2.customPropertyMap,
      numUploadedNonIssued: 0,
      numUploadedTotal: 0,
      redemptionValidAfterDays: 22,
      alphaNumeric: true,
      randomCodeLength: 10,
      latestIssualTime: 0,
      latestRedemptionTime: 0,
      resendMessageEnabled: true,
      clientHandlingType: 'DISC_CODE',
      expiryStrategyType: 'SERIES_EXPIRY',
      discountOn: 'BILL',
      discountType: 'ABS',
      warnings: [],
    });
    expect(r.body.id).toBeGreaterThan(0);
    expect(r.body.seriesCode).toMatch(/^[0-9A-F]{20}$/);
    expect(r.body.createdOn).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  });

  it('takes the bare object too and fills the defaults of the fields not given', async () => {
    const r = await t.post('/v2/coupon/series', seriesBody({ description: 'bare', discountValue: '10.55' }));
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      description: 'bare',
      discountValue: 10.55,
      discountType: 'ABS',
      discountCode: 'TEST10',
      maxCreate: -1,
      maxRedeem: -1,
      maxVouchersPerUser: -1,
      minBillAmount: 0,
      maxBillAmount: 9007199254740991,
      storeIdsJson: '[-1]',
      redeemAtStore: '[-1]',
      mutualExclusiveSeriesIds: '[]',
      clientHandlingType: 'DISC_CODE',
      expiryStrategyType: 'SERIES_EXPIRY',
      randomCodeLength: 8,
      alphaNumeric: true,
      redemptionPerCouponMaxLimit: -1,
      excludeLookAlikes: false,
      redemptionValidFrom: '1970-01-01T00:00:00Z',
    });
  });

  // Issue 20: `{}` used to create a series valid for a hundred years with no discount.
  it('refuses a series without what the reference marks mandatory, naming each missing field', async () => {
    const mandatory = [
      'description',
      'discountCode',
      'discountType',
      'discountValue',
      'clientHandlingType',
      'validTillDate',
      'expiryStrategyType',
      'anyUser',
      'smsTemplate',
    ];
    const before = (await t.get('/v2/coupon/series?limit=500')).body.entity.length;
    for (const body of [{}, { CouponSeriesV2: {} }]) {
      const r = await t.post('/v2/coupon/series', body);
      expect(r.status).toBe(400);
      expect(r.body.errors.map((e: { code: number }) => e.code)).toEqual(mandatory.map(() => 629));
      expect(r.body.errors.map((e: { message: string }) => e.message)).toEqual(
        mandatory.map((f) => `invalid input: ${f}: required`),
      );
    }
    const blank = await t.post(
      '/v2/coupon/series',
      seriesBody({ description: '  ', smsTemplate: '', isSMSDisabled: false }),
    );
    expect(blank.body.errors.map((e: { message: string }) => e.message)).toEqual([
      'invalid input: description: required',
      'invalid input: smsTemplate: required',
    ]);
    expect((await t.get('/v2/coupon/series?limit=500')).body.entity.length).toBe(before);
  });

  it('names missing and wrong fields together', async () => {
    const body = seriesBody({ discountType: 'PERC', discountValue: 150, randomCodeLength: 3 });
    delete body.discountCode;
    const r = await t.post('/v2/coupon/series', body);
    expect(r.status).toBe(400);
    expect(r.body.errors.map((e: { message: string }) => e.message)).toEqual([
      'invalid input: discountCode: required',
      'invalid input: discountValue: at most 100 for a PERC discount',
      'invalid input: randomCodeLength: between 4 and 32',
    ]);
  });

  it('refuses a discount that takes nothing off, on create and on change', async () => {
    for (const discountValue of [0, '0.0000', -5]) {
      const r = await create({ discountValue });
      expect(r.status, String(discountValue)).toBe(400);
      expect(r.body.errors[0].message).toMatch(/^invalid input: discountValue: more than zero/);
    }
    const made = await create({});
    const changed = await t.put(`/v2/coupon/series/${made.body.id}`, { discountValue: 0 });
    expect(changed.status).toBe(400);
    expect(changed.body.errors[0].message).toMatch(/discountValue: more than zero/);
  });

  it('refuses a change that blanks a mandatory text field, naming each one', async () => {
    const made = await create({});
    const r = await t.put(`/v2/coupon/series/${made.body.id}`, { description: '  ', discountCode: '' });
    expect(r.status).toBe(400);
    expect(r.body.errors.map((e: { message: string }) => e.message)).toEqual([
      'invalid input: description: required',
      'invalid input: discountCode: required',
    ]);
    const kept = await t.get(`/v2/coupon/series?ids=${made.body.id}`);
    expect(kept.body.entity[0].description).not.toBe('  ');
    const renamed = await t.put(`/v2/coupon/series/${made.body.id}`, { description: 'a new name' });
    expect(renamed.status).toBe(200);
  });

  it('answers the fields of the get sample for a stored series', async () => {
    const r = await create({});
    const got = await t.get(`/v2/coupon/series?ids=${r.body.id}`);
    expect(got.status).toBe(200);
    for (const key of Object.keys(getSeriesResponse.entity[0]))
      expect(got.body.entity[0], key).toHaveProperty(key);
    expect(got.body.warnings).toEqual([]);
  });

  it('keeps money exact', async () => {
    const r = await create({
      discountType: 'PERC',
      discountValue: '12.3456',
      discountUpto: 0.1,
      minBillAmount: '0.0001',
      maxBillAmount: 99999999.9999,
    });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      discountValue: 12.3456,
      discountUpto: 0.1,
      minBillAmount: 0.0001,
      maxBillAmount: 99999999.9999,
    });
    const five = await create({ discountValue: '1.00001' });
    expect(five.status).toBe(400);
    expect(five.body.errors[0].message).toContain('discountValue');
  });

  it('accepts the JSON-in-a-string fields as JSON too', async () => {
    const r = await create({
      storeIdsJson: [12, 'A7'],
      redemptionRange: { dom: [-1], dow: [6, 7], hours: [-1] },
    });
    expect(r.status).toBe(200);
    expect(r.body.storeIdsJson).toBe('[12,"A7"]');
    expect(JSON.parse(r.body.redemptionRange)).toEqual({ dom: [-1], dow: [6, 7], hours: [-1] });
  });

  it('gives a GENERIC series a generic code when none is given, and keeps one that is', async () => {
    const generated = await create({ clientHandlingType: 'GENERIC' });
    expect(generated.status).toBe(200);
    expect(generated.body.genericCode).toMatch(/^[A-Z0-9]{8}$/);
    const given = await create({ clientHandlingType: 'GENERIC', genericCode: 'summer25' });
    expect(given.body.genericCode).toBe('SUMMER25');
    const clash = await create({ clientHandlingType: 'GENERIC', genericCode: 'SUMMER25' });
    expect(clash.status).toBe(400);
    expect(clash.body.errors[0]).toMatchObject({ code: 629 });
    expect(clash.body.errors[0].message).toContain('genericCode');
  });
});

describe('series validation (629 naming the field)', () => {
  const cases: [string, Record<string, unknown>, string][] = [
    ['PERC over 100', { discountType: 'PERC', discountValue: 100.5 }, 'discountValue'],
    ['negative discountUpto', { discountType: 'PERC', discountValue: 10, discountUpto: -1 }, 'discountUpto'],
    ['discountUpto with ABS', { discountType: 'ABS', discountUpto: 5 }, 'discountUpto'],
    ['min bill above max bill', { minBillAmount: 500, maxBillAmount: 100 }, 'minBillAmount'],
    ['bad redemptionRange JSON', { redemptionRange: '{"dom": [1' }, 'redemptionRange'],
    ['redemptionRange hour out of range', { redemptionRange: '{"hours": [24]}' }, 'redemptionRange.hours'],
    ['redemptionRange weekday 0', { redemptionRange: '{"dow": [0]}' }, 'redemptionRange.dow'],
    ['code length 3', { randomCodeLength: 3 }, 'randomCodeLength'],
    ['code length 33', { randomCodeLength: 33 }, 'randomCodeLength'],
    ['prefix outside the alphabet', { couponPrefix: 'AB-', isPrefixEnabled: true }, 'couponPrefix'],
    [
      'letters in the prefix of a digits-only series',
      { alphaNumeric: false, couponPrefix: 'AB' },
      'couponPrefix',
    ],
    ['suffix outside the alphabet', { couponSuffix: 'x y' }, 'couponSuffix'],
    [
      'maxCreate over 1% of the code space',
      { alphaNumeric: false, randomCodeLength: 4, maxCreate: 101 },
      'maxCreate',
    ],
    ['limit below -1', { maxCreate: -2 }, 'maxCreate'],
    ['unknown discountType', { discountType: 'FREE' }, 'discountType'],
    ['bad validTillDate', { validTillDate: '2026-02-30' }, 'validTillDate'],
    ['bad storeIdsJson', { storeIdsJson: '{"a":1}' }, 'storeIdsJson'],
    ['bad mutualExclusiveSeriesIds', { mutualExclusiveSeriesIds: '["x"]' }, 'mutualExclusiveSeriesIds'],
    ['DAYS with value 0', { expiryStrategyType: 'DAYS', expiryStrategyValue: 0 }, 'expiryStrategyValue'],
    ['wrong type', { anyUser: 'maybe' }, 'anyUser'],
  ];
  for (const [what, fields, field] of cases) {
    it(`refuses ${what}`, async () => {
      const r = await create(fields);
      expect(r.status).toBe(400);
      expect(r.body.errors).toHaveLength(1);
      expect(r.body.errors[0].code).toBe(629);
      expect(r.body.errors[0].message).toContain(field);
      expect(r.body.warnings).toEqual([]);
    });
  }

  it('allows maxCreate at exactly 1% of the code space, and -1 whatever the space', async () => {
    expect((await create({ alphaNumeric: false, randomCodeLength: 4, maxCreate: 100 })).status).toBe(200);
    expect((await create({ alphaNumeric: false, randomCodeLength: 4, maxCreate: -1 })).status).toBe(200);
  });

  it('refuses a duplicate seriesCode with 751', async () => {
    expect((await create({ seriesCode: 'DIWALI-2026' })).status).toBe(200);
    const again = await create({ seriesCode: 'DIWALI-2026' });
    expect(again.status).toBe(400);
    expect(again.body.errors[0].code).toBe(751);
  });
});

describe('reading and listing series', () => {
  it('answers several ids, repeated or comma-separated, and names unknown ones in warnings', async () => {
    const a = (await create({ description: 'a' })).body.id;
    const b = (await create({ description: 'b' })).body.id;
    const repeated = await t.get(`/v2/coupon/series?ids=${a}&ids=${b}&ids=99999999`);
    expect(repeated.status).toBe(200);
    expect(repeated.body.entity.map((s: any) => s.id)).toEqual([a, b]);
    expect(repeated.body.warnings).toHaveLength(1);
    expect(repeated.body.warnings[0]).toMatchObject({ code: 707, id: 99999999 });
    const commas = await t.get(`/v2/coupon/series?ids=${b},${a}`);
    expect(commas.body.entity.map((s: any) => s.id)).toEqual([b, a]);
  });

  it('refuses ids that are not numbers', async () => {
    const r = await t.get('/v2/coupon/series?ids=abc');
    expect(r.status).toBe(400);
    expect(r.body.errors[0].code).toBe(629);
  });

  it('lists the series newest first with limit and offset', async () => {
    const org = await t.createOrg('lister');
    const ids: number[] = [];
    for (let i = 0; i < 5; i++) ids.push((await create({ description: `s${i}` }, org)).body.id);
    const page1 = await t.get('/v2/coupon/series?limit=2', org);
    expect(page1.body.entity.map((s: any) => s.id)).toEqual([ids[4], ids[3]]);
    const page2 = await t.get('/v2/coupon/series?limit=2&offset=2', org);
    expect(page2.body.entity.map((s: any) => s.id)).toEqual([ids[2], ids[1]]);
  });
});

describe('changing a series', () => {
  it('changes the given fields, keeps the others, and answers the stored series', async () => {
    const s = (await create({ description: 'before', maxRedeem: 10, seriesCode: 'CHG1' })).body;
    const r = await t.put(`/v2/coupon/series/${s.id}`, {
      CouponSeriesV2: { description: 'after', maxRedeem: 20 },
    });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      id: s.id,
      description: 'after',
      maxRedeem: 20,
      seriesCode: 'CHG1',
      discountValue: 10,
    });
    const read = await t.get(`/v2/coupon/series?ids=${s.id}`);
    expect(read.body.entity[0]).toMatchObject({ description: 'after', maxRedeem: 20 });
  });

  it('validates the result of a change', async () => {
    const s = (await create({ discountType: 'PERC', discountValue: 10 })).body;
    const r = await t.put(`/v2/coupon/series/${s.id}`, { discountValue: 150 });
    expect(r.status).toBe(400);
    expect(r.body.errors[0]).toMatchObject({ code: 629 });
  });

  it('refuses a seriesCode another series has', async () => {
    await create({ seriesCode: 'TAKEN-1' });
    const s = (await create({})).body;
    const r = await t.put(`/v2/coupon/series/${s.id}`, { seriesCode: 'TAKEN-1' });
    expect(r.body.errors[0].code).toBe(751);
  });

  it('answers 707 for an unknown series', async () => {
    const r = await t.put('/v2/coupon/series/987654321', { description: 'x' });
    expect(r.status).toBe(400);
    expect(r.body.errors[0].code).toBe(707);
  });
});

describe('series belong to their org', () => {
  it("treats another org's series as unknown, for reads and changes", async () => {
    const a = (await create({ description: 'org A only' })).body;
    const b = await t.createOrg('org B');
    const read = await t.get(`/v2/coupon/series?ids=${a.id}`, b);
    expect(read.body.entity).toEqual([]);
    expect(read.body.warnings[0].code).toBe(707);
    const list = await t.get('/v2/coupon/series', b);
    expect(list.body.entity.map((s: any) => s.id)).not.toContain(a.id);
    const change = await t.put(`/v2/coupon/series/${a.id}`, { description: 'hijacked' }, b);
    expect(change.body.errors[0].code).toBe(707);
    expect((await t.get(`/v2/coupon/series?ids=${a.id}`)).body.entity[0].description).toBe('org A only');
  });

  it('lets two orgs use the same seriesCode', async () => {
    const b = await t.createOrg('org B2');
    expect((await create({ seriesCode: 'SHARED' })).status).toBe(200);
    expect((await create({ seriesCode: 'SHARED' }, b)).status).toBe(200);
  });

  it('reads dates in the org timezone', async () => {
    const kol = await t.createOrg('kolkata', { timezone: 'Asia/Kolkata' });
    const r = await create(
      { validTillDate: '2026-05-10T00:00:00+05:30', redemptionValidFrom: '2026-05-01 23:30:00' },
      kol,
    );
    expect(r.body.validTillDate).toBe('2026-05-10T00:00:00Z');
    expect(r.body.redemptionValidFrom).toBe('2026-05-01T00:00:00Z');
  });
});
