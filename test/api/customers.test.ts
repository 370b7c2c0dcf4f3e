// Customers through the API (docs/api.md §4): registration in both body shapes, the reference's customer object,
// precedence and conflicts, scopes and concurrent registration. Normalisation and lookup: customers-lookup.test.ts.
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

const { nextMobile, lastSeq, register, lookup, idOf } = customerKit(() => ({ t, india }));

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
      Array.from({ length: 10 }, (_, i) => register({ mobile, email: `race${lastSeq()}-${i}@example.com` })),
    );
    expect(replies.map((r) => r.status)).toEqual(Array(10).fill(200));
    expect(new Set(replies.map(idOf)).size).toBe(1);
    expect(replies.filter((r) => r.body.created === true)).toHaveLength(1);
  });
});
