// The Database interface Kysely checks queries against: one interface per table, snake_case columns.
// Conventions (docs/architecture.md): every key starts with org_id; instants are epoch-ms integers;
// calendar dates are 'YYYY-MM-DD' text; money is exact decimal text (SQLite) or numeric (PostgreSQL),
// read back as a string; flags are 0/1 integers on both databases; JSON is text.
import type { ColumnType, Generated } from 'kysely';

/** An id assigned by the database on insert (identity on PostgreSQL, max(rowid)+1 on SQLite). */
type Id = Generated<number>;
/** Money: written as a decimal string, read as a string (numeric comes back as a string from pg). */
type MoneyColumn = ColumnType<string, string, string>;
type Flag = number;

export interface OrgTable {
  org_id: Id;
  name: string;
  timezone: string;
  mobile_country_code: string | null;
  sms_webhook_url: string | null;
  created_at: number;
  updated_at: number;
}

export interface ApiClientTable {
  org_id: number;
  id: Id;
  key: string;
  salt: string;
  secret_hash: string;
  secret_md5_hash: string;
  till_id: string | null;
  scopes: string;
  created_at: number;
  revoked_at: number | null;
}

export interface CustomerTable {
  org_id: number;
  id: Id;
  mobile: string | null;
  email: string | null;
  external_id: string | null;
  first_name: string | null;
  last_name: string | null;
  created_at: number;
  updated_at: number;
}

export interface CouponSeriesTable {
  org_id: number;
  id: Id;
  series_code: string;
  description: string;
  discount_code: string;
  discount_type: string;
  discount_value: MoneyColumn;
  discount_upto: MoneyColumn;
  discount_on: string;
  client_handling_type: string;
  generic_code: string | null;
  valid_till_date: string;
  redemption_valid_from: string | null;
  redemption_valid_after_days: number;
  expiry_strategy_type: string;
  expiry_strategy_value: number;
  max_create: number;
  max_redeem: number;
  max_vouchers_per_user: number;
  min_days_between_vouchers: number;
  max_redemptions_per_user: number;
  min_days_between_redemption: number;
  redemption_per_coupon_max_limit: number;
  any_user: Flag;
  same_user_multiple_redeem: Flag;
  is_multiple_use_allowed: Flag;
  multiple_vouchers_per_user: Flag;
  do_not_resend_existing: Flag;
  mutual_exclusive_series_ids: string;
  store_ids_json: string;
  redeem_at_store: string;
  redemption_range: string;
  min_bill_amount: MoneyColumn;
  max_bill_amount: MoneyColumn;
  alpha_numeric: Flag;
  random_code_length: number;
  code_prefix: string;
  prefix_enabled: Flag;
  code_suffix: string;
  suffix_enabled: Flag;
  exclude_look_alikes: Flag;
  sms_template: string;
  is_sms_disabled: Flag;
  /** Fields that only inform the till, stored and returned as given (JSON object). */
  extra: string;
  /** Bumped by every change of the series; writers check it so no decision uses an old configuration. */
  config_version: number;
  created_by: number | null;
  created_at: number;
  updated_at: number;
}

/**
 * Series counters split over slots so that unlimited series have no hot row: writers add to a random slot,
 * readers sum. A series with a limit funnels writers through slot 0, whose row lock serialises them.
 */
export interface SeriesCounterTable {
  org_id: number;
  series_id: number;
  slot: number;
  config_version: Generated<number>;
  num_issued: Generated<number>;
  num_redeemed: Generated<number>;
  num_uploaded_total: Generated<number>;
  num_uploaded_non_issued: Generated<number>;
  latest_issual_time: Generated<number>;
  latest_redemption_time: Generated<number>;
}

export interface CouponTable {
  org_id: number;
  id: Id;
  series_id: number;
  code: string;
  /** 1 for a GENERIC series' coupons, which share the series' genericCode. */
  is_generic: Flag;
  /** Null while the coupon is an unissued code in the series pool. */
  customer_id: number | null;
  issued_at: number | null;
  /** Last valid local date; null while in the pool. */
  valid_till: string | null;
  redemption_count: Generated<number>;
  last_redeemed_at: number | null;
  revoked_at: number | null;
  /** The latest expiry of any hold on this coupon: a hold can matter only while this is in the future. */
  held_until: number | null;
  /** 'generated' | 'uploaded' (tagged to a customer by an upload) | 'pool' (an untagged upload) | 'generic' */
  origin: string;
  upload_job_id: number | null;
  issued_by: string | null;
  created_at: number;
}

/** Per customer and series: what the issuance and redemption limits count. */
export interface CustomerSeriesTable {
  org_id: number;
  customer_id: number;
  series_id: number;
  issued_count: Generated<number>;
  last_issued_at: number | null;
  redeemed_count: Generated<number>;
  last_redeemed_at: number | null;
}

export interface RedemptionTable {
  org_id: number;
  id: Id;
  coupon_id: number;
  series_id: number;
  customer_id: number;
  transaction_number: string | null;
  bill_amount: MoneyColumn | null;
  discount_amount: MoneyColumn;
  till_id: string | null;
  client_id: number | null;
  /** When the redemption happened (the recording time for the API, the file's time for an upload row). */
  redeemed_at: number;
  /** When coupond recorded it. */
  recorded_at: number;
  reactivated_at: number | null;
  hold_id: number | null;
  /** 'api' | 'upload' */
  origin: string;
  bill_id: string | null;
  details: string | null;
  upload_job_id: number | null;
}

