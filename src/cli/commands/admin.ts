// Administrative commands: each prints JSON lines on success (one per org or client for the lists). They
// open the storage and build the org and client services only (services/index.ts createAccountServices).
import { createLogger, openStorage } from '../../context.js';
import type { Config } from '../../config.js';
import { parseScopes } from '../../domain/principal.js';
import { createAccountServices, type AccountServices } from '../../services/index.js';
import { UsageError } from '../commands.js';

const line = (v: unknown) => process.stdout.write(`${JSON.stringify(v)}\n`);
/** Opens the storage; its log (a database still out of reach) shows warnings only. */
const open = (config: Config) => openStorage(config, createLogger({ ...config, logLevel: 'warn' }));

async function withContext<T>(
  config: Config,
  fn: (ctx: { services: AccountServices }) => Promise<T>,
): Promise<T> {
  const storage = await open(config);
  try {
    const services = createAccountServices(storage.engine, {
      jwtSecret: storage.jwtSecret,
      tokenTtlSeconds: config.tokenTtlSeconds,
      delivery: { ...config.delivery, allow: config.webhookAllow },
    });
    return await fn({ services });
  } finally {
    await storage.close();
  }
}

/** Opening the database migrates it; this says what that applied. */
export async function migrate(config: Config): Promise<void> {
  const { migrated, close } = await open(config);
  await close();
  line(
    migrated.length > 0
      ? { applied: migrated }
      : { applied: [], message: 'nothing was pending: the schema is up to date' },
  );
}

export async function orgList(config: Config): Promise<void> {
  await withContext(config, async ({ services }) => {
    for (const org of await services.orgs.list()) line(org);
  });
}

export async function clientList(config: Config, orgId: number): Promise<void> {
  await withContext(config, async ({ services }) => {
    for (const client of await services.auth.listClients(orgId)) line(client);
  });
}

export async function orgCreate(
  config: Config,
  o: { name: string; timezone?: string | undefined; mobileCountryCode?: string | undefined },
): Promise<void> {
  await withContext(config, async ({ services }) => {
    const c = await services.orgs.createOrg({
      name: o.name,
      timezone: o.timezone,
      mobileCountryCode: o.mobileCountryCode ?? null,
    });
    line({ orgId: c.orgId, key: c.key, secret: c.secret });
  });
}

export async function orgUpdate(
  config: Config,
  orgId: number,
  o: {
    name?: string | undefined;
    timezone?: string | undefined;
    mobileCountryCode?: string | undefined;
    smsWebhookUrl?: string | undefined;
  },
): Promise<void> {
  await withContext(config, async ({ services }) => {
    const changes: Parameters<typeof services.orgs.updateSettings>[1] = {};
    if (o.name !== undefined) changes.name = o.name;
    if (o.timezone !== undefined) changes.timezone = o.timezone;
    if (o.mobileCountryCode !== undefined)
      changes.mobileCountryCode = o.mobileCountryCode === '' ? null : o.mobileCountryCode;
    if (o.smsWebhookUrl !== undefined)
      changes.smsWebhookUrl = o.smsWebhookUrl === '' ? null : o.smsWebhookUrl;
    line(await services.orgs.updateSettings(orgId, changes));
  });
}

export async function clientCreate(
  config: Config,
  o: { orgId: number; tillId?: string | undefined; scopes?: string | undefined },
): Promise<void> {
  const scopes = o.scopes === undefined ? undefined : parseScopes(o.scopes);
  if (o.scopes !== undefined && !scopes)
    throw new UsageError('--scopes takes a comma list of read, write, upload, admin');
  await withContext(config, async ({ services }) => {
    const c = await services.auth.createClient(o.orgId, {
      tillId: o.tillId ?? null,
      ...(scopes ? { scopes } : {}),
    });
    line({ key: c.key, secret: c.secret });
  });
}

export async function clientRevoke(config: Config, key: string): Promise<void> {
  await withContext(config, async ({ services }) => {
    const revoked = await services.auth.revokeClient(key);
    if (!revoked) throw new Error(`no active client with key ${key}`);
    line({ key, revoked: true });
  });
}
