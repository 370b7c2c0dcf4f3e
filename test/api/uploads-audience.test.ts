// Audience uploads (a generated code for each customer listed) through the batch path: every issuance
// rule applied row by row in file order, counters and histories exact, the same as single issues would.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../support/build-test-app.js';
import { createSeries } from '../support/factories.js';
import { checkInvariants } from '../support/invariants.js';
import { download, uploadCodes, waitForJob } from '../support/upload-helpers.js';

let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp({ env: { COUPOND_WORKER: 'on' } });
});
afterAll(async () => t.close());

let seq = 9_100_000_000;
const mobile = () => String(++seq);

const series = async (fields: Record<string, unknown> = {}): Promise<number> =>
  (await createSeries(t, { description: 'audience', discountValue: 10, ...fields })).id;
async function audience(seriesId: number, rows: string[], type = 'MOBILE') {
  const job = await uploadCodes(t, seriesId, rows.join('\n') + '\n', type, '0');
  return waitForJob(t, seriesId, job.jobId);
}
const counters = async (id: number) => (await t.get(`/v2/coupon/series?ids=${id}`)).body.entity[0];

describe('audience uploads', () => {
  it('issues a generated code to each customer, registering new ones, with exact counters', async () => {
    const s = await series({ isMultipleVouchersPerUserAllowed: true, randomCodeLength: 10 });
    const existing = mobile();
    await t.post('/v2/customers', { mobile: existing, firstName: 'Old' });
    const list = [existing, ...Array.from({ length: 1199 }, mobile)];
    const job = await audience(s, list);
    expect(job).toMatchObject({ uploadStatus: 'FINISHED', totalUploadedCount: 1200, errorCount: 0 });
    const success = await download(t, job.successFileUrl);
    expect(success.lines).toHaveLength(1200);
    expect(success.lines.every((l) => /^\d+,[A-Z0-9]{10}$/.test(l))).toBe(true);
    expect(new Set(success.lines.map((l) => l.split(',')[1])).size).toBe(1200);
    expect(await counters(s)).toMatchObject({ numIssued: 1200 });
    const one = await t.get(`/v2/customers/lookup?mobile=${existing}`);
    expect(one.body.customer.profiles[0].firstName).toBe('Old');
    expect((await checkInvariants(t.app.engine.kysely, t.client.orgId)).violations).toEqual([]);
  });

  it('draws again for codes that clash, in a crowded code space, and keeps every id unique', async () => {
    // 4 digits: 10,000 codes, so 3,000 draws clash often, within a batch and across batches.
    const s = await series({
      alphaNumeric: false,
      randomCodeLength: 4,
      isMultipleVouchersPerUserAllowed: true,
    });
    const list = Array.from({ length: 3000 }, mobile);
    const job = await audience(s, list);
    expect(job).toMatchObject({ uploadStatus: 'FINISHED', totalUploadedCount: 3000, errorCount: 0 });
    const codes = (await download(t, job.successFileUrl)).lines.map((l) => l.split(',')[1]);
    expect(new Set(codes).size).toBe(3000);
    const more = await audience(s, Array.from({ length: 500 }, mobile));
    expect(more.errorCount).toBe(0);
    expect((await counters(s)).numIssued).toBe(3500);
    expect((await checkInvariants(t.app.engine.kysely, t.client.orgId)).violations).toEqual([]);
  });

  it('stops at maxCreate in file order and refuses the rest', async () => {
    const s = await series({ maxCreate: 7 });
    const list = Array.from({ length: 12 }, mobile);
    const job = await audience(s, list);
    expect(job).toMatchObject({ totalUploadedCount: 12, errorCount: 5 });
    const success = await download(t, job.successFileUrl);
    expect(success.lines.map((l) => l.split(',')[0])).toEqual(list.slice(0, 7));
    const errors = await download(t, job.errorFileUrl);
    expect(errors.lines.map((l) => l.split(',')[0])).toEqual(list.slice(7));
    expect(errors.lines[0]).toContain('the series has issued maxCreate coupons');
    expect((await counters(s)).numIssued).toBe(7);
  });

  it('answers the active coupon of a one-per-customer series again, or refuses it, as single issues do', async () => {
    const resend = await series({ doNotResendExistingVoucher: false });
    const refuse = await series({ doNotResendExistingVoucher: true });
    const holder = mobile();
    const first = await t.post('/v2/coupon/issue', { seriesId: resend, customer: { mobile: holder } });
    await t.post('/v2/coupon/issue', { seriesId: refuse, customer: { mobile: holder } });
    const fresh = mobile();
    const a = await audience(resend, [holder, fresh]);
    expect(a.errorCount).toBe(0);
    const lines = (await download(t, a.successFileUrl)).lines;
    expect(lines[0]).toBe(`${holder},${first.body.code}`);
    expect((await counters(resend)).numIssued).toBe(2);
    const b = await audience(refuse, [holder, mobile()]);
    expect(b.errorCount).toBe(1);
    expect((await download(t, b.errorFileUrl)).lines[0]).toContain(
      'the customer already has a coupon of this series',
    );
    expect((await counters(refuse)).numIssued).toBe(2);
  });

  it('refuses an unknown customer id and issues to the known ones', async () => {
    const s = await series();
    const known = await t.post('/v2/customers', { mobile: mobile() });
    const job = await audience(s, [String(known.body.customer.id), '987654321'], 'USER_ID');
    expect(job).toMatchObject({ totalUploadedCount: 2, errorCount: 1 });
    expect((await download(t, job.errorFileUrl)).lines[0]).toContain('customer not found');
  });

  it('hands a GENERIC series its code, and writes an SMS for each customer with a mobile', async () => {
    const s = await series({
      clientHandlingType: 'GENERIC',
      genericCode: 'FESTIVE26',
      smsTemplate: 'Use {{voucher}}',
      isSMSDisabled: false,
    });
    const list = [mobile(), mobile(), mobile()];
    const job = await audience(s, list);
    expect(job.errorCount).toBe(0);
    expect((await download(t, job.successFileUrl)).lines.every((l) => l.endsWith(',FESTIVE26'))).toBe(true);
    const messages = await t.app.engine.kysely
      .selectFrom('outbox_message')
      .select(['text', 'mobile'])
      .where('org_id', '=', t.client.orgId)
      .where('text', '=', 'Use FESTIVE26')
      .execute();
    expect(messages.map((m) => m.mobile).sort()).toEqual(list.map((m) => m).sort());
  });

  it('issues pool codes first when the series has some (row by row)', async () => {
    const s = await series({ isMultipleVouchersPerUserAllowed: true });
    await t.app.services.pool.addCodes(t.client.orgId, s, ['AUDPOOL01', 'AUDPOOL02'], {
      actor: 'test',
      now: Date.now(),
    });
    const job = await audience(s, [mobile(), mobile(), mobile()]);
    const codes = (await download(t, job.successFileUrl)).lines.map((l) => l.split(',')[1]);
    expect(codes.slice(0, 2)).toEqual(['AUDPOOL01', 'AUDPOOL02']);
    expect(codes[2]).toMatch(/^[A-Z0-9]{8}$/);
    expect(await counters(s)).toMatchObject({ numIssued: 3, numUploadedNonIssued: 0 });
    expect((await checkInvariants(t.app.engine.kysely, t.client.orgId)).violations).toEqual([]);
  });
});
