// PostgreSQL: coupond_guard(n, what), the server-side half of a deferred guarded write (storage/script.ts
// `guarded`, docs/architecture.md "Round trips on PostgreSQL"). The runner sends such a write as
// `with w as (<write> returning 1) select coupond_guard(count(*), '<what>') from w`, in the same round trip
// as later statements and the COMMIT; no changed row raises SQLSTATE CPD01, which aborts the transaction
// (the COMMIT that follows becomes a rollback) and makes the runner run the script again, as a
// RetryConflict does. It checks a count and nothing else: the rules stay in domain/redemption.ts.
// SQLite checks its guards in the script (its statements answer at once): nothing to install.
import { sql, type Kysely } from 'kysely';
import type { Dialect } from '../dialect.js';

export function pgGuard0010(dialect: Dialect) {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      if (dialect !== 'postgres') return;
      await sql`
        create or replace function coupond_guard(n bigint, what text) returns bigint
        language plpgsql as $$
        begin
          if n = 0 then
            raise exception 'write conflict: %', what using errcode = 'CPD01';
          end if;
          return n;
        end
        $$`.execute(db);
    },
    async down(db: Kysely<unknown>): Promise<void> {
      if (dialect === 'postgres') await sql`drop function if exists coupond_guard(bigint, text)`.execute(db);
    },
  };
}
