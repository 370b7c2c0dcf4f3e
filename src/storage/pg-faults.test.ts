// Which errors the PostgreSQL runner treats as connection faults or timeouts (docs/reliability.md
// "PostgreSQL faults"); everything else must reach the caller unchanged.
import { describe, expect, it } from 'vitest';
import { CouponError } from '../domain/errors.js';
import { asCouponError, describePgUrl, pgFault } from './pg-faults.js';

const pgError = (message: string, code?: string) => Object.assign(new Error(message), code ? { code } : {});

describe('pgFault', () => {
  it.each([
    ['terminating connection due to administrator command', '57P01'],
    ['terminating connection due to crash of another server process', '57P02'],
    ['the database system is starting up', '57P03'],
    ['connection failure', '08006'],
    ['read ECONNRESET', 'ECONNRESET'],
    ['connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED'],
    ['write EPIPE', 'EPIPE'],
    ['Connection terminated unexpectedly', undefined],
    ['timeout exceeded when trying to connect', undefined],
    ['Client has encountered a connection error and is not queryable', undefined],
  ])('%s (%s) is a connection fault', (message, code) => {
    expect(pgFault(pgError(message, code))).toBe('connection');
  });

  it('statement_timeout and lock_timeout are timeouts', () => {
    expect(pgFault(pgError('canceling statement due to statement timeout', '57014'))).toBe('timeout');
    expect(pgFault(pgError('canceling statement due to lock timeout', '55P03'))).toBe('timeout');
  });

  it('leaves request errors, conflicts and coupon refusals alone', () => {
    for (const e of [
      pgError('duplicate key value violates unique constraint', '23505'),
      pgError('could not serialize access', '40001'),
      pgError('deadlock detected', '40P01'),
      pgError('value out of range', '22003'),
      new CouponError('NotFound'),
      'not an error',
    ]) {
      expect(pgFault(e)).toBeUndefined();
      expect(asCouponError(e, 5000)).toBe(e);
    }
  });

  it('turns faults into 503 DatabaseUnavailable with Retry-After', () => {
    const e = asCouponError(pgError('canceling statement due to lock timeout', '55P03'), 1500) as CouponError;
    expect(e).toBeInstanceOf(CouponError);
    expect(e.reason).toBe('DatabaseUnavailable');
    expect(e.retryAfterSeconds).toBe(1);
    expect(e.detail).toContain('1500 ms');
  });

  it('names the server of a URL without its user or password', () => {
    expect(describePgUrl('postgres://coupond:hunter2@db.example:6543/coupons')).toBe(
      'db.example:6543/coupons',
    );
    expect(describePgUrl('postgresql://db.example/coupons')).toBe('db.example:5432/coupons');
  });
});
