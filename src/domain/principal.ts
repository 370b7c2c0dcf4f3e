// Who is calling: an API client of one org, with its till and scopes (docs/api.md §2).

export const SCOPES = ['read', 'write', 'upload', 'admin'] as const;
export type Scope = (typeof SCOPES)[number];

export interface OrgSettings {
  orgId: number;
  name: string;
  timezone: string;
  mobileCountryCode: string | null;
  smsWebhookUrl: string | null;
}

export interface Principal {
  orgId: number;
  clientId: number;
  clientKey: string;
  /** The store terminal the client stands for, if any. */
  tillId: string | null;
  scopes: ReadonlySet<Scope>;
  org: OrgSettings;
}

export function parseScopes(text: string): Scope[] | undefined {
  const parts = text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (parts.length === 0) return undefined;
  if (!parts.every((p): p is Scope => (SCOPES as readonly string[]).includes(p))) return undefined;
  return [...new Set(parts)];
}

/** The actor recorded in coupon history for a client. */
export const actorOf = (p: Principal): string => `client:${p.clientKey}`;
