// Coupon series (`coupon_series`): their configuration, read through two caches (docs/architecture.md
// "Caches on the request path"). Their counters are counter-store.ts's.
import { sql, type Selectable } from 'kysely';
import type { Series, SeriesConfig } from '../domain/series.js';
import {
  defaultSeriesConfig,
  parseExclusiveSeries,
  parseRedemptionRange,
  parseTillList,
} from '../domain/series.js';
import { formatMoney, moneyFromStorage } from '../domain/money.js';
import type { Engine } from './database.js';
import { newId } from './ids.js';
import { adhoc, all, one, prepare, rows, type Params, type Read, type Script } from './script.js';
import type { CounterStore } from './counter-store.js';
import { couponByKey, kindOf, valueOf, type CouponKey, type CouponKeyKind } from './coupon-read-store.js';
import type { CouponSeriesTable } from './tables.js';

type SeriesRow = Selectable<CouponSeriesTable>;
/** What tells one version of a series row from another: every write of the row bumps config_version. */
type SeriesStamp = Pick<SeriesRow, 'org_id' | 'id' | 'config_version' | 'created_at' | 'updated_at'>;
const STAMP = ['org_id', 'id', 'config_version', 'created_at', 'updated_at'] as const;

/** A batched series read: the series, or the row to read whole because its stamp was new here (`settle`). */
export type SeriesSeen = { series: Series | undefined } | { reread: { org: number; id: number } };

const flag = (b: boolean): number => (b ? 1 : 0);

/** The columns of a configuration, as written by insert and update. */
function configColumns(c: SeriesConfig) {
  return {
    series_code: c.seriesCode,
    description: c.description,
    discount_code: c.discountCode,
    discount_type: c.discountType,
    discount_value: formatMoney(c.discountValue),
    discount_upto: formatMoney(c.discountUpto),
    discount_on: c.discountOn,
    client_handling_type: c.clientHandlingType,
    generic_code: c.genericCode,
    valid_till_date: c.validTillDate,
    redemption_valid_from: c.redemptionValidFrom,
    redemption_valid_after_days: c.redemptionValidAfterDays,
    expiry_strategy_type: c.expiryStrategyType,
    expiry_strategy_value: c.expiryStrategyValue,
    max_create: c.maxCreate,
    max_redeem: c.maxRedeem,
    max_vouchers_per_user: c.maxVouchersPerUser,
    min_days_between_vouchers: c.minDaysBetweenVouchers,
    max_redemptions_per_user: c.maxRedemptionsInSeriesPerUser,
    min_days_between_redemption: c.minDaysBetweenRedemption,
    redemption_per_coupon_max_limit: c.redemptionPerCouponMaxLimit,
    any_user: flag(c.anyUser),
    same_user_multiple_redeem: flag(c.sameUserMultipleRedeem),
    is_multiple_use_allowed: flag(c.isMultipleUseAllowed),
    multiple_vouchers_per_user: flag(c.isMultipleVouchersPerUserAllowed),
    do_not_resend_existing: flag(c.doNotResendExistingVoucher),
    mutual_exclusive_series_ids: c.mutualExclusiveSeriesIds,
    store_ids_json: c.storeIdsJson,
    redeem_at_store: c.redeemAtStore,
    redemption_range: c.redemptionRange,
    min_bill_amount: formatMoney(c.minBillAmount),
    max_bill_amount: formatMoney(c.maxBillAmount),
    alpha_numeric: flag(c.code.alphaNumeric),
    random_code_length: c.code.length,
    code_prefix: c.code.prefix,
    prefix_enabled: flag(c.code.prefixEnabled),
    code_suffix: c.code.suffix,
    suffix_enabled: flag(c.code.suffixEnabled),
    exclude_look_alikes: flag(c.code.excludeLookAlikes),
    sms_template: c.smsTemplate,
    is_sms_disabled: flag(c.isSmsDisabled),
    extra: JSON.stringify(c.extra),
  };
}

type ConfigColumns = ReturnType<typeof configColumns>;
const CONFIG_COLUMNS = Object.keys(
  configColumns(defaultSeriesConfig('X', '2000-01-01')),
) as (keyof ConfigColumns)[];

