// Customers through the API (docs/api.md §4): mobile and email normalisation, lookup by each identifier with its
// precedence and conflicts, scopes, org isolation, and the OpenAPI entries of both routes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, TestClock, type TestApp, type TestClient } from '../support/build-test-app.js';
import { customerKit } from '../support/customer-helpers.js';

let t: TestApp;
let india: TestClient;
const clock = new TestClock(Date.UTC(2026, 0, 15, 10, 0, 0, 250));

beforeAll(async () => {
  t = await buildTestApp({ clock });
  india = await t.createOrg('x', { mobileCountryCode: '91' });
});
afterAll(async () => t.close());

const { nextMobile, register, lookup, idOf } = customerKit(() => ({ t, india }));

describe('mobile and email normalisation', () => {
  it('stores every way of writing one Indian number as the same customer', async () => {
    const first = await register({ mobile: '98765 43210' });
    expect(first.body.customer.profiles[0].identifiers).toEqual([{ type: 'mobile', value: '919876543210' }]);
    for (const mobile of ['+91 98765-43210', '0091 9876543210', '(987) 654-3210', '919876543210']) {
      const r = await register({ mobile });
      expect(r.status, mobile).toBe(200);
      expect(idOf(r), mobile).toBe(idOf(first));
      expect(r.body.created, mobile).toBe(false);
      const found = await lookup(`mobile=${encodeURIComponent(mobile)}`);
      expect(idOf(found), mobile).toBe(idOf(first));
    }
  });

  it('reads a mobile sent as a JSON number', async () => {
    const r = await register({ mobile: 9123456780 });
    expect(r.status).toBe(200);
    expect(r.body.customer.profiles[0].identifiers).toEqual([{ type: 'mobile', value: '919123456780' }]);
  });

  it('takes a number written with its own country code, checked for that country', async () => {
    const r = await register({ mobile: '+44 7911 123456' });
    expect(r.body.customer.profiles[0].identifiers).toEqual([{ type: 'mobile', value: '447911123456' }]);
  });

  // Issue 20: the org's country is known, so a number that is not one of its numbers is malformed.
  it("refuses a number that is not valid for the org's country (721)", async () => {
    for (const mobile of ['98765', '5555555555', '447911123456', '+44 7911 12345']) {
      const r = await register({ mobile });
      expect(r.status, mobile).toBe(400);
      expect(r.body.errors[0].code, mobile).toBe(721);
    }
  });

  it('adds no prefix when the org has no mobile country code', async () => {
    const r = await register({ mobile: '98765 43210' }, t.client);
    expect(r.status).toBe(200);
    expect(r.body.customer.profiles[0].identifiers).toEqual([{ type: 'mobile', value: '9876543210' }]);
  });

  it('matches emails case-insensitively and stores them lower-case', async () => {
    const r = await register({ email: 'Mixed.Case@Example.ORG' });
    expect(r.body.customer.profiles[0].identifiers).toEqual([
      { type: 'email', value: 'mixed.case@example.org' },
    ]);
    expect(idOf(await lookup('email=MIXED.case%40example.org'))).toBe(idOf(r));
    const again = await register({ email: 'mixed.CASE@example.org' });
    expect(again.body).toMatchObject({ created: false, customer: { id: idOf(r) } });
  });

  it('refuses letters in a mobile with 721', async () => {
    const r = await lookup('mobile=98765ABCDE');
    expect(r.status).toBe(400);
    expect(r.body.errors[0].code).toBe(721);
  });
});

