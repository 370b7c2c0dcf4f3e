import { describe, expect, it } from 'vitest';
import { renderSms, SMS_TAGS } from './sms-template.js';

const facts = {
  code: 'AB12CD34',
  firstName: 'Tom',
  lastName: 'Sawyer',
  offerName: 'DIWALI 10% OFF',
  issuedAt: Date.parse('2026-01-15T10:00:00Z'),
  validTill: '2026-01-24',
  timezone: 'UTC',
};

describe('renderSms', () => {
  it("fills every tag of the reference's sample template", () => {
    const r = renderSms(
      'Hi {{first_name}} {{last_name}} your voucher code {{voucher}}is valid {{valid_days_from_create}}. {{fullname}} {{offer_name}}',
      facts,
    );
    expect(r).toEqual({
      text: 'Hi Tom Sawyer your voucher code AB12CD34is valid 10. Tom Sawyer DIWALI 10% OFF',
      unknownTags: [],
    });
  });

  it('knows every tag of docs/api.md §11', () => {
    const template = SMS_TAGS.map((t) => `${t}=[{{${t}}}]`).join(' ');
    const r = renderSms(template, facts);
    expect(r.unknownTags).toEqual([]);
    expect(r.text).toBe(
      'voucher=[AB12CD34] voucher_code=[AB12CD34] first_name=[Tom] last_name=[Sawyer] fullname=[Tom Sawyer] cust_name=[Tom Sawyer] offer_name=[DIWALI 10% OFF] valid_days_from_create=[10] valid_till=[2026-01-24]',
    );
  });

  it('leaves an unknown tag out and reports it once', () => {
    const r = renderSms('Code {{voucher}} {{points}} and {{points}} {{ first_name }}', facts);
    expect(r.text).toBe('Code AB12CD34 and Tom');
    expect(r.unknownTags).toEqual(['points']);
  });

  it('copes with a customer without names', () => {
    const r = renderSms('Hello {{cust_name}}, use {{voucher_code}}', {
      ...facts,
      firstName: null,
      lastName: null,
    });
    expect(r.text).toBe('Hello , use AB12CD34');
  });

  it('counts valid days in the org timezone, both ends included', () => {
    // 20:00 UTC on Jan 15 is already Jan 16 in Kolkata: 9 days to Jan 24.
    const r = renderSms('{{valid_days_from_create}}', {
      ...facts,
      issuedAt: Date.parse('2026-01-15T20:00:00Z'),
      timezone: 'Asia/Kolkata',
    });
    expect(r.text).toBe('9');
    expect(renderSms('{{valid_days_from_create}}', { ...facts, validTill: '2026-01-15' }).text).toBe('1');
  });

  it('treats tags case-insensitively and leaves text without tags alone', () => {
    expect(renderSms('{{VOUCHER}}', facts).text).toBe('AB12CD34');
    expect(renderSms('No tags here.', facts)).toEqual({ text: 'No tags here.', unknownTags: [] });
  });
});
