// Token endpoints (docs/api.md §2): the reference family's token/generate and OAuth 2 client credentials.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import Type from 'typebox';
import { CouponError } from '../../domain/errors.js';
import type { Services } from '../../services/index.js';
import type { LoginGuard } from '../auth.js';
import { ErrorEntrySchema } from '../wire/common.js';

const GenerateBody = Type.Object({
  key: Type.String({ minLength: 1 }),
  secret: Type.String({ minLength: 1 }),
});
const GenerateReply = Type.Object({
  data: Type.Object({ accessToken: Type.String(), ttlSeconds: Type.Integer() }),
  errors: Type.Null(),
});
const GenerateError = Type.Object({ data: Type.Null(), errors: Type.Array(ErrorEntrySchema) });

const OAuthBody = Type.Object({
  grant_type: Type.Optional(Type.String()),
  client_id: Type.Optional(Type.String()),
  client_secret: Type.Optional(Type.String()),
});
const OAuthReply = Type.Object({
  access_token: Type.String(),
  token_type: Type.String(),
  expires_in: Type.Integer(),
});
const OAuthError = Type.Object({ error: Type.String(), error_description: Type.Optional(Type.String()) });

export function authRoutes(fastify: FastifyInstance, services: Services, guard: LoginGuard): void {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.post(
    '/v3/oauth/token/generate',
    {
      config: { errorShape: 'token' },
      schema: {
        tags: ['auth'],
        summary: 'Exchange a key and secret (or its MD5 hex) for an access token',
        body: GenerateBody,
        response: { 200: GenerateReply, '4xx': GenerateError },
      },
    },
    async (request) => {
      const { key, secret } = request.body;
      const token = await guard(request, key, () => services.auth.issueToken(key, secret));
      return { data: token, errors: null };
    },
  );

  app.post(
    '/oauth/token',
    {
      config: { errorShape: 'oauth' },
      schema: {
        tags: ['auth'],
        summary: 'OAuth 2 client credentials grant (JSON or form body, or Basic credentials)',
        body: OAuthBody,
        response: { 200: OAuthReply, '4xx': OAuthError },
      },
    },
    async (request, reply) => {
      const body = (request.body ?? {}) as {
        grant_type?: string;
        client_id?: string;
        client_secret?: string;
      };
      if (body.grant_type !== 'client_credentials') {
        return reply
          .code(400)
          .send({ error: 'unsupported_grant_type', error_description: 'use grant_type=client_credentials' });
      }
      let id = body.client_id;
      let secret = body.client_secret;
      const header = request.headers.authorization;
      if ((!id || !secret) && typeof header === 'string' && /^basic /i.test(header)) {
        const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
        const colon = decoded.indexOf(':');
        if (colon > 0) {
          id = decodeURIComponent(decoded.slice(0, colon));
          secret = decodeURIComponent(decoded.slice(colon + 1));
        }
      }
      if (!id || !secret) throw new CouponError('Unauthorized', 'client_id and client_secret are required');
      const clientId = id;
      const token = await guard(request, clientId, () => services.auth.issueToken(clientId, secret));
      reply.header('cache-control', 'no-store');
      return { access_token: token.accessToken, token_type: 'Bearer', expires_in: token.ttlSeconds };
    },
  );
}