/** The configuration columns of a statement's parameters (placeholders when compiling, values when binding). */
function configFromParams(p: ConfigColumns): ConfigColumns {
  return Object.fromEntries(CONFIG_COLUMNS.map((k) => [k, p[k]])) as ConfigColumns;
}

/** A stored series as the domain sees it. Stored JSON was validated on the way in. */
function toSeries(r: SeriesRow): Series {
  return {
    id: r.id,
    orgId: r.org_id,
    seriesCode: r.series_code,
    description: r.description,
    discountCode: r.discount_code,
    discountType: r.discount_type as Series['discountType'],
    discountValue: moneyFromStorage(r.discount_value),
    discountUpto: moneyFromStorage(r.discount_upto),
    discountOn: r.discount_on,
    clientHandlingType: r.client_handling_type as Series['clientHandlingType'],
    genericCode: r.generic_code,
    validTillDate: r.valid_till_date,
    redemptionValidFrom: r.redemption_valid_from,
    redemptionValidAfterDays: Number(r.redemption_valid_after_days),
    expiryStrategyType: r.expiry_strategy_type as Series['expiryStrategyType'],
    expiryStrategyValue: Number(r.expiry_strategy_value),
    maxCreate: Number(r.max_create),
    maxRedeem: Number(r.max_redeem),
    maxVouchersPerUser: Number(r.max_vouchers_per_user),
    minDaysBetweenVouchers: Number(r.min_days_between_vouchers),
    maxRedemptionsInSeriesPerUser: Number(r.max_redemptions_per_user),
    minDaysBetweenRedemption: Number(r.min_days_between_redemption),
    redemptionPerCouponMaxLimit: Number(r.redemption_per_coupon_max_limit),
    anyUser: r.any_user === 1,
    sameUserMultipleRedeem: r.same_user_multiple_redeem === 1,
    isMultipleUseAllowed: r.is_multiple_use_allowed === 1,
    isMultipleVouchersPerUserAllowed: r.multiple_vouchers_per_user === 1,
    doNotResendExistingVoucher: r.do_not_resend_existing === 1,
    mutualExclusiveSeriesIds: r.mutual_exclusive_series_ids,
    exclusiveSeriesIds: parseExclusiveSeries(r.mutual_exclusive_series_ids, 'mutualExclusiveSeriesIds'),
    storeIdsJson: r.store_ids_json,
    issueTills: parseTillList(r.store_ids_json, 'storeIdsJson'),
    redeemAtStore: r.redeem_at_store,
    redeemTills: parseTillList(r.redeem_at_store, 'redeemAtStore'),
    redemptionRange: r.redemption_range,
    range: parseRedemptionRange(r.redemption_range),
    minBillAmount: moneyFromStorage(r.min_bill_amount),
    maxBillAmount: moneyFromStorage(r.max_bill_amount),
    code: {
      alphaNumeric: r.alpha_numeric === 1,
      length: Number(r.random_code_length),
      prefix: r.code_prefix,
      prefixEnabled: r.prefix_enabled === 1,
      suffix: r.code_suffix,
      suffixEnabled: r.suffix_enabled === 1,
      excludeLookAlikes: r.exclude_look_alikes === 1,
    },
    smsTemplate: r.sms_template,
    isSmsDisabled: r.is_sms_disabled === 1,
    extra: JSON.parse(r.extra) as Record<string, unknown>,
    configVersion: Number(r.config_version),
    createdBy: r.created_by,
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
  };
}

