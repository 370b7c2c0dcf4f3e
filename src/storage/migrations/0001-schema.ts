// The whole schema of the contract (docs/api.md §2–§11) in one migration that runs on SQLite and PostgreSQL.
// Every primary and unique key starts with org_id, so the tables can be distributed by org later.
import { sql, type CreateTableBuilder, type Kysely } from 'kysely';
import type { Dialect } from '../dialect.js';

export function schema0001(dialect: Dialect) {
  const pg = dialect === 'postgres';
  const big = pg ? 'bigint' : 'integer';
  const moneyType = pg ? sql`numeric(38,4)` : sql`text`;

  return {
    async up(db: Kysely<unknown>): Promise<void> {
      /** A table keyed by (org_id, id): id is identity on PostgreSQL; on SQLite inserts supply max(rowid)+1 (storage/ids.ts). */
      const withId = (name: string): CreateTableBuilder<string, string> => {
        const t = db.schema.createTable(name).addColumn('org_id', big, (c) => c.notNull());
        return (
          pg
            ? t.addColumn('id', 'bigint', (c) => c.notNull().generatedByDefaultAsIdentity())
            : t.addColumn('id', 'integer', (c) => c.notNull())
        ) as CreateTableBuilder<string, string>;
      };
      await db.schema
        .createTable('org')
        .addColumn('org_id', big, (c) =>
          pg ? c.primaryKey().generatedByDefaultAsIdentity() : c.primaryKey().autoIncrement(),
        )
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('timezone', 'text', (c) => c.notNull())
        .addColumn('mobile_country_code', 'text')
        .addColumn('sms_webhook_url', 'text')
        .addColumn('created_at', big, (c) => c.notNull())
        .addColumn('updated_at', big, (c) => c.notNull())
        .execute();

      await withId('api_client')
        .addColumn('key', 'text', (c) => c.notNull())
        .addColumn('salt', 'text', (c) => c.notNull())
        .addColumn('secret_hash', 'text', (c) => c.notNull())
        .addColumn('secret_md5_hash', 'text', (c) => c.notNull())
        .addColumn('till_id', 'text')
        .addColumn('scopes', 'text', (c) => c.notNull())
        .addColumn('created_at', big, (c) => c.notNull())
        .addColumn('revoked_at', big)
        .addPrimaryKeyConstraint('api_client_pk', ['org_id', 'id'])
        .addUniqueConstraint('api_client_key_uq', ['org_id', 'key'])
        .execute();

      await withId('customer')
        .addColumn('mobile', 'text')
        .addColumn('email', 'text')
        .addColumn('external_id', 'text')
        .addColumn('first_name', 'text')
        .addColumn('last_name', 'text')
        .addColumn('created_at', big, (c) => c.notNull())
        .addColumn('updated_at', big, (c) => c.notNull())
        .addPrimaryKeyConstraint('customer_pk', ['org_id', 'id'])
        .execute();
      // Each identifier is unique in the org. Partial indexes: most customers lack one or two identifiers,
      // and NULLs would be index entries (and writes) for nothing. `x = ?` lets both planners use them.
      for (const column of ['mobile', 'email', 'external_id']) {
        await db.schema
          .createIndex(`customer_${column}_uq`)
          .on('customer')
          .columns(['org_id', column])
          .unique()
          .where(sql.ref(column), 'is not', null)
          .execute();
      }

      let series = withId('coupon_series');
      for (const col of [
        'series_code',
        'description',
        'discount_code',
        'discount_type',
        'discount_on',
        'client_handling_type',
        'valid_till_date',
        'expiry_strategy_type',
        'mutual_exclusive_series_ids',
        'store_ids_json',
        'redeem_at_store',
        'redemption_range',
        'code_prefix',
        'code_suffix',
        'sms_template',
        'extra',
      ]) {
        series = series.addColumn(col, 'text', (c) => c.notNull());
      }
      series = series.addColumn('generic_code', 'text').addColumn('redemption_valid_from', 'text');
      for (const col of ['discount_value', 'discount_upto', 'min_bill_amount', 'max_bill_amount']) {
        series = series.addColumn(col, moneyType, (c) => c.notNull());
      }
      for (const col of [
        'redemption_valid_after_days',
        'expiry_strategy_value',
        'max_create',
        'max_redeem',
        'max_vouchers_per_user',
        'min_days_between_vouchers',
        'max_redemptions_per_user',
        'min_days_between_redemption',
        'redemption_per_coupon_max_limit',
        'any_user',
        'same_user_multiple_redeem',
        'is_multiple_use_allowed',
        'multiple_vouchers_per_user',
        'do_not_resend_existing',
        'alpha_numeric',
        'random_code_length',
        'prefix_enabled',
        'suffix_enabled',
        'exclude_look_alikes',
        'is_sms_disabled',
        'config_version',
        'created_at',
        'updated_at',
      ]) {
        series = series.addColumn(col, big, (c) => c.notNull());
      }
      await series
        .addColumn('created_by', big)
        .addPrimaryKeyConstraint('coupon_series_pk', ['org_id', 'id'])
        .addUniqueConstraint('coupon_series_code_uq', ['org_id', 'series_code'])
        .execute();
      // A GENERIC series' code is unique in the org like any other code.
      await db.schema
        .createIndex('coupon_series_generic_code_uq')
        .on('coupon_series')
        .columns(['org_id', 'generic_code'])
        .unique()
        .where(sql.ref('generic_code'), 'is not', null)
        .execute();

      let counter = db.schema
        .createTable('series_counter')
        .addColumn('org_id', big, (c) => c.notNull())
        .addColumn('series_id', big, (c) => c.notNull())
        .addColumn('slot', 'integer', (c) => c.notNull());
      for (const col of [
        'config_version',
        'num_issued',
        'num_redeemed',
        'num_uploaded_total',
        'num_uploaded_non_issued',
        'latest_issual_time',
        'latest_redemption_time',
      ]) {
        counter = counter.addColumn(col, big, (c) => c.notNull().defaultTo(0));
      }
      await counter.addPrimaryKeyConstraint('series_counter_pk', ['org_id', 'series_id', 'slot']).execute();

      await withId('coupon')
        .addColumn('series_id', big, (c) => c.notNull())
        .addColumn('code', 'text', (c) => c.notNull())
        .addColumn('is_generic', 'integer', (c) => c.notNull())
        .addColumn('customer_id', big)
        .addColumn('issued_at', big)
        .addColumn('valid_till', 'text')
        .addColumn('redemption_count', big, (c) => c.notNull().defaultTo(0))
        .addColumn('last_redeemed_at', big)
        .addColumn('revoked_at', big)
        .addColumn('held_until', big)
        .addColumn('origin', 'text', (c) => c.notNull())
        .addColumn('upload_job_id', big)
        .addColumn('issued_by', 'text')
        .addColumn('created_at', big, (c) => c.notNull())
        .addPrimaryKeyConstraint('coupon_pk', ['org_id', 'id'])
        .execute();
      // Codes are unique in the org, except that a GENERIC series hands its one code to everyone.
      await db.schema
        .createIndex('coupon_code_uq')
        .on('coupon')
        .columns(['org_id', 'code'])
        .unique()
        .where(sql.ref('is_generic'), '=', 0)
        .execute();
      await db.schema
        .createIndex('coupon_generic_code_ix')
        .on('coupon')
        .columns(['org_id', 'code', 'customer_id'])
        .where(sql.ref('is_generic'), '=', 1)
        .execute();
      await db.schema
        .createIndex('coupon_customer_ix')
        .on('coupon')
        // With id last, a customer's coupons of a series come newest first straight from the index.
        // Issued coupons only: pool codes (no customer) would be entries nobody reads.
        .columns(['org_id', 'customer_id', 'series_id', 'id'])
        .where(sql.ref('customer_id'), 'is not', null)
        .execute();
      await db.schema
        .createIndex('coupon_series_issued_ix')
        .on('coupon')
        .columns(['org_id', 'series_id', 'issued_at'])
        .where(sql.ref('issued_at'), 'is not', null)
        .execute();
      // The pool: unissued uploaded codes, handed out oldest first.
      await db.schema
        .createIndex('coupon_pool_ix')
        .on('coupon')
        .columns(['org_id', 'series_id', 'id'])
        .where(sql.ref('customer_id'), 'is', null)
        .execute();

      await db.schema
        .createTable('customer_series')
        .addColumn('org_id', big, (c) => c.notNull())
        .addColumn('customer_id', big, (c) => c.notNull())
        .addColumn('series_id', big, (c) => c.notNull())
        .addColumn('issued_count', big, (c) => c.notNull().defaultTo(0))
        .addColumn('last_issued_at', big)
        .addColumn('redeemed_count', big, (c) => c.notNull().defaultTo(0))
        .addColumn('last_redeemed_at', big)
        .addPrimaryKeyConstraint('customer_series_pk', ['org_id', 'customer_id', 'series_id'])
        .execute();

      await withId('redemption')
        .addColumn('coupon_id', big, (c) => c.notNull())
        .addColumn('series_id', big, (c) => c.notNull())
        .addColumn('customer_id', big, (c) => c.notNull())
        .addColumn('transaction_number', 'text')
        .addColumn('bill_amount', moneyType)
        .addColumn('discount_amount', moneyType, (c) => c.notNull())
        .addColumn('till_id', 'text')
        .addColumn('client_id', big)
        .addColumn('redeemed_at', big, (c) => c.notNull())
        .addColumn('recorded_at', big, (c) => c.notNull())
        .addColumn('reactivated_at', big)
        .addColumn('hold_id', big)
        .addColumn('origin', 'text', (c) => c.notNull())
        .addColumn('bill_id', 'text')
        .addColumn('details', 'text')
        .addColumn('upload_job_id', big)
        .addPrimaryKeyConstraint('redemption_pk', ['org_id', 'id'])
        .execute();
      await db.schema
        .createIndex('redemption_coupon_ix')
        .on('redemption')
        .columns(['org_id', 'coupon_id'])
        .execute();
      // Per-series reads by day (the console's chart) and per-series audits.
      await db.schema
        .createIndex('redemption_series_ix')
        .on('redemption')
        .columns(['org_id', 'series_id', 'redeemed_at'])
        .execute();
      await db.schema
        .createIndex('redemption_transaction_ix')
        .on('redemption')
        .columns(['org_id', 'customer_id', 'transaction_number'])
        .execute();

      await withId('coupon_hold')
        .addColumn('customer_id', big, (c) => c.notNull())
        .addColumn('client_id', big)
        .addColumn('transaction_number', 'text')
        .addColumn('bill_amount', moneyType)
        .addColumn('created_at', big, (c) => c.notNull())
        .addColumn('expires_at', big, (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('ended_at', big)
        .addPrimaryKeyConstraint('coupon_hold_pk', ['org_id', 'id'])
        .execute();

      await db.schema
        .createTable('coupon_hold_item')
        .addColumn('org_id', big, (c) => c.notNull())
        .addColumn('hold_id', big, (c) => c.notNull())
        .addColumn('coupon_id', big, (c) => c.notNull())
        .addColumn('series_id', big, (c) => c.notNull())
        .addColumn('customer_id', big, (c) => c.notNull())
        .addColumn('transaction_number', 'text')
        .addColumn('expires_at', big, (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('coupon_hold_item_pk', ['org_id', 'hold_id', 'coupon_id'])
        .execute();
      await db.schema
        .createIndex('hold_item_coupon_ix')
        .on('coupon_hold_item')
        .columns(['org_id', 'coupon_id'])
        .execute();
      await db.schema
        .createIndex('hold_item_series_ix')
        .on('coupon_hold_item')
        .columns(['org_id', 'series_id', 'expires_at'])
        .where(sql.ref('status'), '=', 'active')
        .execute();

      await withId('coupon_event')
        // PostgreSQL: the writing transaction's id. Ids are handed out before commit, so a reader following
        // events by id alone could pass one whose transaction commits later; webhooks follow transactions
        // that are known to be finished instead (services/webhooks.ts). SQLite commits in id order: 0.
        .addColumn('txid', big, (c) =>
          c.notNull().defaultTo(pg ? sql`(pg_current_xact_id()::text)::bigint` : 0),
        )
        .addColumn('coupon_id', big, (c) => c.notNull())
        .addColumn('series_id', big, (c) => c.notNull())
        .addColumn('customer_id', big)
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('at', big, (c) => c.notNull())
        .addColumn('actor', 'text', (c) => c.notNull())
        .addColumn('details', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('coupon_event_pk', ['org_id', 'id'])
        .execute();
      await db.schema
        .createIndex('coupon_event_coupon_ix')
        .on('coupon_event')
        .columns(['org_id', 'coupon_id', 'id'])
        .execute();
      if (pg) {
        // Webhook fan-out follows finished transactions in (txid, id) order.
        await db.schema
          .createIndex('coupon_event_txid_ix')
          .on('coupon_event')
          .columns(['org_id', 'txid', 'id'])
          .execute();
      }

      await withId('upload_job')
        .addColumn('series_id', big, (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('params', 'text', (c) => c.notNull())
        .addColumn('uploaded_file_name', 'text', (c) => c.notNull())
        .addColumn('stored_file', 'text', (c) => c.notNull())
        .addColumn('error_file', 'text')
        .addColumn('success_file', 'text')
        .addColumn('total_uploaded_count', big, (c) => c.notNull().defaultTo(0))
        .addColumn('actual_row_count', big, (c) => c.notNull().defaultTo(0))
        .addColumn('error_count', big, (c) => c.notNull().defaultTo(0))
        .addColumn('rows_done', big, (c) => c.notNull().defaultTo(0))
        .addColumn('error_file_bytes', big, (c) => c.notNull().defaultTo(0))
        .addColumn('success_file_bytes', big, (c) => c.notNull().defaultTo(0))
        .addColumn('last_error', 'text')
        .addColumn('client_id', big)
        .addColumn('created_at', big, (c) => c.notNull())
        .addColumn('updated_at', big, (c) => c.notNull())
        .addPrimaryKeyConstraint('upload_job_pk', ['org_id', 'id'])
        .execute();
      await db.schema
        .createIndex('upload_job_series_ix')
        .on('upload_job')
        .columns(['org_id', 'series_id', 'kind'])
        .execute();

      await withId('job')
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('payload', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('run_after', big, (c) => c.notNull())
        .addColumn('lease_owner', 'text')
        .addColumn('lease_until', big)
        .addColumn('last_error', 'text')
        .addColumn('created_at', big, (c) => c.notNull())
        .addColumn('updated_at', big, (c) => c.notNull())
        .addPrimaryKeyConstraint('job_pk', ['org_id', 'id'])
        .execute();
      // The one cross-org read: a worker claims the oldest runnable job of any org.
      await db.schema.createIndex('job_claim_ix').on('job').columns(['status', 'run_after']).execute();

      await withId('outbox_message')
        .addColumn('customer_id', big, (c) => c.notNull())
        .addColumn('coupon_id', big)
        .addColumn('mobile', 'text', (c) => c.notNull())
        .addColumn('text', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('next_attempt_at', big, (c) => c.notNull())
        .addColumn('lease_until', big)
        .addColumn('last_error', 'text')
        .addColumn('created_at', big, (c) => c.notNull())
        .addColumn('delivered_at', big)
        .addPrimaryKeyConstraint('outbox_message_pk', ['org_id', 'id'])
        .execute();
      await db.schema
        .createIndex('outbox_due_ix')
        .on('outbox_message')
        .columns(['status', 'next_attempt_at'])
        .execute();
      await db.schema
        .createIndex('outbox_customer_ix')
        .on('outbox_message')
        .columns(['org_id', 'customer_id'])
        .execute();

      await withId('webhook_subscription')
        .addColumn('url', 'text', (c) => c.notNull())
        .addColumn('events', 'text', (c) => c.notNull())
        .addColumn('secret', 'text', (c) => c.notNull())
        .addColumn('cursor_event_id', big, (c) => c.notNull().defaultTo(0))
        .addColumn('cursor_txid', big, (c) => c.notNull().defaultTo(0))
        .addColumn('created_at', big, (c) => c.notNull())
        .addColumn('deleted_at', big)
        .addPrimaryKeyConstraint('webhook_subscription_pk', ['org_id', 'id'])
        .execute();

      await withId('webhook_delivery')
        .addColumn('subscription_id', big, (c) => c.notNull())
        .addColumn('event_id', big, (c) => c.notNull())
        .addColumn('event_type', 'text', (c) => c.notNull())
        .addColumn('payload', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('next_attempt_at', big, (c) => c.notNull())
        .addColumn('lease_until', big)
        .addColumn('last_status_code', 'integer')
        .addColumn('last_error', 'text')
        .addColumn('created_at', big, (c) => c.notNull())
        .addColumn('delivered_at', big)
        .addPrimaryKeyConstraint('webhook_delivery_pk', ['org_id', 'id'])
        .addUniqueConstraint('webhook_delivery_event_uq', ['org_id', 'subscription_id', 'event_id'])
        .execute();
      await db.schema
        .createIndex('webhook_delivery_due_ix')
        .on('webhook_delivery')
        .columns(['status', 'next_attempt_at'])
        .execute();

      await db.schema
        .createTable('idempotency_key')
        .addColumn('org_id', big, (c) => c.notNull())
        .addColumn('key', 'text', (c) => c.notNull())
        .addColumn('client_id', big, (c) => c.notNull())
        .addColumn('request_hash', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('response_status', 'integer')
        .addColumn('response_body', 'text')
        .addColumn('created_at', big, (c) => c.notNull())
        .addPrimaryKeyConstraint('idempotency_key_pk', ['org_id', 'key'])
        .execute();
    },
  };
}
