// Issuing a generated code to each customer of an upload batch (docs/api.md §10 audience layout) with a handful
// of multi-row statements per batch instead of ten per row. The rules are the same pure decision as a
// single issue (decideIssue), fed with what is read under the same locks; the writes carry the same
// guards. Series whose codes come from a pool, and tagged rows, go through issueToCustomer row by row.
import { createCodeGenerator } from '../domain/code-generator.js';
import type { Coupon } from '../domain/coupon.js';
import type { CustomerRef } from '../domain/customer.js';
import { errorEntry } from '../domain/errors.js';
import { decideIssue, isCouponUsable } from '../domain/issuance.js';
import type { OrgSettings } from '../domain/principal.js';
import { renderSms } from '../domain/sms-template.js';
import { UNLIMITED } from '../domain/series.js';
import type { BulkCoupon } from '../storage/bulk-store.js';
import { RetryConflict, type Script } from '../storage/script.js';
import type { Stores } from '../storage/stores.js';

export type BatchIssueResult =
  { kind: 'issued' | 'resent'; code: string } | { kind: 'refused'; error: string };

type Column = 'id' | 'mobile' | 'email' | 'external_id';
/** Upload rows name customers by these identifiers only (never by card). */
type RowIdentifier = Exclude<keyof CustomerRef, 'cardNumber' | 'cardExternalId'>;
const COLUMN: Record<RowIdentifier, Column> = {
  id: 'id',
  mobile: 'mobile',
  email: 'email',
  externalId: 'external_id',
};

/** How often a batch draws new codes for rows whose code clashed; at ≤1 % occupancy, almost never twice. */
const CODE_ROUNDS = 10;

/**
 * Issues one coupon of a series to each customer (each named by exactly one identifier, each once), inside
 * the caller's transaction. Answers undefined when the series needs the row-by-row path (a pool to draw
 * from); otherwise one result per row, in order.
 */
