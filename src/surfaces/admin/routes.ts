// The admin API (/admin/v1): tenancy, keys, credits, apps, hubs, contacts and webhooks. Thin: each route
// validates, calls the tenancy service and shapes the answer.
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { bodylessAsEmpty, idempotentWrites, replies, schemas } from '../../http/index.js';
import type { AppContext } from '../../server/context.js';
import { adminGuard } from './guard.js';
import { registerHubAdminRoutes } from './hub-routes.js';
import { sessionRoutes } from './session-routes.js';
import { registerOpsAdminRoutes } from './ops-routes.js';
import { registerLiveRoutes } from './live-routes.js';
import { registerWebhookAdminRoutes } from './webhook-routes.js';
import { presentApp, presentContact, presentHub, presentKey, presentOrg } from '../../tenancy/index.js';
import {
  adminErrors, writeErrors, AppCreated, AppKeys, AppParams, Contact, ContactParams, ContactToken, CreditBalance, EmptyBody, Environment, HubParams, Hub, IdempotencyHeaders,
  KeyCreated, KeyMode, KeyParams, Origin, OrgCreated, OrgList, OrgParams, OrgWithKeys, Role, security, Success, written,
} from './schemas.js';

const tags = ['admin'];
const headers = IdempotencyHeaders;

