// Reads the caller's credentials on every route that names a scope (docs/api.md §2): Basic key:secret (or the
// MD5 hex of the secret), a token in x-cap-api-oauth-token, or Authorization: Bearer.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { CouponError } from '../domain/errors.js';
import type { Principal } from '../domain/principal.js';
import type { AttemptThrottle } from '../services/attempt-throttle.js';
import { parseKey, type AuthService } from '../services/auth.js';

export async function authenticate(auth: AuthService, request: FastifyRequest): Promise<Principal> {
  const token = request.headers['x-cap-api-oauth-token'];
  if (typeof token === 'string' && token.length > 0) return auth.authenticateToken(token.trim());
  const header = request.headers.authorization;
  if (typeof header === 'string') {
    const space = header.indexOf(' ');
    const scheme = header.slice(0, space).toLowerCase();
    const value = header.slice(space + 1).trim();
    if (scheme === 'bearer' && value) return auth.authenticateToken(value);
    if (scheme === 'basic' && value) {
      const decoded = Buffer.from(value, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon > 0) return auth.authenticateBasic(decoded.slice(0, colon), decoded.slice(colon + 1));
    }
  }
  throw new CouponError('Unauthorized');
}

/**
 * Failed logins (issue 15): counted per client address and per API key presented. A key past its limit is
 * refused (429) from every address; an address past its limit answers 429 to failures only, so a valid
 * credential from a shared address (a store's network, a load balancer) still gets in.
 */
export interface LoginThrottles {
  /** Key: the client address (request.ip, which COUPOND_TRUST_PROXY decides). */
  perAddress: AttemptThrottle;
  /** Key: the API key (client id) presented, when it has the shape of one. */
  perKey: AttemptThrottle;
}

export type LoginGuard = <T>(
  request: FastifyRequest,
  key: string | undefined,
  run: () => Promise<T>,
) => Promise<T>;

export function createLoginGuard(throttles: LoginThrottles): LoginGuard {
  return async (request, key, run) => {
    // Only keys of the right shape are counted: made-up strings must not crowd real keys out of the table.
    const counted = key !== undefined && parseKey(key) !== undefined ? key : undefined;
    if (counted !== undefined) throttles.perKey.check(counted);
    let addressBlocked: unknown;
    try {
      throttles.perAddress.check(request.ip);
    } catch (e) {
      addressBlocked = e;
    }
    try {
      return await run();
    } catch (e) {
      if (e instanceof CouponError && e.reason === 'Unauthorized') {
        throttles.perAddress.fail(request.ip);
        if (counted !== undefined) throttles.perKey.fail(counted);
        if (addressBlocked) throw addressBlocked;
      }
      throw e;
    }
  };
}

/** The API key of Basic credentials, if the request carries some. */
function basicKey(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (typeof header !== 'string' || !/^basic /i.test(header)) return undefined;
  const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon > 0 ? decoded.slice(0, colon) : undefined;
}

/** Authenticates every route that names a scope; failed authentications count as LoginGuard says. */
export function registerAuth(app: FastifyInstance, auth: AuthService, guard: LoginGuard): void {
  app.decorateRequest('principal', null);
  // A callback hook: unscoped routes (health, metrics, the console) pay no promise.
  app.addHook('onRequest', (request, _reply, done) => {
    const scope = request.routeOptions.config?.scope;
    if (!scope) return done();
    guard(request, basicKey(request), () => authenticate(auth, request)).then((principal) => {
      if (!principal.scopes.has(scope)) return done(new CouponError('Forbidden', `needs scope ${scope}`));
      request.principal = principal;
      done();
    }, done);
  });
}

/** The authenticated caller of a scoped route. */
export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new CouponError('Unauthorized');
  return request.principal;
}
