// Admin hub management that realtime scoping needs: segments, spaces, member segments, bans,
// removals and server-side publishing. Registered inside the admin scope (token-guarded).
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { replies, schemas } from '../../http/index.js';
import type { AppContext } from '../../server/context.js';
import { registerCommunityAdminRoutes } from './community-routes.js';
import { ContactSegments, PublishedEvent, Segment, SpaceCreated } from './hub-schemas.js';
import { writeErrors, ContactParams, EmptyBody, HubParams, IdempotencyHeaders as headers, security, Success, written } from './schemas.js';

const tags = ['admin: hubs'];
const EventType = Type.String({ minLength: 1, maxLength: 100, pattern: '^[a-z0-9_.]+$', description: 'A public event type (a–z 0–9 _ .), e.g. test.ping' });
const SegmentIds = Type.Array(schemas.Id('Segment id'), { maxItems: 100, description: 'Segments of this hub' });

export function registerHubAdminRoutes(scope: FastifyInstance, ctx: AppContext): void {
  const app = scope.withTypeProvider<TypeBoxTypeProvider>();
  const { hubs } = ctx;

  app.post('/hubs/:hub_id/events', {
    schema: {
      tags, security, operationId: 'publishHubEvent', summary: 'Publish an event to the hub stream (hub-wide, to a space, or to named contacts)', params: HubParams, headers,
      description: 'With `space_id` the event is delivered under the space\'s restriction; with `contact_ids` only to those contacts; with both, to those of the named contacts the space lets in. `400 invalid_request` when `type` is not a hub event type (`community.*`, `test.ping`) or `space_id`/`contact_ids` name something that is not part of the hub.',
      body: Type.Object({
        type: EventType,
        space_id: Type.Optional(schemas.Id('Space id: delivered under the space\'s restriction')),
        contact_ids: Type.Optional(Type.Array(schemas.Id('Contact id'), { minItems: 1, maxItems: 1000, description: 'Deliver only to these contacts' })),
        data: Type.Optional(Type.Record(Type.String(), Type.Unknown(), { description: 'The event\'s payload: any JSON object' })),
      }, { additionalProperties: false, examples: [{ type: 'test.ping', data: { n: 1 } }] }),
      response: replies({ 202: written(PublishedEvent, 'The event is in the hub\'s log') }, writeErrors('not_found')),
    },
  }, async (req, reply) => {
    const event = await hubs.publish(req.params.hub_id, { type: req.body.type, spaceId: req.body.space_id, contactIds: req.body.contact_ids, data: req.body.data ?? {} });
    return reply.code(202).send({ id: event.id });
  });

  app.post('/hubs/:hub_id/segments', {
    schema: {
      tags, security, operationId: 'createSegment', summary: 'Create a segment (a group of members that can be granted restricted spaces)', params: HubParams, headers,
      body: Type.Object({ name: schemas.Name }, { additionalProperties: false, examples: [{ name: 'Subscribers' }] }),
      response: replies({ 201: written(Segment, 'The segment') }, writeErrors('not_found')),
    },
  }, async (req, reply) => {
    const s = await hubs.createSegment(req.params.hub_id, req.body.name);
    return reply.code(201).send({ id: s.id, hub_id: s.hub_id, name: s.name, created_at: s.created_at });
  });

  app.post('/hubs/:hub_id/spaces', {
    schema: {
      tags, security, operationId: 'adminCreateSpace', summary: 'Create a space; a restricted one is visible only to the granted segments (emits community.space.created)', params: HubParams, headers,
      body: Type.Object({ name: schemas.Name, restricted: Type.Optional(Type.Boolean({ description: 'Default false' })), segment_ids: Type.Optional(SegmentIds) }, {
        additionalProperties: false, examples: [{ name: 'Lobby', restricted: true, segment_ids: ['seg_Rt6yU4iO2pL0kJ8hG7fD'] }],
      }),
      response: replies({ 201: written(SpaceCreated, 'The space') }, writeErrors('not_found')),
    },
  }, async (req, reply) => {
    const { space, segmentIds } = await hubs.createSpace(req.params.hub_id, req.body.name, req.body.restricted ?? false, req.body.segment_ids ?? []);
    return reply.code(201).send({ id: space.id, hub_id: space.hub_id, name: space.name, restricted: space.restricted === 1, segment_ids: segmentIds, created_at: space.created_at });
  });

  app.put('/hubs/:hub_id/contacts/:contact_id/segments', {
    schema: {
      tags, security, operationId: 'setContactSegments', summary: "Replace a member's segments; its open streams' access changes without a reconnect", params: ContactParams, headers,
      body: Type.Object({ segment_ids: SegmentIds }, { additionalProperties: false, examples: [{ segment_ids: ['seg_Rt6yU4iO2pL0kJ8hG7fD'] }] }),
      response: replies({ 200: written(ContactSegments, 'The contact\'s segments now') }, writeErrors('not_found')),
    },
  }, async (req) => ({ contact_id: req.params.contact_id, segment_ids: await hubs.setContactSegments(req.params.hub_id, req.params.contact_id, req.body.segment_ids) }));

  app.post('/hubs/:hub_id/contacts/:contact_id/ban', {
    schema: {
      tags, security, operationId: 'banContact', summary: 'Ban a member: its open streams end with stream.unauthorized, new ones get 404', params: ContactParams, headers, body: EmptyBody,
      response: replies({ 200: written(Success, 'The contact is banned') }, writeErrors('not_found')),
    },
  }, async (req) => {
    await hubs.revokeContact(req.params.hub_id, req.params.contact_id, 'banned');
    return { success: true };
  });

  app.delete('/hubs/:hub_id/contacts/:contact_id', {
    schema: {
      tags, security, operationId: 'removeContact', summary: 'Remove a member: its open streams end with stream.unauthorized', params: ContactParams, headers,
      response: replies({ 200: written(Success, 'The contact is removed') }, writeErrors('not_found')),
    },
  }, async (req) => {
    await hubs.revokeContact(req.params.hub_id, req.params.contact_id, 'removed');
    return { success: true };
  });

  registerCommunityAdminRoutes(app, ctx);
}