export function adminRoutes(ctx: AppContext) {
  return async function admin(root: FastifyInstance): Promise<void> {
    // Outside the guarded scope: signing in is how a browser gets past the guard.
    await root.register(sessionRoutes(ctx), { prefix: '/admin/v1' });
    await root.register(
      async (scope) => {
        const app = scope.withTypeProvider<TypeBoxTypeProvider>();
        app.addHook('onRequest', adminGuard(ctx));
        app.addHook('preValidation', bodylessAsEmpty);
        // A retried admin call (a grant, a publish, a ban) with the same Idempotency-Key applies once.
        idempotentWrites(scope, ctx.storage.idempotency, () => 'admin');
        const { tenancy } = ctx;

        app.post('/orgs', {
          schema: {
            tags, security, operationId: 'createOrg', summary: 'Create an organization and its first API key (shown once)',
            description: 'The initial credits are granted through the ledger. The key itself (`api_key`) is in this answer only; later listings show its `display` form.',
            headers,
            body: Type.Object({
              name: schemas.Name,
              credits_micro: Type.Optional(Type.Integer({ minimum: 0, maximum: 1e15, description: 'Initial balance in micro-credits (default 0)' })),
              key_mode: Type.Optional(KeyMode),
            }, { additionalProperties: false, examples: [{ name: 'Acme', credits_micro: 500000 }] }),
            response: replies({ 201: written(OrgCreated, 'The organization, with its first API key') }, writeErrors()),
          },
        }, async (req, reply) => {
          const created = await tenancy.createOrg(req.body.name, req.body.credits_micro ?? 0, req.body.key_mode ?? 'test');
          return reply.code(201).send({ ...presentOrg(created.org), api_key: created.apiKey, api_key_id: created.key.id });
        });

        app.get('/orgs', {
          schema: {
            tags, security, operationId: 'listOrgs', summary: 'List organizations, oldest first',
            querystring: Type.Object({ limit: schemas.Limit(50, 100), offset: schemas.Offset }),
            response: replies({ 200: { ...OrgList, description: 'A page of organizations' } }, adminErrors()),
          },
        }, async (req) => ({ data: (await ctx.storage.orgs.list(req.query.limit, req.query.offset)).map(presentOrg) }));

        app.get('/orgs/:org_id', {
          schema: {
            tags, security, operationId: 'getOrg', summary: 'Get an organization with its keys (displayed, never whole)', params: OrgParams,
            response: replies({ 200: { ...OrgWithKeys, description: 'The organization and every key it ever had' } }, adminErrors('not_found')),
          },
        }, async (req) => {
          const org = await tenancy.getOrg(req.params.org_id);
          return { ...presentOrg(org), keys: (await tenancy.listOrgKeys(org.id)).map(presentKey) };
        });

        app.post('/orgs/:org_id/keys', {
          schema: {
            tags, security, operationId: 'createOrgKey', summary: 'Create another organization API key (shown once)', params: OrgParams, headers,
            body: Type.Object({ mode: Type.Optional(KeyMode) }, { additionalProperties: false, examples: [{ mode: 'live' }] }),
            response: replies({ 201: written(KeyCreated, 'The key, with the key itself in this answer only') }, writeErrors('not_found')),
          },
        }, async (req, reply) => {
          const { key, apiKey } = await tenancy.createOrgKey(req.params.org_id, req.body.mode ?? 'test');
          return reply.code(201).send({ ...presentKey(key), api_key: apiKey });
        });

        app.delete('/orgs/:org_id/keys/:key_id', {
          schema: {
            tags, security, operationId: 'revokeOrgKey', summary: 'Revoke an organization API key; it answers 401 from now on', params: KeyParams, headers,
            description: '`404 not_found` when the organization has no active key with that id: unknown, already revoked, or another organization\'s.',
            response: replies({ 200: written(Success, 'The key is revoked') }, writeErrors('not_found')),
          },
        }, async (req) => {
          await tenancy.revokeOrgKey(req.params.org_id, req.params.key_id);
          return { success: true };
        });

        app.post('/orgs/:org_id/credits', {
          schema: {
            tags, security, operationId: 'addCredits', summary: 'Add (or, negative, correct) credits: a ledger entry, never an overwrite', params: OrgParams, headers,
            description: 'Each call appends a ledger entry (amount, balance after, reason). `400 invalid_request` when the amount is 0, a correction would take the balance below zero, or the reason is one Capstan writes for its own charges and refunds (`refund`, `document`, `video`: the usage report counts those as spending); nothing changes.',
            body: Type.Object({
              amount_micro: Type.Integer({ minimum: -1e15, maximum: 1e15, description: 'Micro-credits to add (negative: a correction); not 0' }),
              reason: Type.Optional(Type.String({ minLength: 1, maxLength: 64, pattern: '^[a-z0-9_.-]+$', description: 'Recorded on the ledger entry (default grant)' })),
            }, { additionalProperties: false, examples: [{ amount_micro: 100000, reason: 'grant' }] }),
            response: replies({ 200: written(CreditBalance, 'The new balance') }, writeErrors('not_found')),
          },
        }, async (req) => ({ org_id: req.params.org_id, credits_micro: await tenancy.addCredits(req.params.org_id, req.body.amount_micro, req.body.reason ?? 'grant') }));

        app.post('/orgs/:org_id/apps', {
          schema: {
            tags, security, operationId: 'createApp', summary: 'Create a developer app with its csk_/cpk_ key pair (shown once)', params: OrgParams, headers,
            body: Type.Object({
              name: schemas.Name,
              environment: Environment,
              allowed_origins: Type.Optional(Type.Array(Origin, { maxItems: 100, description: 'Checked for public cpk_ keys of production apps (default []); entries that are one origin once normalised are stored once' })),
            }, { additionalProperties: false, examples: [{ name: 'Recorder', environment: 'production', allowed_origins: ['https://app.example.com'] }] }),
            response: replies({ 201: written(AppCreated, 'The app, with its key pair in this answer only') }, writeErrors('not_found')),
          },
        }, async (req, reply) => {
          const created = await tenancy.createApp(req.params.org_id, { name: req.body.name, environment: req.body.environment, allowedOrigins: req.body.allowed_origins ?? [] });
          return reply.code(201).send({ ...presentApp(created.app), secret_key: created.secretKey, public_key: created.publicKey });
        });

        app.post('/apps/:app_id/regenerate-keys', {
          schema: {
            tags, security, operationId: 'regenerateAppKeys', summary: 'Issue a new key pair and revoke the old one at once', params: AppParams, headers,
            description: 'The old keys answer 401 from the moment this commits. No body fields.',
            body: EmptyBody,
            response: replies({ 200: written(AppKeys, 'The new key pair, in this answer only') }, writeErrors('not_found')),
          },
        }, async (req) => {
          const pair = await tenancy.regenerateAppKeys(req.params.app_id);
          return { app_id: req.params.app_id, secret_key: pair.secretKey, public_key: pair.publicKey };
        });

        app.post('/orgs/:org_id/hubs', {
          schema: {
            tags, security, operationId: 'createHub', summary: 'Create a community hub', params: OrgParams, headers,
            body: Type.Object({ name: schemas.Name }, { additionalProperties: false, examples: [{ name: 'Community' }] }),
            response: replies({ 201: written(Hub, 'The hub') }, writeErrors('not_found')),
          },
        }, async (req, reply) => reply.code(201).send(presentHub(await tenancy.createHub(req.params.org_id, req.body.name))));

        app.post('/hubs/:hub_id/contacts', {
          schema: {
            tags, security, operationId: 'createContact', summary: 'Add a contact (member) to a hub', params: HubParams, headers,
            body: Type.Object({ name: schemas.Name, role: Type.Optional(Role) }, { additionalProperties: false, examples: [{ name: 'Ada', role: 'member' }] }),
            response: replies({ 201: written(Contact, 'The contact (status active)') }, writeErrors('not_found')),
          },
        }, async (req, reply) => reply.code(201).send(presentContact(await tenancy.createContact(req.params.hub_id, req.body.name, req.body.role ?? 'member'))));

        app.post('/hubs/:hub_id/contacts/:contact_id/tokens', {
          schema: {
            tags, security, operationId: 'createContactToken', summary: 'Mint a contact access token (JWT) for the hub APIs and its realtime stream', params: ContactParams, headers,
            description: '`404 not_found` when the contact is not an active contact of that hub (unknown, banned, removed, in another hub or organization).',
            body: Type.Object({
              ttl_seconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 2_592_000, description: 'Lifetime in seconds (default CAPSTAN_CONTACT_TOKEN_TTL_SECONDS, 3600)' })),
            }, { additionalProperties: false, examples: [{ ttl_seconds: 3600 }] }),
            response: replies({ 201: written(ContactToken, 'The access token') }, writeErrors('not_found')),
          },
        }, async (req, reply) => {
          const minted = await tenancy.mintContactToken(req.params.hub_id, req.params.contact_id, req.body.ttl_seconds);
          return reply.code(201).send({ access_token: minted.accessToken, token_type: 'Bearer', expires_at: minted.expiresAt });
        });

        registerHubAdminRoutes(app, ctx);
        registerWebhookAdminRoutes(app, ctx);
        registerOpsAdminRoutes(app, ctx);
        registerLiveRoutes(app, ctx);
      },
      { prefix: '/admin/v1' },
    );
  };
}
