// Admin webhook endpoints and their delivery log. Registered inside the admin scope (token-guarded,
// Idempotency-Key on writes); webhook failures become catalogue errors here, at the edge.
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { schemas } from '../../http/index.js';
import type { AppContext } from '../../server/context.js';
import { presentDelivery, presentEndpoint, webhookHttpError } from '../../webhooks/index.js';

const tags = ['admin: webhooks'];
const security = [{ bearer: [] }];
const OrgParams = Type.Object({ org_id: schemas.Id('Organization id') });
const WebhookParams = Type.Object({ id: schemas.Id('Webhook endpoint id') });
const DeliveryParams = Type.Object({ id: schemas.Id('Webhook endpoint id'), delivery_id: schemas.Id('Delivery id') });
// Long enough that an over-long URL reaches the service and gets its own code (invalid_webhook_url).
const Url = Type.String({ minLength: 1, maxLength: 16_384, description: 'https:// URL (http:// with CAPSTAN_WEBHOOK_ALLOW_HTTP) of at most 2048 characters, resolving to public addresses' });
const EventFilter = Type.Array(Type.String({ minLength: 1, maxLength: 100, pattern: '^[a-z0-9_.]+(\\.\\*)?$' }), {
  minItems: 1, maxItems: 100, description: 'Event types, or prefixes ending in .* (document.*); omitted: every event',
});
const Description = Type.String({ maxLength: 500, description: 'Free text for people' });
const Status = Type.Union([Type.Literal('pending'), Type.Literal('delivering'), Type.Literal('succeeded'), Type.Literal('failed'), Type.Literal('cancelled')]);

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
    schema: { tags, security, summary: 'The event types an endpoint may filter on (prefixes such as document.* match several)' },
  }, async () => ({ data: webhooks.eventTypes() }));

  app.post('/orgs/:org_id/webhooks', {
    schema: {
      tags, security, summary: 'Create a webhook endpoint; its signing secret is in this answer only', params: OrgParams,
      body: Type.Object({ url: Url, events: Type.Optional(EventFilter), description: Type.Optional(Description) }, { additionalProperties: false }),
    },
  }, async (req, reply) => {
    const { endpoint, secret } = await edge(() => webhooks.create(req.params.org_id, req.body));
    return reply.code(201).send({ ...presentEndpoint(endpoint), secret });
  });

  app.get('/orgs/:org_id/webhooks', {
    schema: { tags, security, summary: "List an organization's webhook endpoints", params: OrgParams },
  }, async (req) => ({ data: (await edge(() => webhooks.list(req.params.org_id))).map(presentEndpoint) }));

  app.get('/webhooks/:id', {
    schema: { tags, security, summary: 'Get a webhook endpoint (never its secret)', params: WebhookParams },
  }, async (req) => presentEndpoint(await edge(() => webhooks.get(req.params.id))));

  app.patch('/webhooks/:id', {
    schema: {
      tags, security, summary: 'Change a webhook endpoint; enabled: false disables it and cancels its open deliveries', params: WebhookParams,
      body: Type.Object({
        url: Type.Optional(Url),
        events: Type.Optional(Type.Union([Type.Null(), EventFilter])),
        description: Type.Optional(Type.Union([Type.Null(), Description])),
        enabled: Type.Optional(Type.Boolean()),
      }, { additionalProperties: false }),
    },
  }, async (req) => presentEndpoint(await edge(() => webhooks.update(req.params.id, req.body))));

  app.delete('/webhooks/:id', {
    schema: { tags, security, summary: 'Delete a webhook endpoint; its open deliveries are cancelled and nothing more is sent', params: WebhookParams },
  }, async (req) => {
    await edge(() => webhooks.remove(req.params.id));
    return { success: true };
  });

  app.post('/webhooks/:id/rotate-secret', {
    schema: { tags, security, summary: 'Issue a new signing secret (in this answer only); the old one keeps signing alongside it for 24 h', params: WebhookParams, body: Type.Object({}, { additionalProperties: false }) },
  }, async (req) => {
    const { endpoint, secret } = await edge(() => webhooks.rotateSecret(req.params.id));
    return { ...presentEndpoint(endpoint), secret };
  });

  app.get('/webhooks/:id/deliveries', {
    schema: {
      tags, security, summary: "An endpoint's deliveries, newest event first, each with its attempts", params: WebhookParams,
      querystring: Type.Object({ status: Type.Optional(Status), limit: schemas.Limit(50, 100), offset: schemas.Offset }),
    },
  }, async (req) => ({ data: (await edge(() => webhooks.deliveries(req.params.id, req.query.status, req.query.limit, req.query.offset))).map(presentDelivery) }));

  app.post('/webhooks/:id/deliveries/:delivery_id/retry', {
    schema: { tags, security, summary: 'Send a delivery again now, whatever it ended as', params: DeliveryParams, body: Type.Object({}, { additionalProperties: false }) },
  }, async (req, reply) => reply.code(202).send(presentDelivery(await edge(() => webhooks.retry(req.params.id, req.params.delivery_id)))));

  app.post('/webhooks/:id/test', {
    schema: { tags, security, summary: 'Send a webhook.test message to this endpoint (whatever its filter)', params: WebhookParams, body: Type.Object({}, { additionalProperties: false }) },
  }, async (req, reply) => reply.code(202).send(presentDelivery({ delivery: await edge(() => webhooks.sendTest(req.params.id)), attempts: [] })));
}
