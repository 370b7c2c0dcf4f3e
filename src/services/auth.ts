// Authentication (docs/api.md §2): Basic with the secret or its MD5 hex, signed JWTs, scopes, instant revocation.
import { createHash, randomBytes, randomInt, scrypt as scryptCb, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import { SignJWT, jwtVerify } from 'jose';
import { CouponError } from '../domain/errors.js';
import { parseScopes, SCOPES, type Principal, type Scope } from '../domain/principal.js';
import { SHORT_READ } from '../storage/database.js';
import type { ClientStatus } from '../storage/org-store.js';
import type { StorageDeps } from './deps.js';

const scrypt = promisify(scryptCb) as (
  pw: string,
  salt: string,
  len: number,
  opts: object,
) => Promise<Buffer>;
/** scrypt cost: about 16 MB and tens of ms per hash; lower it and stolen hashes become cheaper to crack. */
const SCRYPT = { N: 16_384, r: 8, p: 1, maxmem: 64 * 1024 * 1024 };
const KEY_BYTES = 32;
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
/** Verified Basic credentials stay trusted this long, so a till sending Basic on every call pays scrypt once. */
const BASIC_CACHE_MS = 5 * 60_000;
const CACHE_LIMIT = 10_000;
/** On PostgreSQL, client and org state is cached this long at most (NOTIFY clears it sooner). */
const STATUS_CACHE_MS = 2_000;
const ISSUER = 'coupond';

export interface ClientSummary {
  orgId: number;
  key: string;
  tillId: string | null;
  scopes: Scope[];
  createdAt: string;
  revokedAt: string | null;
}

export interface ClientCredentials {
  orgId: number;
  key: string;
  secret: string;
}

function randomText(length: number): string {
  let s = '';
  for (let i = 0; i < length; i++) s += ALPHABET[randomInt(ALPHABET.length)];
  return s;
}

const md5hex = (s: string): string => createHash('md5').update(s).digest('hex');
const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');

/** Hashes a new secret twice with one salt: as given, and as the MD5 hex some integrations send instead. */
export async function hashSecret(secret: string): Promise<{ salt: string; hash: string; md5hash: string }> {
  const salt = randomBytes(16).toString('base64url');
  const [hash, md5hash] = await Promise.all([
    scrypt(secret, salt, KEY_BYTES, SCRYPT),
    scrypt(md5hex(secret), salt, KEY_BYTES, SCRYPT),
  ]);
  return { salt, hash: hash.toString('base64url'), md5hash: md5hash.toString('base64url') };
}

/** Checks a presented secret (or its MD5 hex) against both stored hashes in constant time. */
export async function verifySecret(
  presented: string,
  stored: { salt: string; secretHash: string; secretMd5Hash: string },
): Promise<boolean> {
  const derived = await scrypt(presented, stored.salt, KEY_BYTES, SCRYPT);
  const a = Buffer.from(stored.secretHash, 'base64url');
  const b = Buffer.from(stored.secretMd5Hash, 'base64url');
  const okPlain = a.length === derived.length && timingSafeEqual(a, derived);
  const okMd5 = b.length === derived.length && timingSafeEqual(b, derived);
  return okPlain || okMd5;
}

/** Keys carry their org id ("12_…"), so a key finds its org without a cross-org index. */
export function parseKey(key: string): number | undefined {
  const m = /^(\d{1,15})_[A-Za-z0-9]{16,64}$/.exec(key);
  return m ? Number(m[1]) : undefined;
}

interface CachedIdentity {
  orgId: number;
  clientId: number;
  clientKey: string;
  until: number;
}

export interface AuthDeps extends StorageDeps<'org'> {
  jwtSecret: Uint8Array;
  tokenTtlSeconds: number;
}

export function createAuthService(deps: AuthDeps) {
  const { engine, stores, now } = deps;
  const basicCache = new Map<string, CachedIdentity>();
  const tokenCache = new Map<string, CachedIdentity>();
  const statusCache = new Map<
    string,
    { status: ClientStatus | undefined; at: number; version: number | undefined }
  >();

  const remember = (cache: Map<string, CachedIdentity>, k: string, v: CachedIdentity) => {
    if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value!);
    cache.set(k, v);
  };

  async function status(orgId: number, clientId: number): Promise<ClientStatus | undefined> {
    const k = `${orgId}:${clientId}`;
    const hit = statusCache.get(k);
    // SQLite: valid until any other connection commits (this process's own changes call forget*).
    // PostgreSQL: valid briefly, and dropped at once by a NOTIFY from the process that changed it.
    const version = engine.dataVersion?.();
    if (hit && (version !== undefined ? hit.version === version : now() - hit.at < STATUS_CACHE_MS))
      return hit.status;
    const found = await engine.run(() => stores.org.clientStatus(orgId, clientId), SHORT_READ);
    if (statusCache.size >= CACHE_LIMIT) statusCache.clear();
    statusCache.set(k, { status: found, at: now(), version });
    return found;
  }

  /** The client and its org as stored now (see `status`): a revocation takes effect on the next request. */
  async function principalFor(id: CachedIdentity): Promise<Principal> {
    const client = await status(id.orgId, id.clientId);
    if (!client || client.revokedAt !== null) throw new CouponError('Unauthorized', 'client revoked');
    return {
      orgId: id.orgId,
      clientId: id.clientId,
      clientKey: id.clientKey,
      tillId: client.tillId,
      scopes: new Set(parseScopes(client.scopes) ?? []),
      org: { ...client.org },
    };
  }

  async function checkCredentials(key: string, secret: string): Promise<CachedIdentity> {
    const cacheKey = sha256(`${key}\0${secret}`);
    const hit = basicCache.get(cacheKey);
    if (hit && hit.until > now()) return hit;
    const orgId = parseKey(key);
    const client =
      orgId === undefined ? undefined : await engine.run(() => stores.org.findClient(orgId, key), SHORT_READ);
    // Hash even for an unknown key, so timing does not tell which keys exist.
    const stored = client ?? { salt: 'x', secretHash: '', secretMd5Hash: '' };
    const ok = await verifySecret(secret, stored);
    if (!client || !ok || client.revokedAt !== null) throw new CouponError('Unauthorized');
    const identity = {
      orgId: client.orgId,
      clientId: client.id,
      clientKey: client.key,
      until: now() + BASIC_CACHE_MS,
    };
    remember(basicCache, cacheKey, identity);
    return identity;
  }

  return {
    async authenticateBasic(key: string, secret: string): Promise<Principal> {
      return principalFor(await checkCredentials(key, secret));
    },

    async authenticateToken(token: string): Promise<Principal> {
      let id = tokenCache.get(token);
      if (!id || id.until <= now()) {
        tokenCache.delete(token);
        try {
          const { payload } = await jwtVerify(token, deps.jwtSecret, {
            issuer: ISSUER,
            algorithms: ['HS256'],
          });
          const orgId = payload.org;
          const clientId = payload.cid;
          if (
            typeof orgId !== 'number' ||
            typeof clientId !== 'number' ||
            typeof payload.sub !== 'string' ||
            !payload.exp
          ) {
            throw new Error('claims');
          }
          id = { orgId, clientId, clientKey: payload.sub, until: payload.exp * 1000 };
        } catch {
          throw new CouponError('Unauthorized', 'invalid or expired token');
        }
        remember(tokenCache, token, id);
      }
      return principalFor(id);
    },

    /** Exchanges a key and secret (or its MD5 hex) for a signed token. */
    async issueToken(key: string, secret: string): Promise<{ accessToken: string; ttlSeconds: number }> {
      const id = await checkCredentials(key, secret);
      const principal = await principalFor(id);
      const accessToken = await new SignJWT({
        org: principal.orgId,
        cid: principal.clientId,
        till: principal.tillId,
        scp: [...principal.scopes].join(','),
      })
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
        .setSubject(principal.clientKey)
        .setIssuer(ISSUER)
        .setIssuedAt(Math.floor(now() / 1000))
        .setExpirationTime(Math.floor(now() / 1000) + deps.tokenTtlSeconds)
        .setJti(randomText(16))
        .sign(deps.jwtSecret);
      return { accessToken, ttlSeconds: deps.tokenTtlSeconds };
    },

    /** Creates an API client; the secret is returned once and stored only as hashes. */
    async createClient(
      orgId: number,
      options: { tillId?: string | null; scopes?: readonly Scope[] },
    ): Promise<ClientCredentials> {
      const org = await engine.run(() => stores.org.find(orgId));
      if (!org) throw new CouponError('NotFound', `org ${orgId}`);
      const key = `${orgId}_${randomText(24)}`;
      const secret = randomText(32);
      const h = await hashSecret(secret);
      const scopes = (options.scopes ?? ['read', 'write', 'upload']).join(',');
      await engine.run(
        () =>
          stores.org.insertClient({
            org: orgId,
            key,
            ...h,
            till: options.tillId ?? null,
            scopes,
            now: now(),
          }),
        { write: true },
      );
      return { orgId, key, secret };
    },

    /** An org's API clients: key, till, scopes and dates, never a secret or its hash. */
    async listClients(orgId: number): Promise<ClientSummary[]> {
      const org = await engine.run(() => stores.org.find(orgId));
      if (!org) throw new CouponError('NotFound', `org ${orgId}`);
      const list = await engine.run(() => stores.org.listClients(orgId));
      return list.map((c) => ({
        orgId: c.orgId,
        key: c.key,
        tillId: c.tillId,
        scopes: c.scopes.split(',') as Scope[],
        createdAt: new Date(c.createdAt).toISOString(),
        revokedAt: c.revokedAt === null ? null : new Date(c.revokedAt).toISOString(),
      }));
    },

    async revokeClient(key: string): Promise<boolean> {
      const orgId = parseKey(key);
      if (orgId === undefined) return false;
      const done = await engine.run(() => stores.org.revokeClient(orgId, key, now()), { write: true });
      forgetClient(key);
      return done;
    },

    /** Drops cached state of one org's clients (called on NOTIFY from other processes too). */
    forgetOrg(orgId: number): void {
      for (const k of statusCache.keys()) if (k.startsWith(`${orgId}:`)) statusCache.delete(k);
    },

    forgetClientKey: (key: string) => forgetClient(key),

    allScopes: SCOPES,
  };

  function forgetClient(key: string): void {
    const orgId = parseKey(key);
    for (const [k, v] of basicCache) if (v.clientKey === key) basicCache.delete(k);
    for (const [k, v] of tokenCache) if (v.clientKey === key) tokenCache.delete(k);
    if (orgId !== undefined)
      for (const k of statusCache.keys()) if (k.startsWith(`${orgId}:`)) statusCache.delete(k);
  }
}

export type AuthService = ReturnType<typeof createAuthService>;