describe('GET /v2/customers/lookup', () => {
  let c1: { id: number; mobile: string };
  let c2: { id: number; mobile: string };
  beforeAll(async () => {
    const m1 = nextMobile();
    const m2 = nextMobile();
    const r1 = await register({ mobile: m1, email: 'one@example.com', externalId: 'ext-one' });
    const r2 = await register({ mobile: m2, email: 'two@example.com', externalId: 'ext-two' });
    c1 = { id: idOf(r1), mobile: m1 };
    c2 = { id: idOf(r2), mobile: m2 };
  });

  it('finds a customer by each identifier', async () => {
    for (const q of [`id=${c1.id}`, 'externalId=ext-one', `mobile=${c1.mobile}`, 'email=one@example.com']) {
      const r = await lookup(q);
      expect(r.status, q).toBe(200);
      expect(r.body.warnings).toEqual([]);
      expect(r.body.customer.id, q).toBe(c1.id);
      expect(r.body.customer.profiles[0].identifiers).toHaveLength(3);
    }
  });

  it('answers the customer all given identifiers name', async () => {
    const r = await lookup(`id=${c1.id}&externalId=ext-one&mobile=${c1.mobile}&email=one@example.com`);
    expect(r.status).toBe(200);
    expect(r.body.customer.id).toBe(c1.id);
  });

  it('lets the identifier of highest precedence decide when the others match nobody', async () => {
    expect((await lookup(`id=${c2.id}&email=nobody@example.com`)).body.customer.id).toBe(c2.id);
    expect((await lookup(`externalId=ext-two&mobile=9000000001`)).body.customer.id).toBe(c2.id);
    expect((await lookup(`mobile=${c2.mobile}&email=nobody@example.com`)).body.customer.id).toBe(c2.id);
    // An unknown id is 701 even when a lower identifier names a customer (docs/api.md §4).
    const unknownId = await lookup(`id=99999999&mobile=${c1.mobile}`);
    expect(unknownId.status).toBe(400);
    expect(unknownId.body.errors[0].code).toBe(701);
  });

  it('refuses identifiers that name different customers with 721', async () => {
    for (const q of [
      `id=${c1.id}&externalId=ext-two`,
      `externalId=ext-one&mobile=${c2.mobile}`,
      `mobile=${c1.mobile}&email=two@example.com`,
      `id=${c2.id}&email=one@example.com`,
    ]) {
      const r = await lookup(q);
      expect(r.status, q).toBe(400);
      expect(r.body.errors[0].code, q).toBe(721);
    }
  });

  it('counts empty parameters as absent', async () => {
    const r = await lookup(`id=&externalId=&mobile=${c1.mobile}&email=`);
    expect(r.status).toBe(200);
    expect(r.body.customer.id).toBe(c1.id);
    const none = await lookup('id=&mobile=');
    expect(none.status).toBe(400);
    expect(none.body.errors[0].code).toBe(721);
  });

  it('answers an unknown customer with 701', async () => {
    for (const q of ['mobile=9000000002', 'email=ghost@example.com', 'externalId=ghost', 'id=99999998']) {
      const r = await lookup(q);
      expect(r.status, q).toBe(400);
      expect(r.body, q).toEqual({
        errors: [
          { code: 701, message: expect.stringMatching(/^customer not found/), reason: 'CUSTOMER_NOT_FOUND' },
        ],
        warnings: [],
      });
    }
  });

  it('refuses a malformed id with 721', async () => {
    for (const q of ['id=abc', 'id=0', 'id=-4']) {
      const r = await lookup(q);
      expect(r.status, q).toBe(400);
      expect(r.body.errors[0].code, q).toBe(721);
    }
  });

  it('needs the read scope', async () => {
    const reader = await t.createClient(india.orgId, { scopes: ['read'] });
    expect((await lookup(`id=${c1.id}`, reader)).status).toBe(200);
    const writer = await t.createClient(india.orgId, { scopes: ['write'] });
    expect((await lookup(`id=${c1.id}`, writer)).status).toBe(403);
  });

  it("keeps each org's customers to itself", async () => {
    const orgB = await t.createOrg('org B', { mobileCountryCode: '91' });
    for (const q of [`id=${c1.id}`, `mobile=${c1.mobile}`, 'email=one@example.com', 'externalId=ext-one']) {
      const r = await lookup(q, orgB);
      expect(r.status, q).toBe(400);
      expect(r.body.errors[0].code, q).toBe(701);
    }
    const inB = await register({ mobile: c1.mobile, email: 'one@example.com', externalId: 'ext-one' }, orgB);
    expect(inB.status).toBe(200);
    expect(inB.body.created).toBe(true);
    expect(idOf(inB)).not.toBe(c1.id);
    expect(idOf(await lookup(`mobile=${c1.mobile}`, orgB))).toBe(idOf(inB));
    expect(idOf(await lookup(`mobile=${c1.mobile}`))).toBe(c1.id);
    expect((await lookup(`id=${idOf(inB)}`)).body.errors[0].code).toBe(701);
  });
});

describe('OpenAPI', () => {
  it('documents both customer routes with tags and summaries', async () => {
    const doc = (await t.get('/openapi.json', null)).body;
    expect(doc.paths['/v2/customers'].post).toMatchObject({
      tags: ['customers'],
      summary: expect.any(String),
    });
    expect(doc.paths['/v2/customers/lookup'].get).toMatchObject({
      tags: ['customers'],
      summary: expect.any(String),
    });
  });
});
