// The admin API (/admin/v1): tenancy, keys, credits, apps, hubs, contacts and webhooks. Thin: each route
// validates, calls the tenancy service and shapes the answer.
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { checkAdminToken } from '../../auth/index.js';
import { idempotentWrites, schemas } from '../../http/index.js';
import type { AppContext } from '../../server/context.js';
import { registerHubAdminRoutes } from './hub-routes.js';
import { registerWebhookAdminRoutes } from './webhook-routes.js';
import { presentApp, presentContact, presentHub, presentKey, presentOrg } from '../../tenancy/index.js';

const tags = ['admin'];
const security = [{ bearer: [] }];
const OrgParams = Type.Object({ org_id: schemas.Id('Organization id') });
const HubParams = Type.Object({ hub_id: schemas.Id('Hub id') });
const Origin = Type.String({ minLength: 1, maxLength: 255, pattern: '^(\\*|https?://[^/\\s]+)$', description: 'An origin such as https://app.example.com' });

export function adminRoutes(ctx: AppContext) {
  return async function admin(root: FastifyInstance): Promise<void> {
    await root.register(
      async (scope) => {
        const app = scope.withTypeProvider<TypeBoxTypeProvider>();
        app.addHook('onRequest', async (req) => checkAdminToken(ctx.config.adminToken, req.headers.authorization));
        // POSTs without a body (curl -X POST) mean "no options".
        app.addHook('preValidation', async (req) => {
          if (req.body === undefined && req.method === 'POST') req.body = {};
        });
        // A retried admin call (a grant, a publish, a ban) with the same Idempotency-Key applies once.
        idempotentWrites(scope, ctx.storage.idempotency, () => 'admin');
        const { tenancy } = ctx;

        app.post('/orgs', {
          schema: {
            tags, security, summary: 'Create an organization and its first API key (shown once)',
            body: Type.Object({ name: schemas.Name, credits_micro: Type.Optional(Type.Integer({ minimum: 0, maximum: 1e15 })), key_mode: Type.Optional(Type.Union([Type.Literal('test'), Type.Literal('live')])) }, { additionalProperties: false }),
          },
        }, async (req, reply) => {
          const created = await tenancy.createOrg(req.body.name, req.body.credits_micro ?? 0, req.body.key_mode ?? 'test');
          return reply.code(201).send({ ...presentOrg(created.org), api_key: created.apiKey, api_key_id: created.key.id });
        });

        app.get('/orgs', {
          schema: { tags, security, summary: 'List organizations', querystring: Type.Object({ limit: schemas.Limit(50, 100), offset: schemas.Offset }) },
        }, async (req) => ({ data: (await ctx.storage.orgs.list(req.query.limit, req.query.offset)).map(presentOrg) }));

        app.get('/orgs/:org_id', { schema: { tags, security, summary: 'Get an organization with its keys (displayed, never whole)', params: OrgParams } }, async (req) => {
          const org = await tenancy.getOrg(req.params.org_id);
          return { ...presentOrg(org), keys: (await tenancy.listOrgKeys(org.id)).map(presentKey) };
        });

        app.post('/orgs/:org_id/keys', {
          schema: { tags, security, summary: 'Create another organization API key (shown once)', params: OrgParams, body: Type.Object({ mode: Type.Optional(Type.Union([Type.Literal('test'), Type.Literal('live')])) }, { additionalProperties: false }) },
        }, async (req, reply) => {
          const { key, apiKey } = await tenancy.createOrgKey(req.params.org_id, req.body.mode ?? 'test');
          return reply.code(201).send({ ...presentKey(key), api_key: apiKey });
        });

        app.delete('/orgs/:org_id/keys/:key_id', {
          schema: { tags, security, summary: 'Revoke an organization API key; it answers 401 from now on', params: Type.Object({ org_id: schemas.Id('Organization id'), key_id: schemas.Id('Key id') }) },
        }, async (req) => {
          await tenancy.revokeOrgKey(req.params.org_id, req.params.key_id);
          return { success: true };
        });

        app.post('/orgs/:org_id/credits', {
          schema: {
            tags, security, summary: 'Add (or, negative, correct) credits: a ledger entry, never an overwrite', params: OrgParams,
            body: Type.Object({ amount_micro: Type.Integer({ minimum: -1e15, maximum: 1e15 }), reason: Type.Optional(Type.String({ minLength: 1, maxLength: 64, pattern: '^[a-z0-9_.-]+$' })) }, { additionalProperties: false }),
          },
        }, async (req) => ({ org_id: req.params.org_id, credits_micro: await tenancy.addCredits(req.params.org_id, req.body.amount_micro, req.body.reason ?? 'grant') }));

        app.post('/orgs/:org_id/apps', {
          schema: {
            tags, security, summary: 'Create a developer app with its csk_/cpk_ key pair (shown once)', params: OrgParams,
            body: Type.Object({
              name: schemas.Name,
              environment: Type.Union([Type.Literal('development'), Type.Literal('production')]),
              allowed_origins: Type.Optional(Type.Array(Origin, { maxItems: 100 })),
            }, { additionalProperties: false }),
          },
        }, async (req, reply) => {
          const created = await tenancy.createApp(req.params.org_id, { name: req.body.name, environment: req.body.environment, allowedOrigins: req.body.allowed_origins ?? [] });
          return reply.code(201).send({ ...presentApp(created.app), secret_key: created.secretKey, public_key: created.publicKey });
        });

        app.post('/apps/:app_id/regenerate-keys', {
          schema: { tags, security, summary: 'Issue a new key pair and revoke the old one at once', params: Type.Object({ app_id: schemas.Id('App id') }), body: Type.Object({}, { additionalProperties: false }) },
        }, async (req) => {
          const pair = await tenancy.regenerateAppKeys(req.params.app_id);
          return { app_id: req.params.app_id, secret_key: pair.secretKey, public_key: pair.publicKey };
        });

        app.post('/orgs/:org_id/hubs', {
          schema: { tags, security, summary: 'Create a community hub', params: OrgParams, body: Type.Object({ name: schemas.Name }, { additionalProperties: false }) },
        }, async (req, reply) => reply.code(201).send(presentHub(await tenancy.createHub(req.params.org_id, req.body.name))));

        app.post('/hubs/:hub_id/contacts', {
          schema: {
            tags, security, summary: 'Add a contact (member) to a hub', params: HubParams,
            body: Type.Object({ name: schemas.Name, role: Type.Optional(Type.Union([Type.Literal('member'), Type.Literal('moderator'), Type.Literal('admin')])) }, { additionalProperties: false }),
          },
        }, async (req, reply) => reply.code(201).send(presentContact(await tenancy.createContact(req.params.hub_id, req.body.name, req.body.role ?? 'member'))));

        app.post('/hubs/:hub_id/contacts/:contact_id/tokens', {
          schema: {
            tags, security, summary: 'Mint a contact access token (JWT) for the hub APIs and its realtime stream',
            params: Type.Object({ hub_id: schemas.Id('Hub id'), contact_id: schemas.Id('Contact id') }),
            body: Type.Object({ ttl_seconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 2_592_000 })) }, { additionalProperties: false }),
          },
        }, async (req, reply) => {
          const minted = await tenancy.mintContactToken(req.params.hub_id, req.params.contact_id, req.body.ttl_seconds);
          return reply.code(201).send({ access_token: minted.accessToken, token_type: 'Bearer', expires_at: minted.expiresAt });
        });

        registerHubAdminRoutes(app, ctx);
        registerWebhookAdminRoutes(app, ctx);
      },
      { prefix: '/admin/v1' },
    );
  };
}
