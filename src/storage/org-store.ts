// Orgs and API clients.
import type { Engine } from './database.js';
import { newId } from './ids.js';
import { all, one, prepare, write, type Params, type Script } from './script.js';
import type { ApiClientTable, OrgTable } from './tables.js';
import { sql, type Selectable } from 'kysely';
import type { OrgSettings } from '../domain/principal.js';

/** An API client as stored, with the hashes of its secret. */
export interface ApiClient {
  orgId: number;
  id: number;
  key: string;
  salt: string;
  secretHash: string;
  secretMd5Hash: string;
  tillId: string | null;
  /** Comma-separated scopes. */
  scopes: string;
  createdAt: number;
  revokedAt: number | null;
}

/** A new API client: its key, the salt and hashes of its secret (never the secret), till and scopes. */
export interface NewClient {
  org: number;
  key: string;
  salt: string;
  hash: string;
  md5hash: string;
  till: string | null;
  /** Comma-separated scopes. */
  scopes: string;
  now: number;
}

/** What a request's principal needs of its client and org, read in one query. */
export interface ClientStatus {
  revokedAt: number | null;
  /** Comma-separated scopes. */
  scopes: string;
  tillId: string | null;
  org: OrgSettings;
}

/** An API client without its secret's hashes (the CLI's `client list`). */
export type ClientListing = Omit<ApiClient, 'id' | 'salt' | 'secretHash' | 'secretMd5Hash'>;

const toOrgSettings = (r: Pick<Selectable<OrgTable>, 'org_id' | OrgSettingColumn>): OrgSettings => ({
  orgId: r.org_id,
  name: r.name,
  timezone: r.timezone,
  mobileCountryCode: r.mobile_country_code,
  smsWebhookUrl: r.sms_webhook_url,
});
type OrgSettingColumn = 'name' | 'timezone' | 'mobile_country_code' | 'sms_webhook_url';

const toApiClient = (r: Selectable<ApiClientTable>): ApiClient => ({
  orgId: r.org_id,
  id: r.id,
  key: r.key,
  salt: r.salt,
  secretHash: r.secret_hash,
  secretMd5Hash: r.secret_md5_hash,
  tillId: r.till_id,
  scopes: r.scopes,
  createdAt: r.created_at,
  revokedAt: r.revoked_at,
});

