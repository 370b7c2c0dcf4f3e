import { describe, expect, it } from 'vitest';
import { couponErrors, errorEntry } from '../../domain/errors.js';
import { refusal } from './refusal.js';

describe('refusal', () => {
  it('builds the v2 body: the entries and empty warnings, at the catalogue status', () => {
    expect(refusal('v2', 'InvalidInput', 'body.x is invalid')).toEqual({
      status: couponErrors.InvalidInput.http,
      body: { errors: [errorEntry('InvalidInput', 'body.x is invalid')], warnings: [] },
    });
  });

  it('lists one entry per detail when there are several, and keeps the message of `detail`', () => {
    const r = refusal('upload', 'InvalidInput', 'first', ['a', 'b']);
    expect(r.body).toEqual({
      success: false,
      status: couponErrors.InvalidInput.http,
      message: errorEntry('InvalidInput', 'first').message,
      errors: [errorEntry('InvalidInput', 'a'), errorEntry('InvalidInput', 'b')],
    });
  });

  it('builds the success, token and v1.1 shapes', () => {
    const entry = errorEntry('Forbidden');
    expect(refusal('success', 'Forbidden').body).toEqual({ errors: [entry], warnings: [], success: false });
    expect(refusal('token', 'Forbidden').body).toEqual({ data: null, errors: [entry] });
    const v11 = refusal('v11', 'Forbidden').body as {
      response: { status: { success: string; message: string } };
    };
    expect(v11.response.status).toMatchObject({ success: 'false', message: entry.message });
  });

  it('answers OAuth with its own error names: 401 invalid_client, else 400 invalid_request', () => {
    expect(refusal('oauth', 'Unauthorized')).toEqual({
      status: 401,
      body: { error: 'invalid_client', error_description: errorEntry('Unauthorized').message },
    });
    expect(refusal('oauth', 'InvalidInput', 'grant_type')).toMatchObject({
      status: 400,
      body: { error: 'invalid_request' },
    });
  });
});
