// The cards a customer holds (docs/api.md §4 "Cards"): a card number and/or a card external id, each unique
// in the org, each naming one customer. Keyed by (org_id, id) like every table.
import { sql, type Kysely } from 'kysely';
import type { Dialect } from '../dialect.js';

export function customerCards0040(dialect: Dialect) {
  const pg = dialect === 'postgres';
  const big = pg ? 'bigint' : 'integer';
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      const t = db.schema.createTable('customer_card').addColumn('org_id', big, (c) => c.notNull());
      await (
        pg
          ? t.addColumn('id', 'bigint', (c) => c.notNull().generatedByDefaultAsIdentity())
          : t.addColumn('id', 'integer', (c) => c.notNull())
      )
        .addColumn('customer_id', big, (c) => c.notNull())
        .addColumn('card_number', 'text')
        .addColumn('card_external_id', 'text')
        .addColumn('created_at', big, (c) => c.notNull())
        .addPrimaryKeyConstraint('customer_card_pk', ['org_id', 'id'])
        .execute();
      for (const column of ['card_number', 'card_external_id']) {
        await db.schema
          .createIndex(`customer_card_${column}_uq`)
          .on('customer_card')
          .columns(['org_id', column])
          .unique()
          .where(sql.ref(column), 'is not', null)
          .execute();
      }
      await db.schema
        .createIndex('customer_card_customer_ix')
        .on('customer_card')
        .columns(['org_id', 'customer_id'])
        .execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropTable('customer_card').execute();
    },
  };
}