export function* issueBatch(
  stores: Stores,
  org: OrgSettings,
  seriesId: number,
  refs: readonly CustomerRef[],
  now: number,
  context: { actor: string; uploadJobId: number },
): Script<BatchIssueResult[] | undefined> {
  const orgId = org.orgId;
  const series = yield* stores.series.find(orgId, seriesId);
  if (!series)
    return refs.map(() => ({
      kind: 'refused',
      error: errorEntry('SeriesNotFound', String(seriesId)).message,
    }));
  if (series.clientHandlingType === 'DISC_CODE_PIN') return undefined;

  // 1. Customers: find them by their identifier, register the unknown ones (not ids: an unknown id is 701).
  const key = (ref: CustomerRef): [Column, string | number] => {
    const field = (Object.keys(ref) as RowIdentifier[])[0]!;
    return [COLUMN[field], ref[field]!];
  };
  const customerOf = new Map<string, number>(); // "column:value" → customer id
  const fresh = new Set<number>(); // registered by this batch: no history anywhere yet
  const mobiles = new Map<number, string | null>();
  const byColumn = new Map<Column, (string | number)[]>();
  for (const ref of refs) {
    const [column, value] = key(ref);
    byColumn.set(column, [...(byColumn.get(column) ?? []), value]);
  }
  const remember = (c: {
    id: number;
    mobile: string | null;
    email: string | null;
    external_id: string | null;
  }) => {
    const id = Number(c.id);
    customerOf.set(`id:${id}`, id);
    if (c.mobile !== null) customerOf.set(`mobile:${c.mobile}`, id);
    if (c.email !== null) customerOf.set(`email:${c.email}`, id);
    if (c.external_id !== null) customerOf.set(`external_id:${c.external_id}`, id);
    mobiles.set(id, c.mobile);
  };
  for (const [column, values] of byColumn)
    for (const c of yield* stores.bulk.customersBy(orgId, column, values)) remember(c);
  const unknown = refs.filter((r) => {
    const [column, value] = key(r);
    return column !== 'id' && !customerOf.has(`${column}:${value}`);
  });
  if (unknown.length > 0) {
    const created = yield* stores.bulk.insertCustomers(
      orgId,
      unknown.map((r) => ({
        mobile: r.mobile ?? null,
        email: r.email ?? null,
        external_id: r.externalId ?? null,
      })),
      now,
    );
    for (const c of created) {
      remember(c);
      fresh.add(Number(c.id));
    }
    // A row left out was registered meanwhile by another server: PostgreSQL's insert waited for it.
    if (created.length < unknown.length) {
      for (const [column, values] of byColumn)
        for (const c of yield* stores.bulk.customersBy(orgId, column, values)) remember(c);
    }
  }
  const idOf = refs.map((r) => {
    const [column, value] = key(r);
    return customerOf.get(`${column}:${value}`);
  });
  if (refs.some((r, i) => idOf[i] === undefined && key(r)[0] !== 'id'))
    throw new RetryConflict('customer registration');
  const customers = [...new Set(idOf.filter((id): id is number => id !== undefined))];

  // 2. Locks, in the documented order: customers, their series rows, a limited series' counter.
  yield* stores.bulk.lockCustomers(orgId, customers);
  // Customers registered by this batch have no history (no other transaction can see them yet).
  const history = yield* stores.bulk.lockCustomerSeries(
    orgId,
    series.id,
    customers.filter((c) => !fresh.has(c)),
  );
  if (series.maxCreate !== UNLIMITED) yield* stores.counter.lockForLimit(orgId, series.id);
  const counters = yield* stores.counter.counters(orgId, series.id);
  if (counters.numUploadedNonIssued > 0) return undefined; // pool codes first: the row-by-row path takes them

  // 3. What else the rules read: coupons held in exclusive series, and the coupon a resend would answer.
  const heldExclusive = new Map<number, number[]>();
  if (series.exclusiveSeriesIds.length > 0) {
    for (const c of customers) {
      const held = yield* stores.coupon.heldSeries(orgId, c, series.exclusiveSeriesIds);
      if (held.length > 0) heldExclusive.set(c, held);
    }
  }
  const active = new Map<number, Coupon>();
  if (!series.isMultipleVouchersPerUserAllowed) {
    for (const c of customers) {
      if ((history.get(c)?.issued ?? 0) === 0) continue;
      const usable = (yield* stores.coupon.customerCoupons(orgId, c, series.id)).find((k) =>
        isCouponUsable(k, series, now, org.timezone),
      );
      if (usable) active.set(c, usable);
    }
  }

  // 4. Decide each row in order, the way single issues would one after another.
  let issuedSoFar = counters.numIssued;
  const results: BatchIssueResult[] = [];
  const toIssue: { row: number; customer: number; validTill: string }[] = [];
  const resent: { customer: number; coupon: Coupon }[] = [];
  refs.forEach((ref, row) => {
    const customer = idOf[row];
    if (customer === undefined) {
      results.push({ kind: 'refused', error: errorEntry('CustomerNotFound', `id ${ref.id}`).message });
      return;
    }
    const h = history.get(customer) ?? { issued: 0, lastIssuedAt: null };
    const decision = decideIssue({
      series,
      counters: { numIssued: issuedSoFar, poolAvailable: 0 },
      customerSeries: { issuedCount: h.issued, lastIssuedAt: h.lastIssuedAt },
      activeCoupon: active.get(customer),
      heldExclusiveSeriesIds: heldExclusive.get(customer) ?? [],
      tillId: null,
      now,
      timezone: org.timezone,
    });
    if (decision.kind === 'refuse')
      results.push({ kind: 'refused', error: errorEntry(decision.reason).message });
    else if (decision.kind === 'resend') {
      results.push({ kind: 'resent', code: decision.coupon.code });
      resent.push({ customer, coupon: decision.coupon });
    } else {
      results.push({ kind: 'issued', code: '' });
      toIssue.push({ row, customer, validTill: decision.validTill });
      issuedSoFar++;
    }
  });

  // 5. Write: coupons (drawing again for clashing codes), counts, counter, history, messages.
  const generic = series.clientHandlingType === 'GENERIC';
  const draw = createCodeGenerator(series.code);
  const couponOf = new Map<number, { id: number; code: string }>(); // row → coupon
  let pending = toIssue;
  for (let round = 0; pending.length > 0; round++) {
    if (round >= CODE_ROUNDS)
      throw new Error(`no free codes after ${CODE_ROUNDS} rounds in series ${series.id}`);
    const wanted: (BulkCoupon & { row: number })[] = pending.map((p) => ({
      row: p.row,
      series_id: series.id,
      code: generic ? series.genericCode! : draw(),
      is_generic: generic ? 1 : 0,
      customer_id: p.customer,
      issued_at: now,
      valid_till: p.validTill,
      origin: generic ? 'generic' : 'generated',
      upload_job_id: context.uploadJobId,
      issued_by: context.actor,
    }));
    const inserted = yield* stores.bulk.insertCoupons(
      orgId,
      wanted.map(({ row: _row, ...c }) => c),
      now,
    );
    const byCodeAndCustomer = new Map(inserted.map((c) => [`${c.code}|${c.customer_id}`, c]));
    const next: typeof pending = [];
    wanted.forEach((w, i) => {
      const got = byCodeAndCustomer.get(`${w.code}|${w.customer_id}`);
      if (got) couponOf.set(w.row, { id: Number(got.id), code: got.code });
      else next.push(pending[i]!);
    });
    pending = next;
  }
  for (const p of toIssue) results[p.row] = { kind: 'issued', code: couponOf.get(p.row)!.code };

  if (toIssue.length > 0) {
    const counts = toIssue.map((p) => ({
      customer: p.customer,
      to: (history.get(p.customer)?.issued ?? 0) + 1,
    }));
    if ((yield* stores.bulk.countIssues(orgId, series.id, counts, now)) !== counts.length)
      throw new RetryConflict('per-customer issue counts');
    const counted = yield* stores.counter.addIssuesWithinMaxCreate({
      org: orgId,
      series: series.id,
      version: series.configVersion,
      now,
      fromPool: 0,
      maxCreate: series.maxCreate,
      n: toIssue.length,
    });
    if (!counted) throw new RetryConflict('series counter');
  }
  const details = JSON.stringify({
    via: 'upload',
    origin: generic ? 'generic' : 'generated',
    fromPool: false,
  });
  yield* stores.bulk.insertEvents(orgId, [
    ...toIssue.map((p) => ({
      coupon_id: couponOf.get(p.row)!.id,
      series_id: series.id,
      customer_id: p.customer,
      type: 'issued',
      at: now,
      actor: context.actor,
      details,
    })),
    ...resent.map((r) => ({
      coupon_id: r.coupon.id,
      series_id: series.id,
      customer_id: r.customer,
      type: 'resent',
      at: now,
      actor: context.actor,
      details: '{"via":"upload"}',
    })),
  ]);
  if (!series.isSmsDisabled && series.smsTemplate.trim() !== '' && toIssue.length > 0) {
    const names = new Map(
      (yield* stores.customer.findByIds(
        orgId,
        toIssue.map((p) => p.customer),
      )).map((c) => [c.id, c]),
    );
    const messages = toIssue.flatMap((p) => {
      const mobile = mobiles.get(p.customer) ?? null;
      if (!mobile) return [];
      const c = names.get(p.customer);
      const coupon = couponOf.get(p.row)!;
      const { text } = renderSms(series.smsTemplate, {
        code: coupon.code,
        firstName: c?.firstName ?? null,
        lastName: c?.lastName ?? null,
        offerName: series.description,
        issuedAt: now,
        validTill: p.validTill,
        timezone: org.timezone,
      });
      return [{ customer_id: p.customer, coupon_id: coupon.id, mobile, text }];
    });
    yield* stores.bulk.insertMessages(orgId, messages, now);
  }
  return results;
}