export function createOrgStore(engine: Engine) {
  const db = engine.kysely;
  const byId = prepare((p: Params<{ org: number }>) =>
    db.selectFrom('org').selectAll().where('org_id', '=', p.org),
  );
  const anyOrg = prepare(() => db.selectFrom('org').select('org_id').limit(1));
  const allOrgs = prepare(() => db.selectFrom('org').selectAll().orderBy('org_id'));
  const insertOrg = prepare(
    (p: Params<{ name: string; timezone: string; mcc: string | null; now: number }>) =>
      db
        .insertInto('org')
        .values({
          name: p.name,
          timezone: p.timezone,
          mobile_country_code: p.mcc,
          created_at: p.now,
          updated_at: p.now,
        })
        .returningAll(),
  );
  const updateOrg = prepare(
    (
      p: Params<{
        org: number;
        name: string;
        timezone: string;
        mcc: string | null;
        sms: string | null;
        now: number;
      }>,
    ) =>
      db
        .updateTable('org')
        .set({
          name: p.name,
          timezone: p.timezone,
          mobile_country_code: p.mcc,
          sms_webhook_url: p.sms,
          updated_at: p.now,
        })
        .where('org_id', '=', p.org)
        .returningAll(),
  );
  const clientByKey = prepare((p: Params<{ org: number; key: string }>) =>
    db.selectFrom('api_client').selectAll().where('org_id', '=', p.org).where('key', '=', p.key),
  );
  const clientStatus = prepare((p: Params<{ org: number; id: number }>) =>
    db
      .selectFrom('api_client as c')
      .innerJoin('org as o', 'o.org_id', 'c.org_id')
      .select([
        'c.revoked_at',
        'c.scopes',
        'c.till_id',
        'o.name',
        'o.timezone',
        'o.mobile_country_code',
        'o.sms_webhook_url',
      ])
      .where('c.org_id', '=', p.org)
      .where('c.id', '=', p.id),
  );
  const clientsOf = prepare((p: Params<{ org: number }>) =>
    db
      .selectFrom('api_client')
      .select(['org_id', 'key', 'till_id', 'scopes', 'created_at', 'revoked_at'])
      .where('org_id', '=', p.org)
      .orderBy('id'),
  );
  const insertClient = prepare((p: Params<NewClient>) =>
    db
      .insertInto('api_client')
      .values({
        ...newId(engine.dialect, 'api_client'),
        org_id: p.org,
        key: p.key,
        salt: p.salt,
        secret_hash: p.hash,
        secret_md5_hash: p.md5hash,
        till_id: p.till,
        scopes: p.scopes,
        created_at: p.now,
      })
      .returningAll(),
  );
  const revoke = prepare((p: Params<{ org: number; key: string; now: number }>) =>
    db
      .updateTable('api_client')
      .set({ revoked_at: p.now })
      .where('org_id', '=', p.org)
      .where('key', '=', p.key)
      .where('revoked_at', 'is', null),
  );

  // Serialises first-start bootstraps of several servers on one PostgreSQL database (SQLite has one writer).
  const bootstrapLock = prepare(() =>
    db.selectNoFrom(sql<unknown>`pg_advisory_xact_lock(74311)`.as('locked')),
  );

  const notify = prepare((p: Params<{ org: string }>) =>
    db.selectNoFrom(sql<unknown>`pg_notify('coupond_auth', ${p.org})`.as('n')),
  );

  return {
    /** Tells every server sharing a PostgreSQL database to forget cached auth state of an org (at commit). */
    *notifyAuthChange(org: number): Script<void> {
      if (engine.dialect === 'postgres') yield* one(notify, { org: String(org) });
    },
    *lockBootstrap(): Script<void> {
      if (engine.dialect === 'postgres') yield* one(bootstrapLock, {});
    },
    *find(org: number): Script<OrgSettings | undefined> {
      const row = yield* one(byId, { org });
      return row && toOrgSettings(row);
    },
    /** Every org, oldest first (the CLI's `org list`). */
    *list(): Script<OrgSettings[]> {
      return (yield* all(allOrgs, {})).map(toOrgSettings);
    },
    /** An org's API clients without their secret hashes (the CLI's `client list`). */
    *listClients(org: number): Script<ClientListing[]> {
      return (yield* all(clientsOf, { org })).map((r) => ({
        orgId: r.org_id,
        key: r.key,
        tillId: r.till_id,
        scopes: r.scopes,
        createdAt: r.created_at,
        revokedAt: r.revoked_at,
      }));
    },
    *hasAny(): Script<boolean> {
      return (yield* one(anyOrg, {})) !== undefined;
    },
    *insert(name: string, timezone: string, mcc: string | null, now: number): Script<OrgSettings> {
      const row = yield* one(insertOrg, { name, timezone, mcc, now });
      return toOrgSettings(row!);
    },
    *update(
      org: number,
      s: { name: string; timezone: string; mcc: string | null; sms: string | null },
      now: number,
    ): Script<OrgSettings | undefined> {
      const row = yield* one(updateOrg, { org, ...s, now });
      return row && toOrgSettings(row);
    },
    *findClient(org: number, key: string): Script<ApiClient | undefined> {
      const row = yield* one(clientByKey, { org, key });
      return row && toApiClient(row);
    },
    *clientStatus(org: number, id: number): Script<ClientStatus | undefined> {
      const row = yield* one(clientStatus, { org, id });
      return (
        row && {
          revokedAt: row.revoked_at,
          scopes: row.scopes,
          tillId: row.till_id,
          org: toOrgSettings({ org_id: org, ...row }),
        }
      );
    },
    *insertClient(c: NewClient): Script<ApiClient> {
      return toApiClient((yield* one(insertClient, c))!);
    },
    *revokeClient(org: number, key: string, now: number): Script<boolean> {
      const done = (yield* write(revoke, { org, key, now })) > 0;
      if (done && engine.dialect === 'postgres') yield* one(notify, { org: String(org) });
      return done;
    },
  };
}

export type OrgStore = ReturnType<typeof createOrgStore>;
