// Customers: registration, lookup, and resolving the customer a request names (docs/api.md §4).
import {
  isEmptyRef,
  parseCustomerRef,
  pickCustomer,
  type Customer,
  type CustomerRef,
  type IdentifierType,
} from '../domain/customer.js';
import { CouponError } from '../domain/errors.js';
import type { OrgSettings } from '../domain/principal.js';
import { readBatch, RetryConflict, type Read, type Script } from '../storage/script.js';
import { matching } from '../storage/customer-store.js';
import type { Stores } from '../storage/stores.js';
import type { AnswerInWork, StorageDeps } from './deps.js';

export interface ResolveOptions {
  /** Registers the customer when the ref names nobody yet (issuing, docs/api.md §4). */
  register: boolean;
  now: number;
  firstName?: string | null;
  lastName?: string | null;
  /**
   * Reads that do not need the customer, sent in one batch with the registration (PostgreSQL: one round
   * trip for both; storage/script.ts `readBatch`). Their answers come back in `alongside` when the customer
   * was created here.
   */
  alongside?: readonly Read<unknown>[];
  /**
   * Reads that do not need the customer's id, sent in one batch with the lookup of the customer (PostgreSQL:
   * one round trip for both). Their answers come back in `withLookup`.
   */
  withLookup?: readonly Read<unknown>[];
}

export interface ResolvedCustomer {
  customer: Customer;
  created: boolean;
  /** The answers of `options.alongside`, when the customer was created by this call. */
  alongside?: unknown[];
  /** The answers of `options.withLookup`. */
  withLookup?: unknown[];
}

/**
 * The customers each identifier of `ref` names, read in one batch; `withLookup` reads travel in the same
 * batch, and their answers come back in `withLookup`.
 */
function* findEach(
  stores: Stores,
  org: number,
  ref: CustomerRef,
  withLookup: readonly Read<unknown>[] = [],
): Script<Partial<Record<IdentifierType, Customer>> & { withLookup?: unknown[] }> {
  const lookups = stores.customer.readMatching(org, {
    id: ref.id ?? null,
    externalId: ref.externalId ?? null,
    mobile: ref.mobile ?? null,
    email: ref.email ?? null,
  });
  const answers = yield* readBatch([...lookups, ...withLookup] as never);
  const found = matching((answers as unknown[]).slice(0, lookups.length) as (Customer | undefined)[]);
  const byType: Partial<Record<IdentifierType, Customer>> & { withLookup?: unknown[] } = {};
  if (withLookup.length > 0) byType.withLookup = (answers as unknown[]).slice(lookups.length);
  for (const c of found) {
    if (ref.id !== undefined && c.id === ref.id) byType.id = c;
    if (ref.externalId !== undefined && c.externalId === ref.externalId) byType.externalId = c;
    if (ref.mobile !== undefined && c.mobile === ref.mobile) byType.mobile = c;
    if (ref.email !== undefined && c.email === ref.email) byType.email = c;
  }
  // Cards (docs/api.md §4 "Cards"): each names the customer holding it.
  const cards = [
    ['cardNumber', ref.cardNumber && (yield* stores.customerCard.findByNumber(org, ref.cardNumber))],
    [
      'cardExternalId',
      ref.cardExternalId && (yield* stores.customerCard.findByExternalId(org, ref.cardExternalId)),
    ],
  ] as const;
  const holders = cards.flatMap(([, card]) => (card ? [card.customerId] : []));
  if (holders.length > 0) {
    const byId = new Map((yield* stores.customer.findByIds(org, holders)).map((c) => [c.id, c]));
    for (const [type, card] of cards) if (card) byType[type] = byId.get(card.customerId);
  }
  return byType;
}

/**
 * Gives the customer the card the ref names when no customer holds it yet (registration only). A card whose
 * number or external id another customer took meanwhile is refused like any identifier of another customer.
 */
function* attachCard(
  stores: Stores,
  org: number,
  ref: CustomerRef,
  found: Partial<Record<IdentifierType, Customer>>,
  customer: Customer,
  now: number,
  created: boolean,
): Script<void> {
  if (ref.cardNumber === undefined && ref.cardExternalId === undefined) return;
  if (found.cardNumber || found.cardExternalId) return;
  const card = { number: ref.cardNumber ?? null, externalId: ref.cardExternalId ?? null };
  if (yield* stores.customerCard.attach(org, customer.id, card, now)) return;
  // A concurrent registration took the card first: run again; the card then names its holder (721 when
  // that is another customer).
  throw new RetryConflict(created ? 'customer card (new customer)' : 'customer card');
}

/**
 * The id of the existing customer a ref names, if exactly one does (no registration, no refusal): lets the
 * guess throttle count a customer's id, mobile, email and external id as one customer.
 */
export function* knownCustomerId(
  stores: Stores,
  org: OrgSettings,
  ref: CustomerRef,
): Script<number | undefined> {
  if (isEmptyRef(ref)) return undefined;
  const found = yield* findEach(stores, org.orgId, ref);
  if (ref.id !== undefined && !found.id) return undefined;
  try {
    return pickCustomer(ref, found)?.id;
  } catch {
    return undefined; // identifiers naming different customers: counted under the identifiers given
  }
}

/**
 * Finds the customer a request names, registering it when asked to (docs/api.md §4). A transaction script: other
 * services run it inside their own transaction, before anything else (701/721 come first).
 */
