// The windows of the limits on callers, shared by the servers of a fleet (services/shared-windows.ts): each
// server adds its new hits in one statement a tick and reads what the others added.
import { sql } from 'kysely';
import type { Engine } from './database.js';
import { adhoc, changes, prepare, rows, type Params, type Script } from './script.js';

export interface WindowHits {
  name: string;
  subject: string;
  /** Hits to add (to the stored window while it is open at `now`, else they start a new one). */
  hits: number;
  /** When a window this adds to would end, if it starts one. */
  resetAt: number;
  now: number;
}

export interface StoredWindow {
  name: string;
  subject: string;
  hits: number;
  resetAt: number;
}

/** Rows per statement (SQLite binds at most 32,766 parameters; five a row). */
const ROWS_PER_STATEMENT = 500;

export function createThrottleStore(engine: Engine) {
  const db = engine.kysely;

  const changedSince = prepare((p: Params<{ since: number; now: number }>) =>
    db
      .selectFrom('throttle_window')
      .select(['name', 'subject', 'hits', 'reset_at'])
      .where('updated_at', '>', p.since)
      .where('reset_at', '>', p.now),
  );

  const expired = prepare((p: Params<{ now: number }>) =>
    db.deleteFrom('throttle_window').where('reset_at', '<=', p.now),
  );

  const toWindow = (r: {
    name: string;
    subject: string;
    hits: unknown;
    reset_at: unknown;
  }): StoredWindow => ({
    name: r.name,
    subject: r.subject,
    hits: Number(r.hits),
    resetAt: Number(r.reset_at),
  });

  return {
    /** Adds hits to their windows (a closed window starts again) and answers the windows as stored. */
    *add(batch: readonly WindowHits[]): Script<StoredWindow[]> {
      const out: StoredWindow[] = [];
      for (let i = 0; i < batch.length; i += ROWS_PER_STATEMENT) {
        const part = batch.slice(i, i + ROWS_PER_STATEMENT);
        const query = db
          .insertInto('throttle_window')
          .values(
            part.map((h) => ({
              name: h.name,
              subject: h.subject,
              hits: h.hits,
              reset_at: h.resetAt,
              updated_at: h.now,
            })),
          )
          .onConflict((oc) =>
            oc.columns(['name', 'subject']).doUpdateSet({
              hits: sql<number>`case when throttle_window.reset_at > excluded.updated_at
                then throttle_window.hits + excluded.hits else excluded.hits end`,
              reset_at: sql<number>`case when throttle_window.reset_at > excluded.updated_at
                then throttle_window.reset_at else excluded.reset_at end`,
              updated_at: sql<number>`excluded.updated_at`,
            }),
          )
          .returning(['name', 'subject', 'hits', 'reset_at']);
        const found = yield* rows<{ name: string; subject: string; hits: unknown; reset_at: unknown }>(
          adhoc(query),
        );
        out.push(...found.map(toWindow));
      }
      return out;
    },
    /** Windows still open at `now` that some server changed after `since`. */
    *changedSince(since: number, now: number): Script<StoredWindow[]> {
      return (yield* rows(changedSince, { since, now })).map(toWindow);
    },
    *dropExpired(now: number): Script<void> {
      yield* changes(expired, { now });
    },
  };
}

export type ThrottleStore = ReturnType<typeof createThrottleStore>;
