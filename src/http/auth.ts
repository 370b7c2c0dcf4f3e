// Reads the caller's credentials on every route that names a scope (docs/api.md §2): Basic key:secret (or the
// MD5 hex of the secret), a token in x-cap-api-oauth-token, or Authorization: Bearer.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { CouponError } from '../domain/errors.js';
import type { Principal } from '../domain/principal.js';
import type { AttemptThrottle } from '../services/attempt-throttle.js';
import type { AuthService } from '../services/auth.js';

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

/** Authenticates every route that names a scope; failed authentications count against the caller's IP. */
export function registerAuth(app: FastifyInstance, auth: AuthService, failures: AttemptThrottle): void {
  app.decorateRequest('principal', null);
  app.addHook('onRequest', async (request) => {
    const scope = request.routeOptions.config?.scope;
    if (!scope) return;
    const ipKey = `auth:${request.ip}`;
    failures.check(ipKey);
    let principal: Principal;
    try {
      principal = await authenticate(auth, request);
    } catch (e) {
      if (e instanceof CouponError && e.reason === 'Unauthorized') failures.fail(ipKey);
      throw e;
    }
    if (!principal.scopes.has(scope)) throw new CouponError('Forbidden', `needs scope ${scope}`);
    request.principal = principal;
  });
}

/** The authenticated caller of a scoped route. */
export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new CouponError('Unauthorized');
  return request.principal;
}
