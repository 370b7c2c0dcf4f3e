// The admin console in a real browser (Debian's chromium) against a real server process: sign in, create a
// series, watch its counter move, upload a CSV, redeem from the support panel, look up a customer.
// Each page's screenshot is written to docs/screenshots/.
import fs from 'node:fs';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seriesBody } from '../support/factories.js';
import { call, type ServerProcess } from '../support/spawn-server.js';
import { browserTestsWanted, screenshot } from './browser.js';
import { openConsoleSession, type ConsoleSession } from './console-session.js';

const TIMEZONE = 'Asia/Kolkata';
/** Rows in the uploaded CSV: enough that the job takes a moment, few enough for a quick test. */
const UPLOAD_ROWS = 2000;

describe.skipIf(!browserTestsWanted)('admin console', () => {
  let session: ConsoleSession | undefined;
  let server: ServerProcess;
  let page: Page;
  let key: string;
  let secret: string;
  let basic: string;
  let seriesId: number;
  const issued: { mobile: string; code: string }[] = [];
  const pageErrors: string[] = [];

  const api = async (method: string, pathname: string, body?: unknown) => {
    const r = await call(server.url, method, pathname, basic, body);
    expect(r.status, `${method} ${pathname}: ${JSON.stringify(r.body)}`).toBeLessThan(300);
    return r.body;
  };
  const seriesCounters = async () => (await api('GET', `/v2/coupon/series?ids=${seriesId}`)).entity[0];
  const heading = () => page.getByRole('heading', { level: 1 });
  const field = (label: string) => page.getByLabel(label, { exact: true });
  const noHorizontalScroll = () =>
    page.evaluate('document.documentElement.scrollWidth <= document.documentElement.clientWidth');

  beforeAll(async () => {
    session = await openConsoleSession('Acme Retail', TIMEZONE, pageErrors);
    ({ server, page, key, secret, basic } = session);
  });

  afterAll(async () => session?.close());

  it('signs in with key and secret by keyboard, keeping the token in memory only', async () => {
    await page.goto(`${server.url}/console/`);
    await expect.poll(() => heading().textContent()).toBe('Sign in');

    // Each page starts with its heading focused; then Tab goes key, secret, button; focus is visible.
    expect(await page.evaluate('document.activeElement.id')).toBe('page-title');
    await page.keyboard.press('Tab');
    expect(await page.evaluate('document.activeElement.id')).toBe('key');
    expect(await page.evaluate('getComputedStyle(document.activeElement).outlineStyle')).toBe('solid');
    await page.keyboard.type(key);
    await page.keyboard.press('Tab');
    expect(await page.evaluate('document.activeElement.id')).toBe('secret');
    await page.keyboard.type('not-the-secret');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('code 401');

    await field('Secret').fill(secret);
    await screenshot(page, 'sign-in');
    await field('Secret').press('Enter');
    await expect.poll(() => heading().textContent()).toBe('Coupon series');
    await expect.poll(() => page.locator('.org').textContent()).toBe(`Acme Retail · ${TIMEZONE}`);
    expect(await page.evaluate('localStorage.length + sessionStorage.length')).toBe(0);
    expect(await page.evaluate('document.cookie')).toBe('');
  });

  it("creates a series: required fields, ISO dates, the API's messages beside each field", async () => {
    await page.getByRole('link', { name: 'New series' }).click();
    await expect.poll(() => heading().textContent()).toBe('New series');
    // Required fields say so; dates are typed as YYYY-MM-DD whatever the browser's locale.
    for (const id of ['description', 'discountCode', 'discountValue', 'validTillDate', 'smsTemplate'])
      expect(await page.locator(`#${id}`).getAttribute('aria-required'), id).toBe('true');
    expect(await page.locator('.field:has(#description) .required').textContent()).toBe('*');
    expect(await page.locator('.field:has(#seriesCode) .required').count()).toBe(0);
    const validTill = field('Series valid till');
    expect(await validTill.getAttribute('type')).toBe('text');
    expect(await validTill.getAttribute('placeholder')).toBe('YYYY-MM-DD');
    expect(await validTill.inputValue()).toMatch(/^\d{4}-\d{2}-\d{2}$/);

    // Sent empty, the form shows what the server names, beside each field.
    await page.getByRole('button', { name: 'Create series' }).click();
    for (const id of ['description', 'discountCode', 'discountValue'])
      await expect.poll(() => page.locator(`#${id}-error`).textContent()).toBe('Required: fill this in.');
    expect(await field('Description').getAttribute('aria-invalid')).toBe('true');
    await expect.poll(() => page.evaluate('document.activeElement.id')).toBe('description');

    await screenshot(page, 'series-form');

    await field('Description').fill('Diwali 10% off');
    await field('Discount code at the till').fill('DIWALI10');
    await field('Discount').selectOption('PERC');
    await field('Amount or percentage off').fill('150');
    await field('Amount or percentage off').press('Enter');
    const valueError = page.locator('#discountValue-error');
    await expect.poll(() => valueError.textContent()).toBe('at most 100 for a PERC discount');
    expect(await page.locator('#description-error').count()).toBe(0);

    await field('Amount or percentage off').fill('10');
    await field('Series valid till').fill('2031-02-30');
    await field('Series valid till').press('Enter');
    await expect.poll(() => page.locator('#validTillDate-error').textContent()).toContain('a date');
    expect(await valueError.count()).toBe(0);

    await field('Series valid till').fill('2031-12-31');
    await field('Amount or percentage off').fill('10');
    await field('Discount at most').fill('500');
    await field('Coupons at most').fill('-5');
    await field('Coupons at most').press('Enter');
    await expect.poll(() => page.locator('#maxCreate-error').textContent()).toBe('must be >= -1');
    expect(await valueError.count()).toBe(0);

    await field('Coupons at most').fill('100000');
    await page.getByRole('button', { name: 'Create series' }).click();
    await expect.poll(() => heading().textContent()).toMatch(/^Series \d+: Diwali 10% off$/);
    seriesId = Number(/\/console\/series\/(\d+)$/.exec(page.url())![1]);
    expect(seriesId).toBeGreaterThan(0);
  });

  it('shows the series list with its counters, which move when coupons are issued through the API', async () => {
    for (const s of [
      {
        description: 'Weekend 200 off',
        discountType: 'ABS',
        discountValue: 200,
        validTillDate: '2031-06-30',
      },
      { description: 'Staff 15%', discountType: 'PERC', discountValue: 15, clientHandlingType: 'GENERIC' },
    ]) {
      await api('POST', '/v2/coupon/series', seriesBody(s));
    }
    await page.getByRole('navigation').getByRole('link', { name: 'Series' }).click();
    await expect.poll(() => heading().textContent()).toBe('Coupon series');
    const row = page.locator(`tr[data-series-id="${seriesId}"]`);
    await expect.poll(() => row.locator('[data-counter=numIssued]').textContent()).toBe('0');

    for (let i = 1; i <= 3; i++) {
      const mobile = `980000000${i}`;
      const r = await api('POST', '/v2/coupon/issue', { seriesId, customer: { mobile } });
      issued.push({ mobile, code: r.code });
    }
    await page.getByRole('button', { name: 'Refresh' }).click();
    await expect.poll(() => row.locator('[data-counter=numIssued]').textContent()).toBe('3');

    await field('Search series').fill('diwali');
    await expect.poll(() => page.locator('tbody tr').count()).toBe(1);
    await field('Search series').fill('');
    await expect.poll(() => page.locator('tbody tr').count()).toBe(3);
    await screenshot(page, 'series-list');
  });

  it("shows a series with a chart per day, and its configuration in a manager's words", async () => {
    await page.getByRole('link', { name: 'Diwali 10% off' }).click();
    await expect.poll(() => heading().textContent()).toBe(`Series ${seriesId}: Diwali 10% off`);
    await expect.poll(() => page.locator('dd[data-counter=numIssued]').textContent()).toBe('3');
    const chart = page.getByRole('img', { name: /issued and .* redeemed in 30 days/ });
    await expect.poll(() => chart.getAttribute('aria-label')).toContain('3 issued and 0 redeemed');
    const canvas = page.locator('.chart canvas');
    await expect.poll(async () => Number(await canvas.getAttribute('width'))).toBeGreaterThan(0);
    await expect.poll(async () => Number(await canvas.getAttribute('height'))).toBeGreaterThan(0);

    const today = new Intl.DateTimeFormat('en-CA', { timeZone: TIMEZONE }).format(new Date());
    await page.getByText('The same as a table').click();
    const todayRow = page.locator('details tr', { hasText: today });
    expect(await todayRow.locator('td').allTextContents()).toEqual([today, '3', '0']);
    await page.getByText('The same as a table').click();
    // Grouped as a promotions manager thinks of an offer, in words: no -1, epoch numbers or JSON text.
    const groups = page.locator('.summary section');
    expect(await groups.locator('h2').allTextContents()).toEqual([
      'Offer',
      'Validity',
      'Limits',
      'Who may use it',
      'Where',
      'Messages',
    ]);
    const value = (label: string) =>
      page
        .locator('.summary dt')
        .filter({ hasText: new RegExp(`^${label}$`) })
        .locator('+ dd');
    expect(await value('Discount').textContent()).toBe('10% off, up to 500');
    expect(await value('Discount code at the till').textContent()).toBe('DIWALI10');
    expect(await value('On').textContent()).toBe('any bill');
    expect(await value('Series runs until').textContent()).toBe('2031-12-31');
    expect(await value('Each coupon expires').textContent()).toBe('when the series ends');
    expect(await value('Coupons in all').textContent()).toBe('100,000');
    expect(await value('Redemptions in all').textContent()).toBe('unlimited');
    expect(await value('Redeemed by').textContent()).toBe('only the customer it was issued to');
    expect(await value('Issued at').textContent()).toBe('every till');
    const text = (await page.locator('.summary').textContent())!;
    // (The SMS template's own {{tags}} are words the manager wrote, so braces alone are no sign of JSON.)
    expect(text).not.toMatch(/9007199254740991|-1\b|\d{13}|[[\]]|":|NO_VALUE|SERIES_EXPIRY|DISC_CODE/);
    await screenshot(page, 'series-detail');
  });

  it('uploads a CSV by drag and drop, with a progress bar, until the job finishes with its files', async () => {
    await page.getByRole('link', { name: 'Uploads of this series' }).click();
    await expect.poll(() => heading().textContent()).toBe('Uploads');
    expect(await field('Series').inputValue()).toBe(String(seriesId));

    const mobiles = Array.from({ length: UPLOAD_ROWS }, (_, i) => String(9_700_000_000 + i));
    const csv = ['mobile', ...mobiles, mobiles[0], 'not-a-mobile'].join('\n') + '\n';
    const dataTransfer = await page.evaluateHandle(
      `(() => { const dt = new DataTransfer(); dt.items.add(new File([${JSON.stringify(csv)}], 'customers.csv', { type: 'text/csv' })); return dt; })()`,
    );
    await page.dispatchEvent('[data-testid=dropzone]', 'dragover', { dataTransfer });
    await page.dispatchEvent('[data-testid=dropzone]', 'drop', { dataTransfer });
    await expect.poll(() => page.locator('.selected').textContent()).toContain('customers.csv');
    await field('The file holds').selectOption('MOBILE');
    await page.getByRole('button', { name: 'Upload' }).click();

    // Watch the job: its processed count only grows, and it ends FINISHED.
    const job = page.locator('li.job').first();
    const seen: { status: string | null; rows: number }[] = [];
    for (let i = 0; i < 600; i++) {
      const status = await job.getAttribute('data-status', { timeout: 10_000 });
      const rows = Number(
        (await job.locator('[data-count=actualRowCount]').textContent())!.replace(/,/g, ''),
      );
      seen.push({ status, rows });
      if (status === 'FINISHED' || status === 'ERRORED') break;
      await page.waitForTimeout(50);
    }
    const rows = seen.map((s) => s.rows);
    expect(rows).toEqual([...rows].sort((a, b) => a - b));
    expect(seen.at(-1)).toEqual({ status: 'FINISHED', rows: UPLOAD_ROWS + 2 });
    const progress = job.locator('progress');
    expect(await progress.getAttribute('value')).toBe(await progress.getAttribute('max'));
    // Both copies of the duplicated mobile and the malformed one are refused.
    expect(await job.locator('[data-count=errorCount]').textContent()).toBe('3');
    await expect.poll(() => page.getByRole('status').textContent()).toContain('finished');

    const [errors] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: 'Error file (3 rows)' }).click(),
    ]);
    const errorCsv = fs.readFileSync((await errors.path())!, 'utf8');
    expect(errorCsv).toContain('not-a-mobile');
    expect(errorCsv.split('\n')[0]).toContain('error');
    const [successes] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: 'Success file' }).click(),
    ]);
    expect(fs.readFileSync((await successes.path())!, 'utf8')).toContain(mobiles[1]!);
    expect((await seriesCounters()).numIssued).toBe(3 + UPLOAD_ROWS - 1);
  });

  it('uploads coupons redeemed elsewhere and lists them with the series jobs; an ERRORED job says why', async () => {
    const third = issued[2]!;
    const redeemedCsv = `redeemed date in millis,redeemed at,mobile,coupon code,bill id,bill number,details\n${Date.now()},STORE-12,${third.mobile},${third.code},88123,INV-5531,offline weekend\n`;
    await field('What the file holds').selectOption('redemptions');
    await page.locator('#upload-file').setInputFiles({
      name: 'redeemed.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from(redeemedCsv),
    });
    await field('Customers are named by').selectOption('MOBILE');
    await field('Coupons are named by').selectOption('COUPON_CODE');
    expect(await field('Coupon column').inputValue()).toBe('3');
    await page.getByRole('button', { name: 'Upload' }).click();
    const redeemedJob = page.locator('li.job', { hasText: 'redeemed.csv' });
    await expect.poll(() => redeemedJob.getAttribute('data-status')).toBe('FINISHED');
    expect(await redeemedJob.textContent()).toContain('redeemed coupons');
    // Both kinds of job read alike (the redeemed-coupon API says COMPLETED where the code API says FINISHED).
    expect(await redeemedJob.locator('.badge').textContent()).toBe('finished');
    expect(await redeemedJob.locator('[data-count=errorCount]').textContent()).toBe('0');
    expect((await seriesCounters()).numRedeemed).toBe(1);

    // A file of three columns is no layout of a code upload: the job fails as a whole and says why.
    await field('What the file holds').selectOption('codes');
    await page.locator('#upload-file').setInputFiles({
      name: 'three-columns.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from('a,b,c\n1,2,3\n'),
    });
    await field('The file holds').selectOption('MOBILE');
    await page.getByRole('button', { name: 'Upload' }).click();
    const failed = page.locator('li.job', { hasText: 'three-columns.csv' });
    await expect.poll(() => failed.getAttribute('data-status')).toBe('ERRORED');
    expect(await failed.getByTestId('job-error').textContent()).toMatch(/^The job failed: .*column/);
    expect(await failed.locator('.badge').textContent()).toBe('failed');
    // The notice of the job just uploaded is an error, not a green status line.
    await expect.poll(() => page.getByRole('alert').textContent()).toMatch(/^Job \d+ failed after .*column/);
    // The series' jobs of both kinds, newest first.
    expect(await page.locator('li.job strong').allTextContents()).toEqual([
      expect.stringContaining('three-columns.csv'),
      expect.stringContaining('redeemed.csv'),
      expect.stringContaining('customers.csv'),
    ]);
    await screenshot(page, 'uploads');
  });

  it('checks and redeems from the support panel, and undoes a redemption', async () => {
    await page.getByRole('link', { name: 'Check and redeem' }).click();
    await expect.poll(() => heading().textContent()).toBe('Check and redeem');
    const [first, second] = issued as [(typeof issued)[0], (typeof issued)[0]];

    await field('Customer by').selectOption('mobile');
    await field('Customer').fill(first.mobile);
    await field('Coupon codes').fill(first.code.toLowerCase());
    await field('Bill amount').fill('1000');
    await field('Transaction number').fill('BILL-1');
    await field('Transaction number').press('Enter'); // Enter checks; it never redeems
    const checked = page.locator(`tr[data-code="${first.code}"]`);
    await expect.poll(() => checked.locator('td').allTextContents()).toEqual([first.code, 'yes', '100', '']);
    // One coupon of the series was redeemed by the upload before.
    expect((await seriesCounters()).numRedeemed).toBe(1);

    await page.getByRole('button', { name: 'Redeem', exact: true }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toBe('Redeemed 1 coupon.');
    expect((await seriesCounters()).numRedeemed).toBe(2);
    await screenshot(page, 'support');

    await field('Customer').fill(second.mobile);
    await field('Coupon codes').fill(second.code);
    await field('Transaction number').fill('BILL-2');
    await page.getByRole('button', { name: 'Redeem', exact: true }).click();
    const undo = page.getByRole('button', { name: /^Undo redemption \d+$/ });
    await expect.poll(() => undo.count()).toBe(1);
    expect((await seriesCounters()).numRedeemed).toBe(3);
    await undo.click();
    await expect.poll(() => page.getByRole('status').textContent()).toMatch(/^Undone: redemption \d+\./);
    expect((await seriesCounters()).numRedeemed).toBe(2);

    await field('Customer').fill(first.mobile);
    await field('Coupon codes').fill(first.code);
    await field('Transaction number').press('Enter');
    await expect.poll(() => checked.locator('td').nth(1).textContent()).toBe('no');
    expect(await checked.locator('td').nth(3).textContent()).toMatch(/\(7\d\d\)$/);
  });

  it("looks up a customer and shows their coupons and each coupon's history", async () => {
    await page.getByRole('link', { name: 'Customers' }).click();
    await expect.poll(() => heading().textContent()).toBe('Customer lookup');
    const second = issued[1]!;
    await field('Find by').selectOption('mobile');
    await field('Value').fill(second.mobile);
    await field('Value').press('Enter');
    await expect.poll(() => page.locator('#customer-title').textContent()).toMatch(/^Customer \d+$/);
    const coupon = page.locator(`li[data-coupon-code="${second.code}"]`);
    await expect.poll(() => coupon.locator('.badge').textContent()).toBe('active');
    await coupon.getByRole('button', { name: 'History' }).click();
    const events = coupon.locator('.history li strong');
    await expect.poll(() => events.allTextContents()).toEqual(['issued', 'redeemed', 'reactivated']);
    expect(await coupon.getByRole('button', { name: 'Hide history' }).getAttribute('aria-expanded')).toBe(
      'true',
    );
    await screenshot(page, 'customers');
  });

  it("shows the customer's wallet, filtered by status (issue 18)", async () => {
    const second = issued[1]!;
    const wallet = page.locator('section.wallet');
    const row = wallet.locator(`tr[data-wallet-code="${second.code}"]`);
    await expect.poll(() => row.count()).toBe(1);
    expect(await row.locator('.badge').textContent()).toBe('active');
    await expect
      .poll(() => wallet.locator('[aria-live]').textContent())
      .toMatch(/^1–\d+ of \d+, newest first$/);
    await field('Show').selectOption('EXPIRED');
    await expect.poll(() => wallet.locator('[aria-live]').textContent()).toBe('No coupon matches.');
    await field('Show').selectOption('REDEEMABLE');
    await expect.poll(() => row.count()).toBe(1);
  });

  it('is readable 390 px wide, without sideways scrolling', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.getByRole('link', { name: 'Series', exact: true }).click();
    await expect.poll(() => page.locator(`tr[data-series-id="${seriesId}"]`).count()).toBe(1);
    expect(await noHorizontalScroll()).toBe(true);
    await screenshot(page, 'series-list-390');
    for (const [link, title] of [
      ['Check and redeem', 'Check and redeem'],
      ['Uploads', 'Uploads'],
      ['Customers', 'Customer lookup'],
    ]) {
      await page.getByRole('link', { name: link, exact: true }).click();
      await expect.poll(() => heading().textContent()).toBe(title);
      expect(await noHorizontalScroll(), link).toBe(true);
    }
    await page.getByRole('link', { name: 'Series', exact: true }).click();
    await page.getByRole('link', { name: 'Diwali 10% off' }).click();
    await expect.poll(() => page.locator('.chart canvas').count()).toBe(1);
    expect(await noHorizontalScroll()).toBe(true);
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  it('ran without script errors or content-security-policy violations', async () => {
    // A reload forgets the token: the console asks to sign in again.
    await page.reload();
    await expect.poll(() => heading().textContent()).toBe('Sign in');
    expect(pageErrors).toEqual([]);
  });
});