/** `counters` creates and re-versions a series' counters with it. */
export function createSeriesStore(engine: Engine, counters: CounterStore) {
  // Parsed series by org and id, reused while the row is unchanged: every check and redemption reads its
  // series, and parsing the stored JSON and money columns costs more than the read. An update bumps
  // config_version (the one statement that writes the row), so a reused entry is never stale.
  const parsed = new Map<string, { row: SeriesStamp; series: Series }>();
  /** The parse of the row with this stamp, if this process has made it. */
  const parsedOf = (r: SeriesStamp): Series | undefined => {
    const hit = parsed.get(`${r.org_id}:${r.id}`);
    return hit &&
      hit.row.config_version === r.config_version &&
      hit.row.updated_at === r.updated_at &&
      hit.row.created_at === r.created_at
      ? hit.series
      : undefined;
  };
  const cachedSeries = (r: SeriesRow): Series => {
    const hit = parsedOf(r);
    if (hit) return hit;
    const series = toSeries(r);
    if (parsed.size >= 10_000) parsed.clear();
    parsed.set(`${r.org_id}:${r.id}`, { row: r, series });
    return series;
  };
  /**
   * A batched read of a series on PostgreSQL reads only its stamp (four columns instead of fifty): the
   * stamp names the parse above when this process has seen the row, and the load reads the whole row only
   * when it has not (`settle`). Half of the CPU of such a read was the wide row's description and parse.
   */
  const seen = (rows: unknown): SeriesSeen => {
    const row = (rows as SeriesStamp[])[0];
    if (!row) return { series: undefined };
    const series = parsedOf(row);
    return series ? { series } : { reread: { org: Number(row.org_id), id: Number(row.id) } };
  };
  const db = engine.kysely;
  const pg = engine.dialect === 'postgres';

  // SQLite: series found by id, reused without reading the row again while nothing could have changed it.
  // This process writes series rows only through `update` below, which bumps `epoch`; another process's
  // commit moves `data_version`; an entry is never stored by the write transaction that changed the row
  // (it could still roll back). On PostgreSQL every find reads the row (other servers share it).
  const seq = engine.writeSeq;
  const version = engine.dataVersion;
  let epoch = 0;
  let dirtyTxn = -1;
  const settled = new Map<string, { series: Series; epoch: number; version: number }>();

  const insert = prepare(
    (p: Params<ReturnType<typeof configColumns> & { org: number; createdBy: number | null; now: number }>) =>
      db
        .insertInto('coupon_series')
        .values({
          ...newId(engine.dialect, 'coupon_series'),
          org_id: p.org,
          ...configFromParams(p),
          config_version: 1,
          created_by: p.createdBy,
          created_at: p.now,
          updated_at: p.now,
        })
        .onConflict((oc) => oc.doNothing())
        .returningAll(),
  );

  const byId = prepare((p: Params<{ org: number; id: number }>) =>
    db.selectFrom('coupon_series').selectAll().where('org_id', '=', p.org).where('id', '=', p.id),
  );
  const stampById = prepare((p: Params<{ org: number; id: number }>) =>
    db.selectFrom('coupon_series').select(STAMP).where('org_id', '=', p.org).where('id', '=', p.id),
  );
  /** The stamp of the series of the coupon a key names (one statement per kind of key). */
  const stampOfCoupon = (kind: CouponKeyKind) =>
    prepare((p: Params<{ org: number; key: string | number }>) =>
      db
        .selectFrom('coupon_series')
        .select(STAMP)
        .where('org_id', '=', p.org)
        .where('id', '=', couponByKey(db, kind, p).select('coupon.series_id')),
    );
  const stampOf = { code: stampOfCoupon('code'), id: stampOfCoupon('id') };
  const byIdForUpdate = prepare((p: Params<{ org: number; id: number }>) => {
    const q = db.selectFrom('coupon_series').selectAll().where('org_id', '=', p.org).where('id', '=', p.id);
    return pg ? q.forUpdate() : q;
  });
  const list = prepare((p: Params<{ org: number; limit: number; offset: number }>) =>
    db
      .selectFrom('coupon_series')
      .selectAll()
      .where('org_id', '=', p.org)
      .orderBy('id', 'desc')
      .limit(p.limit)
      .offset(p.offset),
  );
  const codeTaken = prepare((p: Params<{ org: number; code: string; id: number }>) =>
    db
      .selectFrom('coupon_series')
      .select('id')
      .where('org_id', '=', p.org)
      .where('series_code', '=', p.code)
      .where('id', '<>', p.id),
  );

  const genericTaken = prepare((p: Params<{ org: number; code: string; id: number }>) =>
    db
      .selectFrom('coupon_series')
      .select('id')
      .where('org_id', '=', p.org)
      .where('generic_code', '=', p.code)
      .where('id', '<>', p.id)
      .unionAll(
        db
          .selectFrom('coupon')
          .select('id')
          .where('org_id', '=', p.org)
          .where('code', '=', p.code)
          .where('is_generic', '=', sql.lit(0)),
      ),
  );

  const genericCodes = prepare((p: Params<{ org: number }>) =>
    db
      .selectFrom('coupon_series')
      .select('generic_code')
      .where('org_id', '=', p.org)
      .where('generic_code', 'is not', null),
  );

  const update = prepare(
    (
      p: Params<ReturnType<typeof configColumns> & { org: number; id: number; version: number; now: number }>,
    ) =>
      db
        .updateTable('coupon_series')
        .set({
          ...configFromParams(p),
          config_version: p.version,
          updated_at: p.now,
        })
        .where('org_id', '=', p.org)
        .where('id', '=', p.id)
        .returningAll(),
  );

  return {
    /** Inserts a series and its counter slots; undefined when the seriesCode is taken (751). */
    *insert(
      org: number,
      config: SeriesConfig,
      createdBy: number | null,
      now: number,
    ): Script<Series | undefined> {
      const row = yield* one(insert, { ...configColumns(config), org, createdBy, now });
      if (!row) return undefined;
      yield* counters.create(org, row.id);
      return toSeries(row);
    },
    *find(org: number, id: number): Script<Series | undefined> {
      if (!seq || !version) {
        const row = yield* one(byId, { org, id });
        return row && cachedSeries(row);
      }
      const key = `${org}:${id}`;
      const seen = version(); // before the read: an older version with a newer row only costs a re-read
      const hit = settled.get(key);
      if (hit && hit.epoch === epoch && hit.version === seen) return hit.series;
      const row = yield* one(byId, { org, id });
      if (!row) return undefined;
      const series = cachedSeries(row);
      if (seq() !== dirtyTxn) {
        if (settled.size >= 10_000) settled.clear();
        settled.set(key, { series, epoch, version: seen });
      }
      return series;
    },
    /** A series by id, as a read that can join a batch; `settle` finishes it. */
    readFind(org: number, id: number): Read<SeriesSeen> {
      return { op: stampById.bind({ org, id }), map: seen };
    },
    /** The series of the coupon a key names, as a read that can join a batch; `settle` finishes it. */
    readOfCoupon(org: number, key: CouponKey): Read<SeriesSeen> {
      return { op: stampOf[kindOf(key)].bind({ org, key: valueOf(key) }), map: seen };
    },
    /** The series a batched read saw: at once when its parse was known, else the whole row, read now. */
    *settle(s: SeriesSeen): Script<Series | undefined> {
      if ('series' in s) return s.series;
      const row = yield* one(byId, s.reread);
      return row && cachedSeries(row);
    },
    /** Reads a series and, on PostgreSQL, locks its row until commit. */
    *findForUpdate(org: number, id: number): Script<Series | undefined> {
      const row = yield* one(byIdForUpdate, { org, id });
      return row && cachedSeries(row);
    },
    *findMany(org: number, ids: readonly number[]): Script<Series[]> {
      if (ids.length === 0) return [];
      const found = yield* rows<SeriesRow>(
        adhoc(db.selectFrom('coupon_series').selectAll().where('org_id', '=', org).where('id', 'in', ids)),
      );
      return found.map(cachedSeries);
    },
    *list(org: number, limit: number, offset: number): Script<Series[]> {
      return (yield* all(list, { org, limit, offset })).map(toSeries);
    },
    *isCodeTaken(org: number, code: string, exceptId: number): Script<boolean> {
      return (yield* one(codeTaken, { org, code, id: exceptId })) !== undefined;
    },
    /** A generic code clashes with another series' generic code or with any coupon code of the org. */
    *isGenericCodeTaken(org: number, code: string, exceptSeriesId: number): Script<boolean> {
      return (yield* one(genericTaken, { org, code, id: exceptSeriesId })) !== undefined;
    },
    /** Every generic code of the org. */
    *genericCodes(org: number): Script<string[]> {
      return (yield* all(genericCodes, { org })).map((r) => r.generic_code!);
    },
    /** Writes a changed configuration and bumps its version on the series and on its counters. */
    *update(org: number, current: Series, config: SeriesConfig, now: number): Script<Series> {
      const next = current.configVersion + 1;
      epoch++;
      if (seq) dirtyTxn = seq();
      const row = yield* one(update, { ...configColumns(config), org, id: current.id, version: next, now });
      yield* counters.setVersion(org, current.id, next);
      return toSeries(row!);
    },
  };
}

export type SeriesStore = ReturnType<typeof createSeriesStore>;
