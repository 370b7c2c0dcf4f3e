// Customers and their identifiers: lookups by id, mobile, email and external id, and race-free registration.
import type { Selectable } from 'kysely';
import type { Customer } from '../domain/customer.js';
import type { Engine } from './database.js';
import { newId } from './ids.js';
import {
  adhoc,
  one,
  readBatch,
  rows,
  prepare,
  type Op,
  type Params,
  type Read,
  type Script,
} from './script.js';
import type { CustomerTable } from './tables.js';

type CustomerRow = Selectable<CustomerTable>;

const toCustomer = (row: CustomerRow): Customer => ({
  id: row.id,
  mobile: row.mobile,
  email: row.email,
  externalId: row.external_id,
  firstName: row.first_name,
  lastName: row.last_name,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

/** Identifier values to match; null stands for "not given" (a NULL never equals anything in SQL). */
export interface CustomerKeys {
  id: number | null;
  externalId: string | null;
  mobile: string | null;
  email: string | null;
}

export interface NewCustomer {
  org: number;
  mobile: string | null;
  email: string | null;
  externalId: string | null;
  firstName: string | null;
  lastName: string | null;
  now: number;
}

const first = (found: readonly CustomerRow[]): Customer | undefined => {
  const row = found[0];
  return row && toCustomer(row);
};

/** The distinct customers a set of lookups found (one identifier may name the customer another named). */
export function matching(found: readonly (Customer | undefined)[]): Customer[] {
  const byId = new Map<number, Customer>();
  for (const c of found) if (c) byId.set(c.id, c);
  return [...byId.values()];
}

export function createCustomerStore(engine: Engine) {
  const db = engine.kysely;
  const byId = prepare((p: Params<{ org: number; id: number }>) =>
    db.selectFrom('customer').selectAll().where('org_id', '=', p.org).where('id', '=', p.id),
  );
  const byMobile = prepare((p: Params<{ org: number; mobile: string }>) =>
    db.selectFrom('customer').selectAll().where('org_id', '=', p.org).where('mobile', '=', p.mobile),
  );
  const byEmail = prepare((p: Params<{ org: number; email: string }>) =>
    db.selectFrom('customer').selectAll().where('org_id', '=', p.org).where('email', '=', p.email),
  );
  const byExternalId = prepare((p: Params<{ org: number; externalId: string }>) =>
    db.selectFrom('customer').selectAll().where('org_id', '=', p.org).where('external_id', '=', p.externalId),
  );
  // SQLite has no FOR UPDATE; its write transactions are serialised by BEGIN IMMEDIATE instead.
  const lock = prepare((p: Params<{ org: number; id: number }>) => {
    const q = db.selectFrom('customer').select('id').where('org_id', '=', p.org).where('id', '=', p.id);
    return engine.dialect === 'postgres' ? q.forUpdate() : q;
  });
  // A conflict on any unique identifier inserts nothing and answers no row; the caller reads again.
  const insert = prepare((p: Params<NewCustomer>) =>
    db
      .insertInto('customer')
      .values({
        ...newId(engine.dialect, 'customer'),
        org_id: p.org,
        mobile: p.mobile,
        email: p.email,
        external_id: p.externalId,
        first_name: p.firstName,
        last_name: p.lastName,
        created_at: p.now,
        updated_at: p.now,
      })
      .onConflict((oc) => oc.doNothing())
      .returningAll(),
  );

  return {
    *findById(org: number, id: number): Script<Customer | undefined> {
      const row = yield* one(byId, { org, id });
      return row && toCustomer(row);
    },
    *findByMobile(org: number, mobile: string): Script<Customer | undefined> {
      const row = yield* one(byMobile, { org, mobile });
      return row && toCustomer(row);
    },
    *findByEmail(org: number, email: string): Script<Customer | undefined> {
      const row = yield* one(byEmail, { org, email });
      return row && toCustomer(row);
    },
    *findByExternalId(org: number, externalId: string): Script<Customer | undefined> {
      const row = yield* one(byExternalId, { org, externalId });
      return row && toCustomer(row);
    },
    /**
     * The customers any of the given identifiers name (at most one per identifier), one indexed lookup per
     * identifier given. (A single OR over the four columns made SQLite scan the org's customers.)
     */
    *findMatching(org: number, keys: CustomerKeys): Script<Customer[]> {
      return matching(yield* readBatch(this.readMatching(org, keys)));
    },
    /** `findMatching` as reads that can join a batch (one per identifier given); `matching` joins their answers. */
    readMatching(org: number, keys: CustomerKeys): Read<Customer | undefined>[] {
      const reads: Read<Customer | undefined>[] = [];
      const add = (op: Op) => reads.push({ op, map: (found) => first(found as CustomerRow[]) });
      if (keys.id !== null) add(byId.bind({ org, id: keys.id }));
      if (keys.externalId !== null) add(byExternalId.bind({ org, externalId: keys.externalId }));
      if (keys.mobile !== null) add(byMobile.bind({ org, mobile: keys.mobile }));
      if (keys.email !== null) add(byEmail.bind({ org, email: keys.email }));
      return reads;
    },
    /** The customers with these ids; unknown ids are left out. */
    *findByIds(org: number, ids: readonly number[]): Script<Customer[]> {
      if (ids.length === 0) return [];
      const found = yield* rows<CustomerRow>(
        adhoc(db.selectFrom('customer').selectAll().where('org_id', '=', org).where('id', 'in', ids)),
      );
      return found.map(toCustomer);
    },
    /**
     * Locks the customer row until the transaction ends (PostgreSQL), so writes about one customer are
     * serialised. Lock order: customer before anything else.
     */
    *lock(org: number, id: number): Script<void> {
      // SQLite's BEGIN IMMEDIATE already holds the only write lock: nothing to do.
      if (engine.dialect === 'postgres') yield* one(lock, { org, id });
    },
    /** `lock` as a read that can join a batch (PostgreSQL; batches run there only). */
    readLock(org: number, id: number): Read<void> {
      return { op: lock.bind({ org, id }), map: () => undefined };
    },
    /** `insert` as a statement that can join a batch. */
    readInsert(c: NewCustomer): Read<Customer | undefined> {
      return {
        op: insert.bind(c),
        map: (rows) => {
          const row = (rows as CustomerRow[])[0];
          return row && toCustomer(row);
        },
      };
    },
    /** Inserts a customer; undefined when one of its identifiers already belongs to a customer. */
    *insert(c: NewCustomer): Script<Customer | undefined> {
      const row = yield* one(insert, c);
      return row && toCustomer(row);
    },
  };
}

export type CustomerStore = ReturnType<typeof createCustomerStore>;