export function* resolveCustomer(
  stores: Stores,
  org: OrgSettings,
  ref: CustomerRef,
  options: ResolveOptions,
): Script<ResolvedCustomer> {
  if (isEmptyRef(ref)) throw new CouponError('InvalidCustomer', 'a customer identifier is required');
  const registration = {
    org: org.orgId,
    mobile: ref.mobile ?? null,
    email: ref.email ?? null,
    externalId: ref.externalId ?? null,
    firstName: options.firstName ?? null,
    lastName: options.lastName ?? null,
    now: options.now,
  };
  // With reads to send alongside (PostgreSQL), the registration goes with the lookup itself: it inserts
  // nothing when any identifier already names a customer (each is unique in the org), so it only registers
  // when the lookup finds nobody, and a new customer's issue costs one round trip less. Not with an id (it
  // names only customers that exist) nor with a card (attached after the lookup).
  const eager =
    options.register &&
    !!options.alongside?.length &&
    ref.id === undefined &&
    ref.cardNumber === undefined &&
    ref.cardExternalId === undefined;
  const found = yield* findEach(
    stores,
    org.orgId,
    ref,
    eager ? [stores.customer.readInsert(registration), ...options.alongside!] : options.withLookup,
  );
  if (ref.id !== undefined && !found.id) throw new CouponError('CustomerNotFound', `id ${ref.id}`);
  const existing = pickCustomer(ref, found);
  if (existing) {
    if (options.register) yield* attachCard(stores, org.orgId, ref, found, existing, options.now, false);
    return {
      customer: existing,
      created: false,
      ...(found.withLookup && !eager ? { withLookup: found.withLookup } : {}),
    };
  }
  // An id names only customers that exist, so from here on the ref carries mobile, email or externalId.
  if (!options.register) throw new CouponError('CustomerNotFound');

  if (eager) {
    const [created, ...alongside] = found.withLookup as [Customer | undefined, ...unknown[]];
    if (created) return { customer: created, created: true, alongside };
  } else if (options.alongside?.length) {
    const [created, ...alongside] = (yield* readBatch([
      stores.customer.readInsert(registration),
      ...options.alongside,
    ] as never)) as unknown as [Customer | undefined, ...unknown[]];
    if (created) {
      yield* attachCard(stores, org.orgId, ref, found, created, options.now, true);
      return { customer: created, created: true, alongside };
    }
  } else {
    const created = yield* stores.customer.insert(registration);
    if (created) {
      yield* attachCard(stores, org.orgId, ref, found, created, options.now, true);
      return { customer: created, created: true };
    }
  }
  // Nothing inserted: a concurrent registration committed first (PostgreSQL's insert waited for it), so
  // reading again sees it. The pick refuses (721) when the identifiers now name different customers.
  const again = pickCustomer(ref, yield* findEach(stores, org.orgId, ref));
  if (again) return { customer: again, created: false };
  throw new RetryConflict('customer registration');
}

/** What POST /v2/customers takes: identifiers as the wire gave them (a type may repeat), and names. */
export interface RegisterInput {
  identifiers: {
    type: 'mobile' | 'email' | 'externalId' | 'cardNumber' | 'cardExternalId';
    value: unknown;
  }[];
  firstName?: string | null | undefined;
  lastName?: string | null | undefined;
}

/** What GET /v2/customers/lookup takes. */
export interface LookupQuery {
  id?: unknown;
  mobile?: unknown;
  email?: unknown;
  externalId?: unknown;
  cardNumber?: unknown;
  cardExternalId?: unknown;
}

/**
 * Merges identifiers given one by one into a ref. Empty values count as absent; one identifier given twice
 * must normalise to the same value, else the request names two customers at once (721).
 */
export function refFromIdentifiers(
  identifiers: RegisterInput['identifiers'],
  countryCode: string | null,
): CustomerRef {
  const ref: CustomerRef = {};
  for (const { type, value } of identifiers) {
    const v = parseCustomerRef({ [type]: value }, countryCode)[type];
    if (v === undefined) continue;
    if (ref[type] !== undefined && ref[type] !== v)
      throw new CouponError('InvalidCustomer', `two different ${type} values`);
    ref[type] = v;
  }
  return ref;
}

/** A name as stored: trimmed, and null when empty. */
const cleanName = (s: string | null | undefined): string | null => {
  const t = s?.trim();
  return t ? t : null;
};

export function createCustomerService(deps: StorageDeps) {
  const { engine, stores, now } = deps;
  return {
    /**
     * Registers a customer, or answers the one its identifiers already name (then unchanged: names and
     * identifiers it lacks are not added). Identifiers naming different customers are 721. With `answer`
     * (an Idempotency-Key), the request's answer is stored in the same transaction.
     */
    async register(
      org: OrgSettings,
      input: RegisterInput,
      answer?: AnswerInWork<ResolvedCustomer>,
    ): Promise<ResolvedCustomer> {
      const ref = refFromIdentifiers(input.identifiers, org.mobileCountryCode);
      const options: ResolveOptions = {
        register: true,
        now: now(),
        firstName: cleanName(input.firstName),
        lastName: cleanName(input.lastName),
      };
      return engine.run(
        function* () {
          const done = yield* resolveCustomer(stores, org, ref, options);
          if (answer) yield* answer(done);
          return done;
        },
        { write: true },
      );
    },

    /** Finds the customer the query names; 701 when nobody, 721 when the identifiers disagree. */
    async lookup(org: OrgSettings, query: LookupQuery): Promise<Customer> {
      const ref = parseCustomerRef(query, org.mobileCountryCode);
      const options: ResolveOptions = { register: false, now: now() };
      const { customer } = await engine.run(() => resolveCustomer(stores, org, ref, options));
      return customer;
    },
  };
}

export type CustomerService = ReturnType<typeof createCustomerService>;
