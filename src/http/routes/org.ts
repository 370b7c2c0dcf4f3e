// The caller's org settings (docs/api.md §2 beyond): read with `read`, change with `admin`.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import Type from 'typebox';
import type { OrgSettings } from '../../domain/principal.js';
import type { Services } from '../../services/index.js';
import { principalOf } from '../auth.js';
import { withErrors } from '../wire/common.js';

const SettingsReply = Type.Object({
  orgId: Type.Integer(),
  name: Type.String(),
  timezone: Type.String(),
  mobileCountryCode: Type.Union([Type.String(), Type.Null()]),
  smsWebhookUrl: Type.Union([Type.String(), Type.Null()]),
  warnings: Type.Array(Type.Unknown()),
});

const SettingsBody = Type.Object({
  name: Type.Optional(Type.String()),
  timezone: Type.Optional(Type.String()),
  mobileCountryCode: Type.Optional(Type.Union([Type.String(), Type.Integer(), Type.Null()])),
  smsWebhookUrl: Type.Optional(Type.Union([Type.String(), Type.Null()])),
});

const toReply = (s: OrgSettings) => ({ ...s, warnings: [] });

export function orgRoutes(fastify: FastifyInstance, services: Services): void {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.get(
    '/v2/org/settings',
    {
      config: { scope: 'read' },
      schema: {
        tags: ['org'],
        summary: "The caller's org settings",
        response: withErrors({ 200: SettingsReply }),
      },
    },
    async (request) => toReply(await services.orgs.getSettings(principalOf(request).orgId)),
  );

  app.put(
    '/v2/org/settings',
    {
      config: { scope: 'admin' },
      schema: {
        tags: ['org'],
        summary: "Change the caller's org settings",
        body: SettingsBody,
        response: withErrors({ 200: SettingsReply }),
      },
    },
    async (request) => {
      const b = request.body;
      const changes: Parameters<Services['orgs']['updateSettings']>[1] = {};
      if (b.name !== undefined) changes.name = b.name;
      if (b.timezone !== undefined) changes.timezone = b.timezone;
      if (b.mobileCountryCode !== undefined)
        changes.mobileCountryCode =
          b.mobileCountryCode === null || b.mobileCountryCode === '' ? null : String(b.mobileCountryCode);
      if (b.smsWebhookUrl !== undefined)
        changes.smsWebhookUrl = b.smsWebhookUrl === '' ? null : b.smsWebhookUrl;
      return toReply(await services.orgs.updateSettings(principalOf(request).orgId, changes));
    },
  );
}
