// Orgs: creation (CLI and first start), settings (docs/api.md §2 beyond).
import { isValidTimeZone } from '../domain/clock.js';
import { CouponError, invalid } from '../domain/errors.js';
import type { OrgSettings, Scope } from '../domain/principal.js';
import type { AuthService, ClientCredentials } from './auth.js';
import { SHORT_READ } from '../storage/database.js';
import type { StorageDeps } from './deps.js';

export const DEFAULT_ORG_NAME = 'default';
const ALL_SCOPES: readonly Scope[] = ['read', 'write', 'upload', 'admin'];

export interface OrgInput {
  name: string;
  timezone?: string | undefined;
  mobileCountryCode?: string | null | undefined;
}

function checkSettings(s: {
  name?: string;
  timezone?: string;
  mobileCountryCode?: string | null;
  smsWebhookUrl?: string | null;
}): void {
  if (s.name !== undefined && (s.name.trim() === '' || s.name.length > 200))
    throw invalid('name', 'a non-empty name of at most 200 characters');
  if (s.timezone !== undefined && !isValidTimeZone(s.timezone))
    throw invalid('timezone', 'an IANA timezone such as Asia/Kolkata');
  if (s.mobileCountryCode != null && !/^\d{1,4}$/.test(s.mobileCountryCode))
    throw invalid('mobileCountryCode', '1 to 4 digits');
  if (s.smsWebhookUrl != null && !/^https?:\/\/\S+$/i.test(s.smsWebhookUrl))
    throw invalid('smsWebhookUrl', 'an http(s) URL');
}

export function createOrgService(
  deps: StorageDeps<'org'> & { auth: AuthService; checkGatewayUrl?: (url: string) => void },
) {
  const { engine, stores, now, auth } = deps;

  return {
    /** Creates an org and its first client, which has every scope. */
    async createOrg(input: OrgInput): Promise<ClientCredentials> {
      checkSettings({
        name: input.name,
        timezone: input.timezone ?? 'UTC',
        mobileCountryCode: input.mobileCountryCode ?? null,
      });
      const org = await engine.run(
        () =>
          stores.org.insert(
            input.name.trim(),
            input.timezone ?? 'UTC',
            input.mobileCountryCode ?? null,
            now(),
          ),
        { write: true },
      );
      return auth.createClient(org.orgId, { scopes: ALL_SCOPES });
    },

    /**
     * First start on an empty database: creates org `default` and answers its client's credentials, once.
     * Servers starting together on one PostgreSQL database create it once between them.
     */
    async bootstrap(): Promise<ClientCredentials | undefined> {
      const created = await engine.run(
        function* () {
          yield* stores.org.lockBootstrap();
          if (yield* stores.org.hasAny()) return undefined;
          return yield* stores.org.insert(DEFAULT_ORG_NAME, 'UTC', null, now());
        },
        { write: true },
      );
      return created ? auth.createClient(created.orgId, { scopes: ALL_SCOPES }) : undefined;
    },

    /** Every org's settings, oldest first. */
    async list(): Promise<OrgSettings[]> {
      return engine.run(() => stores.org.list());
    },

    async getSettings(orgId: number): Promise<OrgSettings> {
      const org = await engine.run(() => stores.org.find(orgId), SHORT_READ);
      if (!org) throw new CouponError('NotFound', 'org');
      return org;
    },

    async updateSettings(
      orgId: number,
      changes: {
        name?: string;
        timezone?: string;
        mobileCountryCode?: string | null;
        smsWebhookUrl?: string | null;
      },
    ): Promise<OrgSettings> {
      checkSettings(changes);
      if (changes.smsWebhookUrl) deps.checkGatewayUrl?.(changes.smsWebhookUrl);
      const updated = await engine.run(
        function* () {
          const current = yield* stores.org.find(orgId);
          if (!current) throw new CouponError('NotFound', 'org');
          const updated = yield* stores.org.update(
            orgId,
            {
              name: changes.name?.trim() ?? current.name,
              timezone: changes.timezone ?? current.timezone,
              mcc:
                changes.mobileCountryCode !== undefined
                  ? changes.mobileCountryCode
                  : current.mobileCountryCode,
              sms: changes.smsWebhookUrl !== undefined ? changes.smsWebhookUrl : current.smsWebhookUrl,
            },
            now(),
          );
          yield* stores.org.notifyAuthChange(orgId);
          return updated!;
        },
        { write: true },
      );
      auth.forgetOrg(orgId);
      return updated;
    },
  };
}

export type OrgService = ReturnType<typeof createOrgService>;
