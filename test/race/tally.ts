// The race's tally: every answer a client got, counted by operation, status and error code, with the ones that
// mean the client (not the race) is wrong or the server failed; and the ledger of what the clients were told,
// to compare with the rows afterwards (traffic.ts sends; mixed-traffic.race.ts checks).
import type { Kind } from './traffic.js';

/** Statuses and codes that mean the client, not the race, is wrong (or the server failed). */
const UNEXPECTED_STATUS = new Set([401, 403, 404, 409, 413, 415, 429]);

export interface Ledger {
  issued: Set<number>;
  redeemed: Set<number>;
  holds: Set<number>;
  reactivated: Set<number>;
  revoked: Set<string>;
}

export interface Tally {
  byKind: Map<Kind, Map<string, number>>;
  requests: number;
  unexpected: string[];
  ledger: Ledger;
}

export function newTally(): Tally {
  return {
    byKind: new Map(),
    requests: 0,
    unexpected: [],
    ledger: {
      issued: new Set(),
      redeemed: new Set(),
      holds: new Set(),
      reactivated: new Set(),
      revoked: new Set(),
    },
  };
}

export interface Answer {
  status: number;
  body: any;
}

/** Counts one answer of an operation of `kind`; an unexpected one is kept with what was asked. */
export function countAnswer(tally: Tally, kind: Kind, r: Answer, what: string): void {
  tally.requests++;
  const codes = errorCodes(r.body);
  const reason = codes[0] === 722 ? `:${firstReason(r.body)}` : '';
  const label = r.status >= 400 ? `${r.status}/${codes[0] ?? '-'}${reason}` : String(r.status);
  const m = tally.byKind.get(kind) ?? new Map<string, number>();
  m.set(label, (m.get(label) ?? 0) + 1);
  tally.byKind.set(kind, m);
  if (r.status >= 500 || r.status === 0 || UNEXPECTED_STATUS.has(r.status) || codes.includes(629))
    tally.unexpected.push(`${kind} ${what} → ${r.status} ${JSON.stringify(r.body).slice(0, 300)}`);
}

/** The `reason` of the first error of an answer (the issuance refusals all share code 722). */
function firstReason(body: any): string {
  return String(body?.errors?.[0]?.reason ?? body?.response?.[0]?.errors?.[0]?.reason ?? '-');
}

/** Every error code of an answer, wherever its shape puts them. */
export function errorCodes(body: unknown): number[] {
  const out: number[] = [];
  const walk = (v: unknown) => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (typeof v === 'object' && v !== null) {
      const o = v as Record<string, unknown>;
      if (Array.isArray(o.errors))
        for (const e of o.errors)
          if (typeof (e as { code?: unknown }).code === 'number') out.push((e as { code: number }).code);
      for (const [k, x] of Object.entries(o)) if (k !== 'errors') walk(x);
    }
  };
  walk(body);
  return out;
}
