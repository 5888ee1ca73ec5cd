// Admin webhook endpoints and their delivery log. Registered inside the admin scope (token-guarded,
// Idempotency-Key on writes); webhook failures become catalogue errors here, at the edge.
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { replies, schemas } from '../../http/index.js';
import type { AppContext } from '../../server/context.js';
import { presentDelivery, presentEndpoint, webhookHttpError } from '../../webhooks/index.js';
import { adminErrors, writeErrors, EmptyBody, IdempotencyHeaders as headers, OrgParams, security, Success, written } from './schemas.js';
import { WebhookDelivery, WebhookDeliveryList, WebhookEndpoint, WebhookEndpointList, WebhookEndpointWithSecret, WebhookEventTypes } from './webhook-schemas.js';

const tags = ['admin: webhooks'];
const WebhookParams = Type.Object({ id: schemas.Id('Webhook endpoint id') });
const DeliveryParams = Type.Object({ id: schemas.Id('Webhook endpoint id'), delivery_id: schemas.Id('Delivery id') });
// Long enough that an over-long URL reaches the service and gets its own code (invalid_webhook_url).
const Url = Type.String({ minLength: 1, maxLength: 16_384, description: 'https:// URL (http:// with CAPSTAN_WEBHOOK_ALLOW_HTTP) of at most 2048 characters, resolving to public addresses' });
const EventFilter = Type.Array(Type.String({ minLength: 1, maxLength: 100, pattern: '^[a-z0-9_.]+(\\.\\*)?$' }), {
  minItems: 1, maxItems: 100, description: 'Event types, or prefixes ending in .* (document.*); omitted: every event',
});
const Description = Type.String({ maxLength: 500, pattern: `^[^${schemas.CONTROL_CHARACTERS}]*$`, description: 'Free text for people: at most 500 characters, no control characters (line breaks included)' });
const Status = Type.Union([Type.Literal('pending'), Type.Literal('delivering'), Type.Literal('succeeded'), Type.Literal('failed'), Type.Literal('cancelled')], { description: 'Only deliveries in this state' });
/** What a URL or events filter can be refused with. */
const REFUSED_ENDPOINT = ['invalid_webhook_url', 'url_not_allowed', 'unknown_event_type'] as const;
const EXAMPLE_URL = 'https://hooks.example.com/capstan';

/** Runs a webhook call, turning its failures into catalogue errors. */
async function edge<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (e) {
    throw webhookHttpError(e);
  }
}

