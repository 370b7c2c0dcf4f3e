// The cards customers hold (docs/api.md §4 "Cards"): which customer a card number or card external id names,
// and attaching a card to a customer. org_id leads every key and filters every query.
import type { Engine } from './database.js';
import { newId } from './ids.js';
import { adhoc, one, rows, prepare, type Params, type Script } from './script.js';

export interface CustomerCard {
  customerId: number;
  cardNumber: string | null;
  cardExternalId: string | null;
}

interface CardRow {
  customer_id: number;
  card_number: string | null;
  card_external_id: string | null;
}

const toCard = (r: CardRow): CustomerCard => ({
  customerId: Number(r.customer_id),
  cardNumber: r.card_number,
  cardExternalId: r.card_external_id,
});

export function createCustomerCardStore(engine: Engine) {
  const db = engine.kysely;
  const cols = ['customer_id', 'card_number', 'card_external_id'] as const;
  const byNumber = prepare((p: Params<{ org: number; number: string }>) =>
    db
      .selectFrom('customer_card')
      .select(cols)
      .where('org_id', '=', p.org)
      .where('card_number', '=', p.number),
  );
  const byExternalId = prepare((p: Params<{ org: number; externalId: string }>) =>
    db
      .selectFrom('customer_card')
      .select(cols)
      .where('org_id', '=', p.org)
      .where('card_external_id', '=', p.externalId),
  );
  // A card already held (either identifier taken) inserts nothing and answers no row.
  const insert = prepare(
    (
      p: Params<{
        org: number;
        customer: number;
        number: string | null;
        externalId: string | null;
        now: number;
      }>,
    ) =>
      db
        .insertInto('customer_card')
        .values({
          ...newId(engine.dialect, 'customer_card'),
          org_id: p.org,
          customer_id: p.customer,
          card_number: p.number,
          card_external_id: p.externalId,
          created_at: p.now,
        })
        .onConflict((oc) => oc.doNothing())
        .returning(cols),
  );

  return {
    /** The card with this number, if any customer of the org holds it. */
    *findByNumber(org: number, number: string): Script<CustomerCard | undefined> {
      const row = yield* one(byNumber, { org, number });
      return row && toCard(row);
    },
    /** The card with this external id, if any customer of the org holds it. */
    *findByExternalId(org: number, externalId: string): Script<CustomerCard | undefined> {
      const row = yield* one(byExternalId, { org, externalId });
      return row && toCard(row);
    },
    /** Gives a card to a customer; false when its number or external id is already held. */
    *attach(
      org: number,
      customer: number,
      card: { number: string | null; externalId: string | null },
      now: number,
    ): Script<boolean> {
      const row = yield* one(insert, {
        org,
        customer,
        number: card.number,
        externalId: card.externalId,
        now,
      });
      return row !== undefined;
    },
    /** The cards of these customers, oldest first. */
    *cardsOf(org: number, customers: readonly number[]): Script<CustomerCard[]> {
      if (customers.length === 0) return [];
      const found = yield* rows<CardRow>(
        adhoc(
          db
            .selectFrom('customer_card')
            .select(cols)
            .where('org_id', '=', org)
            .where('customer_id', 'in', customers)
            .orderBy('id'),
        ),
      );
      return found.map(toCard);
    },
  };
}

export type CustomerCardStore = ReturnType<typeof createCustomerCardStore>;
