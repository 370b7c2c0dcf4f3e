// Customers through the API (docs/api.md §4): registration in both body shapes, the reference's customer object,
// normalisation, precedence and conflicts, scopes, org isolation and concurrent registration.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, TestClock, type TestApp, type TestClient } from '../support/build-test-app.js';

let t: TestApp;
let india: TestClient;
const clock = new TestClock(Date.UTC(2026, 0, 15, 10, 0, 0, 250));

beforeAll(async () => {
  t = await buildTestApp({ clock });
  india = await t.createOrg('x', { mobileCountryCode: '91' });
});
afterAll(async () => t.close());

let seq = 0;
/** A fresh ten-digit national number for each test, so tests don't share customers. */
const nextMobile = (): string => `9${String(700_000_000 + ++seq * 7919).padStart(9, '0')}`;

const register = (body: unknown, as: TestClient = india) => t.post('/v2/customers', body, as);
const lookup = (query: string, as: TestClient = india) => t.get(`/v2/customers/lookup?${query}`, as);
const idOf = (r: { body: { customer: { id: number } } }): number => r.body.customer.id;

describe('POST /v2/customers', () => {
  it("registers a customer from the flat shape and answers the reference's customer object", async () => {
    const r = await register({
      firstName: 'Tom',
      lastName: 'Sawyer',
      mobile: '75000 00005',
      email: 'Tom.Sawyer@Example.com',
      externalId: 'EXT-1',
    });
    expect(r.status).toBe(200);
    const id = idOf(r);
    expect(Number.isInteger(id) && id > 0).toBe(true);
    const identifiers = [
      { type: 'mobile', value: '917500000005' },
      { type: 'email', value: 'tom.sawyer@example.com' },
      { type: 'externalId', value: 'EXT-1' },
    ];
    expect(r.body).toEqual({
      customer: {
        id,
        profiles: [
          {
            firstName: 'Tom',
            lastName: 'Sawyer',
            fields: {},
            identifiers,
            commChannels: [],
            userId: id,
            accountId: '',
            autoUpdateTime: '2026-01-15T10:00:00Z',
            identifiersAll: identifiers,
          },
        ],
      },
      created: true,
      warnings: [],
    });
  });

  it("registers a customer from the reference's profile shape", async () => {
    const mobile = nextMobile();
    const r = await register({
      profiles: [
        {
          firstName: 'Huck',
          lastName: 'Finn',
          identifiers: [
            { type: 'email', value: 'huck@example.com' },
            { type: 'mobile', value: mobile },
          ],
        },
      ],
    });
    expect(r.status).toBe(200);
    expect(r.body.created).toBe(true);
    const profile = r.body.customer.profiles[0];
    expect(profile).toMatchObject({ firstName: 'Huck', lastName: 'Finn', userId: idOf(r) });
    expect(profile.identifiers).toEqual([
      { type: 'mobile', value: `91${mobile}` },
      { type: 'email', value: 'huck@example.com' },
    ]);
  });

  it('shows only the identifiers a customer has, and empty names when it has none', async () => {
    const r = await register({ externalId: 'only-ext' });
    expect(r.body.customer.profiles[0]).toMatchObject({
      firstName: '',
      lastName: '',
      identifiers: [{ type: 'externalId', value: 'only-ext' }],
      identifiersAll: [{ type: 'externalId', value: 'only-ext' }],
    });
  });

  it('answers the existing customer, unchanged, when the identifiers name one already', async () => {
    const mobile = nextMobile();
    const first = await register({ firstName: 'Ann', mobile, email: 'ann@example.com' });
    const again = await register({ firstName: 'Anne', mobile, email: 'ANN@example.com' });
    expect(again.status).toBe(200);
    expect(again.body.created).toBe(false);
    expect(again.body.customer).toEqual(first.body.customer);
    // An identifier nobody has yet is not attached to the customer the others name.
    const extra = await register({ mobile, externalId: 'ann-ext' });
    expect(extra.body).toMatchObject({ created: false, customer: { id: idOf(first) } });
    expect((await lookup('externalId=ann-ext')).body.errors[0].code).toBe(701);
  });

  it('refuses identifiers that name different customers with 721', async () => {
    const a = nextMobile();
    const b = nextMobile();
    await register({ mobile: a, email: 'a721@example.com' });
    await register({ mobile: b, email: 'b721@example.com' });
    const r = await register({ mobile: a, email: 'b721@example.com' });
    expect(r.status).toBe(400);
    expect(r.body).toEqual({
      errors: [
        {
          code: 721,
          message: 'invalid customer: email belongs to another customer',
          reason: 'INVALID_CUSTOMER',
        },
      ],
      warnings: [],
    });
  });

  it('refuses one identifier given twice with different values with 721, and accepts equal ones', async () => {
    const mobile = nextMobile();
    const twice = await register({
      mobile,
      profiles: [{ identifiers: [{ type: 'mobile', value: nextMobile() }] }],
    });
    expect(twice.status).toBe(400);
    expect(twice.body.errors[0].code).toBe(721);
    const same = await register({
      mobile,
      profiles: [{ identifiers: [{ type: 'mobile', value: `+91 ${mobile}` }] }],
    });
    expect(same.status).toBe(200);
    expect(same.body.customer.profiles[0].identifiers).toEqual([{ type: 'mobile', value: `91${mobile}` }]);
  });

  it('refuses a request without any identifier with 721; empty strings count as absent', async () => {
    for (const body of [
      {},
      { firstName: 'Nobody' },
      { mobile: '', email: '', externalId: '' },
      { profiles: [] },
      { profiles: [{ firstName: 'x', identifiers: [{ type: 'mobile', value: '' }] }] },
    ]) {
      const r = await register(body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.body.errors[0]).toMatchObject({
        code: 721,
        message: 'invalid customer: a customer identifier is required',
      });
    }
    const partly = await register({ mobile: '', email: '', externalId: 'empty-others' });
    expect(partly.status).toBe(200);
    expect(partly.body.customer.profiles[0].identifiers).toEqual([
      { type: 'externalId', value: 'empty-others' },
    ]);
  });

  it('refuses malformed identifiers with 721', async () => {
    for (const body of [
      { mobile: '98765 4321x' },
      { mobile: 'call me' },
      { email: 'not-an-email' },
      { externalId: 'x'.repeat(129) },
    ]) {
      const r = await register(body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.body.errors[0].code, JSON.stringify(body)).toBe(721);
    }
  });

  it('refuses a body of the wrong shape with 629 naming the field', async () => {
    const cases: [unknown, string][] = [
      [{ mobile: nextMobile(), firstName: { a: 1 } }, 'firstName'],
      [{ profiles: 'me' }, 'profiles'],
      [{ profiles: [{ identifiers: [{ type: 'phone', value: '1' }] }] }, 'type'],
      [{ profiles: [{ identifiers: [{ value: nextMobile() }] }] }, 'type'],
      [{ profiles: [{ identifiers: [] }, { identifiers: [] }] }, 'profiles'],
      [{ mobile: nextMobile(), lastName: 'x'.repeat(201) }, 'lastName'],
    ];
    for (const [body, field] of cases) {
      const r = await register(body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.body.errors[0].code).toBe(629);
      expect(r.body.errors[0].message).toContain(field);
      expect(r.body.warnings).toEqual([]);
    }
  });

  it('refuses a client without the write scope with 403', async () => {
    const reader = await t.createClient(india.orgId, { scopes: ['read'] });
    const r = await register({ mobile: nextMobile() }, reader);
    expect(r.status).toBe(403);
    expect(r.body.errors[0].code).toBe(403);
    const none = await t.post('/v2/customers', { mobile: nextMobile() }, null);
    expect(none.status).toBe(401);
  });

  it('registers one customer when 20 requests race to register the same mobile', async () => {
    const mobile = nextMobile();
    const replies = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        register(
          i % 2 === 0
            ? { mobile }
            : { profiles: [{ identifiers: [{ type: 'mobile', value: `+91 ${mobile}` }] }] },
        ),
      ),
    );
    expect(replies.map((r) => r.status)).toEqual(Array(20).fill(200));
    expect(new Set(replies.map(idOf)).size).toBe(1);
    expect(replies.filter((r) => r.body.created === true)).toHaveLength(1);
    expect(idOf(await lookup(`mobile=${mobile}`))).toBe(idOf(replies[0]!));
  });

  it('answers one customer to racing registrations that share a mobile but bring different emails', async () => {
    const mobile = nextMobile();
    const replies = await Promise.all(
      Array.from({ length: 10 }, (_, i) => register({ mobile, email: `race${seq}-${i}@example.com` })),
    );
    expect(replies.map((r) => r.status)).toEqual(Array(10).fill(200));
    expect(new Set(replies.map(idOf)).size).toBe(1);
    expect(replies.filter((r) => r.body.created === true)).toHaveLength(1);
  });
});

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