export function registerWebhookAdminRoutes(scope: FastifyInstance, ctx: AppContext): void {
  const app = scope.withTypeProvider<TypeBoxTypeProvider>();
  const { webhooks } = ctx;

  app.get('/webhook-event-types', {
    schema: {
      tags, security, operationId: 'listWebhookEventTypes', summary: 'The event types an endpoint may filter on (prefixes such as document.* match several)',
      response: replies({ 200: { ...WebhookEventTypes, description: 'Every deliverable event type' } }, adminErrors()),
    },
  }, async () => ({ data: webhooks.eventTypes() }));

  app.post('/orgs/:org_id/webhooks', {
    schema: {
      tags, security, operationId: 'createWebhook', summary: 'Create a webhook endpoint; its signing secret is in this answer only', params: OrgParams, headers,
      description: 'Events logged from now on that pass the filter are delivered to the URL, signed (Standard Webhooks) with the secret. The URL is refused with `invalid_webhook_url` (not https, too long, credentials, unresolvable) or `url_not_allowed` (a non-public address); a filter naming no known type with `unknown_event_type`.',
      body: Type.Object({ url: Url, events: Type.Optional(EventFilter), description: Type.Optional(Description) }, {
        additionalProperties: false, examples: [{ url: EXAMPLE_URL, events: ['document.*', 'video.ready'], description: 'Billing sync' }],
      }),
      response: replies({ 201: written(WebhookEndpointWithSecret, 'The endpoint, with its signing secret in this answer only') }, writeErrors('not_found', ...REFUSED_ENDPOINT)),
    },
  }, async (req, reply) => {
    const { endpoint, secret } = await edge(() => webhooks.create(req.params.org_id, req.body));
    return reply.code(201).send({ ...presentEndpoint(endpoint), secret });
  });

  app.get('/orgs/:org_id/webhooks', {
    schema: {
      tags, security, operationId: 'listWebhooks', summary: "List an organization's webhook endpoints", params: OrgParams,
      response: replies({ 200: { ...WebhookEndpointList, description: 'The organization\'s endpoints (never their secrets)' } }, adminErrors('not_found')),
    },
  }, async (req) => ({ data: (await edge(() => webhooks.list(req.params.org_id))).map(presentEndpoint) }));

  app.get('/webhooks/:id', {
    schema: {
      tags, security, operationId: 'getWebhook', summary: 'Get a webhook endpoint (never its secret)', params: WebhookParams,
      response: replies({ 200: { ...WebhookEndpoint, description: 'The endpoint' } }, adminErrors('not_found')),
    },
  }, async (req) => presentEndpoint(await edge(() => webhooks.get(req.params.id))));

  app.patch('/webhooks/:id', {
    schema: {
      tags, security, operationId: 'updateWebhook', summary: 'Change a webhook endpoint; enabled: false disables it and cancels its open deliveries', params: WebhookParams, headers,
      description: '`events: null` delivers every event again; `enabled: true` re-enables an endpoint that was disabled (manually, gone or failing): it gets the events committed from then on, none of the time it was disabled.',
      body: Type.Object({
        url: Type.Optional(Url),
        events: Type.Optional(Type.Union([Type.Null(), EventFilter])),
        description: Type.Optional(Type.Union([Type.Null(), Description])),
        enabled: Type.Optional(Type.Boolean()),
      }, { additionalProperties: false, examples: [{ enabled: false }, { events: null }] }),
      response: replies({ 200: written(WebhookEndpoint, 'The endpoint now') }, writeErrors('not_found', ...REFUSED_ENDPOINT)),
    },
  }, async (req) => presentEndpoint(await edge(() => webhooks.update(req.params.id, req.body))));

  app.delete('/webhooks/:id', {
    schema: {
      tags, security, operationId: 'deleteWebhook', summary: 'Delete a webhook endpoint; its open deliveries are cancelled and nothing more is sent', params: WebhookParams, headers,
      response: replies({ 200: written(Success, 'The endpoint is deleted') }, writeErrors('not_found')),
    },
  }, async (req) => {
    await edge(() => webhooks.remove(req.params.id));
    return { success: true };
  });

  app.post('/webhooks/:id/rotate-secret', {
    schema: {
      tags, security, operationId: 'rotateWebhookSecret', summary: 'Issue a new signing secret (in this answer only); the old one keeps signing alongside it for 24 h', params: WebhookParams, headers, body: EmptyBody,
      response: replies({ 200: written(WebhookEndpointWithSecret, 'The endpoint, with its new secret in this answer only') }, writeErrors('not_found')),
    },
  }, async (req) => {
    const { endpoint, secret } = await edge(() => webhooks.rotateSecret(req.params.id));
    return { ...presentEndpoint(endpoint), secret };
  });

  app.get('/webhooks/:id/deliveries', {
    schema: {
      tags, security, operationId: 'listWebhookDeliveries', summary: "An endpoint's deliveries, newest event first, each with its attempts", params: WebhookParams,
      description: 'A delivery that ended is removed with its attempts CAPSTAN_WEBHOOK_DELIVERY_RETENTION_SECONDS (30 days) after its last change.',
      querystring: Type.Object({ status: Type.Optional(Status), limit: schemas.Limit(50, 100), offset: schemas.Offset }),
      response: replies({ 200: { ...WebhookDeliveryList, description: 'A page of deliveries' } }, adminErrors('not_found')),
    },
  }, async (req) => ({ data: (await edge(() => webhooks.deliveries(req.params.id, req.query.status, req.query.limit, req.query.offset))).map(presentDelivery) }));

  app.post('/webhooks/:id/deliveries/:delivery_id/retry', {
    schema: {
      tags, security, operationId: 'retryWebhookDelivery', summary: 'Send a delivery again now, whatever it ended as', params: DeliveryParams, headers, body: EmptyBody,
      description: '`409 conflict` while the endpoint is disabled: enable it first.',
      response: replies({ 202: written(WebhookDelivery, 'The delivery, due again now') }, writeErrors('not_found', 'conflict')),
    },
  }, async (req, reply) => reply.code(202).send(presentDelivery(await edge(() => webhooks.retry(req.params.id, req.params.delivery_id)))));

  app.post('/webhooks/:id/test', {
    schema: {
      tags, security, operationId: 'sendWebhookTest', summary: 'Send a webhook.test message to this endpoint (whatever its filter)', params: WebhookParams, headers, body: EmptyBody,
      description: '`409 conflict` while the endpoint is disabled: enable it first.',
      response: replies({ 202: written(WebhookDelivery, 'The test delivery, queued (no attempts yet)') }, writeErrors('not_found', 'conflict')),
    },
  }, async (req, reply) => reply.code(202).send(presentDelivery({ delivery: await edge(() => webhooks.sendTest(req.params.id)), attempts: [] })));
}