export interface CouponHoldTable {
  org_id: number;
  id: Id;
  customer_id: number;
  client_id: number | null;
  transaction_number: string | null;
  bill_amount: MoneyColumn | null;
  created_at: number;
  expires_at: number;
  /** 'active' | 'consumed' | 'released'. An active hold past expires_at counts for nothing. */
  status: string;
  ended_at: number | null;
}

export interface CouponHoldItemTable {
  org_id: number;
  hold_id: number;
  coupon_id: number;
  series_id: number;
  customer_id: number;
  transaction_number: string | null;
  expires_at: number;
  status: string;
}

export interface CouponEventTable {
  org_id: number;
  id: Id;
  /** PostgreSQL: the id of the transaction that wrote the event (see migration 0001). */
  txid: Generated<number>;
  coupon_id: number;
  series_id: number;
  customer_id: number | null;
  /** issued | resent | held | released | redeemed | reactivated | revoked | imported | hold_expired */
  type: string;
  at: number;
  actor: string;
  details: string;
}

export interface UploadJobTable {
  org_id: number;
  id: Id;
  series_id: number;
  /** 'codes' | 'redemptions' */
  kind: string;
  status: string;
  params: string;
  uploaded_file_name: string;
  stored_file: string;
  error_file: string | null;
  success_file: string | null;
  total_uploaded_count: number;
  actual_row_count: number;
  error_count: number;
  /** Checkpoint: data rows applied so far, committed with each batch. */
  rows_done: number;
  error_file_bytes: number;
  success_file_bytes: number;
  last_error: string | null;
  client_id: number | null;
  created_at: number;
  updated_at: number;
}

/** The durable job queue (one table for every kind of background work). */
export interface JobTable {
  org_id: number;
  id: Id;
  kind: string;
  payload: string;
  /** 'queued' | 'running' | 'done' | 'failed' */
  status: string;
  attempts: number;
  run_after: number;
  lease_owner: string | null;
  lease_until: number | null;
  last_error: string | null;
  created_at: number;
  updated_at: number;
}

export interface OutboxMessageTable {
  org_id: number;
  id: Id;
  customer_id: number;
  coupon_id: number | null;
  mobile: string;
  text: string;
  /** 'pending' | 'delivered' | 'failed' */
  status: string;
  attempts: number;
  next_attempt_at: number;
  lease_until: number | null;
  last_error: string | null;
  created_at: number;
  delivered_at: number | null;
}

export interface WebhookSubscriptionTable {
  org_id: number;
  id: Id;
  url: string;
  events: string;
  secret: string;
  /** Where fan-out to this subscription has got to: last event id, and (PostgreSQL) last finished transaction. */
  cursor_event_id: Generated<number>;
  cursor_txid: Generated<number>;
  created_at: number;
  deleted_at: number | null;
}

export interface WebhookDeliveryTable {
  org_id: number;
  id: Id;
  subscription_id: number;
  event_id: number;
  event_type: string;
  payload: string;
  status: string;
  attempts: number;
  next_attempt_at: number;
  lease_until: number | null;
  last_status_code: number | null;
  last_error: string | null;
  created_at: number;
  delivered_at: number | null;
}

export interface IdempotencyKeyTable {
  org_id: number;
  key: string;
  client_id: number;
  request_hash: string;
  /** 'pending' | 'done' */
  state: string;
  response_status: number | null;
  response_body: string | null;
  created_at: number;
}

/** A part of a file kept in the database (an upload or a result file), from byte `at_byte`. */
export interface FilePartTable {
  org_id: number;
  name: string;
  at_byte: number;
  data: Uint8Array;
}

/** A limit's window for one subject, counted by every server of a fleet (services/shared-windows.ts). */
export interface ThrottleWindowTable {
  name: string;
  subject: string;
  hits: number;
  reset_at: number;
  updated_at: number;
}

export interface CustomerCardTable {
  org_id: number;
  id: Id;
  customer_id: number;
  card_number: string | null;
  card_external_id: string | null;
  created_at: number;
}

export interface Database {
  customer_card: CustomerCardTable;
  org: OrgTable;
  api_client: ApiClientTable;
  customer: CustomerTable;
  coupon_series: CouponSeriesTable;
  series_counter: SeriesCounterTable;
  coupon: CouponTable;
  customer_series: CustomerSeriesTable;
  redemption: RedemptionTable;
  coupon_hold: CouponHoldTable;
  coupon_hold_item: CouponHoldItemTable;
  coupon_event: CouponEventTable;
  upload_job: UploadJobTable;
  job: JobTable;
  outbox_message: OutboxMessageTable;
  webhook_subscription: WebhookSubscriptionTable;
  webhook_delivery: WebhookDeliveryTable;
  idempotency_key: IdempotencyKeyTable;
  file_part: FilePartTable;
  throttle_window: ThrottleWindowTable;
}

export type TableName = keyof Database;
