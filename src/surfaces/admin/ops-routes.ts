// The operator console's reads and operations: an organization's ledger, apps, hubs and usage, key
// rotation, a hub's contacts and segments, and work in flight with the retry of a failed run.
// Registered inside the admin scope (admin guard, idempotent writes).
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { replies } from '../../http/index.js';
import { orgUsage, WorkService } from '../../operations/index.js';
import type { AppContext } from '../../server/context.js';
import { presentAppKey, presentContact, presentHub, presentKey, presentLedgerEntry, presentApp, type AppWithKeys } from '../../tenancy/index.js';
import { AppList, AppPatchBody, AppWithKeys as AppWithKeysSchema, ContactList, HubList, LedgerPage, PageQuery, RunParams, SegmentList, Usage, WorkItem, WorkPage, WorkQuery } from './ops-schemas.js';
import { adminErrors, writeErrors, AppParams, EmptyBody, HubParams, IdempotencyHeaders as headers, KeyCreated, KeyParams, OrgParams, security, written } from './schemas.js';

const tags = ['admin: operations'];

const presentAppWithKeys = ({ app, keys }: AppWithKeys) => ({ ...presentApp(app), keys: keys.map(presentAppKey) });

export function registerOpsAdminRoutes(scope: FastifyInstance, ctx: AppContext): void {
  const app = scope.withTypeProvider<TypeBoxTypeProvider>();
  const { tenancy } = ctx;
  const work = new WorkService(ctx.storage, ctx.workflows);

  app.get('/orgs/:org_id/ledger', {
    schema: {
      tags, security, operationId: 'listLedger', summary: 'The organization\'s credit ledger, newest first', params: OrgParams, querystring: PageQuery,
      description: 'Every grant, debit, refund and correction, with the balance right after it.',
      response: replies({ 200: { ...LedgerPage, description: 'A page of ledger entries' } }, adminErrors('not_found')),
    },
  }, async (req) => ({ data: (await tenancy.ledger(req.params.org_id, req.query.limit, req.query.offset)).map(presentLedgerEntry) }));

  app.get('/orgs/:org_id/apps', {
    schema: {
      tags, security, operationId: 'listApps', summary: 'The organization\'s developer apps with their keys (displayed, never whole)', params: OrgParams,
      response: replies({ 200: { ...AppList, description: 'Every app of the organization' } }, adminErrors('not_found')),
    },
  }, async (req) => ({ data: (await tenancy.listApps(req.params.org_id)).map(presentAppWithKeys) }));

  app.patch('/apps/:app_id', {
    schema: {
      tags, security, operationId: 'updateApp', summary: 'Rename an app or replace its allowed origins', params: AppParams, headers,
      description: 'At least one field. A new `allowed_origins` applies to the next public-key call.',
      body: AppPatchBody,
      response: replies({ 200: written(AppWithKeysSchema, 'The app now') }, writeErrors('not_found')),
    },
  }, async (req) => presentAppWithKeys(await tenancy.updateApp(req.params.app_id, { name: req.body.name, allowedOrigins: req.body.allowed_origins })));

  app.get('/orgs/:org_id/hubs', {
    schema: {
      tags, security, operationId: 'listHubs', summary: 'The organization\'s community hubs', params: OrgParams,
      response: replies({ 200: { ...HubList, description: 'Every hub of the organization' } }, adminErrors('not_found')),
    },
  }, async (req) => ({ data: (await tenancy.listHubs(req.params.org_id)).map(presentHub) }));

  app.get('/orgs/:org_id/usage', {
    schema: {
      tags, security, operationId: 'getUsage', summary: 'The organization\'s work by outcome, credits in and out, and active keys', params: OrgParams,
      response: replies({ 200: { ...Usage, description: 'The organization\'s usage' } }, adminErrors('not_found')),
    },
  }, async (req) => orgUsage(ctx.storage, req.params.org_id));

  app.post('/orgs/:org_id/keys/:key_id/rotate', {
    schema: {
      tags, security, operationId: 'rotateOrgKey', summary: 'Replace an organization API key: a new key of the same mode (shown once), the old one revoked', params: KeyParams, headers,
      description: 'One transaction: the new key exists exactly when the old one is revoked, and the old key\'s open streams end with `stream.unauthorized`. `404 not_found` when the organization has no active key with that id. No body fields.',
      body: EmptyBody,
      response: replies({ 201: written(KeyCreated, 'The new key, with the key itself in this answer only') }, writeErrors('not_found')),
    },
  }, async (req, reply) => {
    const { key, apiKey } = await tenancy.rotateOrgKey(req.params.org_id, req.params.key_id);
    return reply.code(201).send({ ...presentKey(key), api_key: apiKey });
  });

  app.get('/hubs/:hub_id/contacts', {
    schema: {
      tags, security, operationId: 'listContacts', summary: 'The hub\'s contacts, every status, oldest first', params: HubParams, querystring: PageQuery,
      response: replies({ 200: { ...ContactList, description: 'A page of contacts' } }, adminErrors('not_found')),
    },
  }, async (req) => ({ data: (await tenancy.listContacts(req.params.hub_id, req.query.limit, req.query.offset)).map(presentContact) }));

  app.get('/hubs/:hub_id/segments', {
    schema: {
      tags, security, operationId: 'listSegments', summary: 'The hub\'s segments', params: HubParams,
      response: replies({ 200: { ...SegmentList, description: 'Every segment of the hub' } }, adminErrors('not_found')),
    },
  }, async (req) => ({ data: (await ctx.hubs.listSegments(req.params.hub_id)).map((s) => ({ id: s.id, hub_id: s.hub_id, name: s.name, created_at: s.created_at })) }));

  app.get('/work', {
    schema: {
      tags, security, operationId: 'listWork', summary: 'Work of documents, videos and organize jobs: its runs with their stages and progress, newest first', querystring: WorkQuery,
      description: '`404 not_found` when `org_id` names no organization.',
      response: replies({ 200: { ...WorkPage, description: 'A page of runs' } }, adminErrors('not_found')),
    },
  }, async (req) => {
    if (req.query.org_id !== undefined) await tenancy.getOrg(req.query.org_id);
    return { data: await work.list({ status: req.query.status ?? 'in_flight', kind: req.query.kind, orgId: req.query.org_id, limit: req.query.limit, offset: req.query.offset }) };
  });

  app.post('/work/:run_id/retry', {
    schema: {
      tags, security, operationId: 'retryWork', summary: 'Requeue a failed run at its first unfinished stage', params: RunParams, headers, body: EmptyBody,
      description: [
        'Only a run with `retryable: true`: a failed document whose failure was not permanent (its attempts ran out). In one transaction the run is queued again, the document goes back to processing',
        '(a `document.status` event) and its price, refunded when it failed, is debited again — `402 payment_required` when the balance is short, and nothing changes.',
        '`409 conflict`, saying why, for any other run: not failed, failed for good (an encrypted PDF…), or a video or organize job (their failure is final in their own APIs).',
      ].join(' '),
      response: replies({ 200: written(WorkItem, 'The run, queued again') }, writeErrors('not_found', 'conflict', 'payment_required')),
    },
  }, async (req) => work.retry(req.params.run_id));
}
