// Admin-API equivalents of the community hub's management actions: spaces, mutes, discussion
// moderation, broadcasts and member roles. The operator sees every space and emits the same events
// as a member would; payloads name no acting contact.
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { replies } from '../../http/index.js';
import { ADMIN, presentBroadcast, presentDiscussion, presentSpace } from '../../hubs/index.js';
import { presentContact } from '../../tenancy/index.js';
import type { AppContext } from '../../server/context.js';
import { BroadcastBody, DiscussionParams, ListQuery, pageOf, SpaceContactParams, SpaceParams, SpacePatchBody } from '../hub/index.js';
import { Broadcast, Discussion, MuteState, Space, SpacePage } from './hub-schemas.js';
import { adminErrors, writeErrors, Contact, ContactParams, EmptyBody, HubParams, IdempotencyHeaders as headers, Role, security, Success, written } from './schemas.js';

const tags = ['admin: hubs'];

/** The moderation actions on a discussion: path segment, operationId, flag, value and the event it emits. */
const FLAG_ACTIONS = [
  ['lock', 'adminLockDiscussion', 'locked', true, 'community.discussion.locked'],
  ['unlock', 'adminUnlockDiscussion', 'locked', false, 'community.discussion.unlocked'],
  ['pin', 'adminPinDiscussion', 'pinned', true, 'community.discussion.pinned'],
  ['unpin', 'adminUnpinDiscussion', 'pinned', false, 'community.discussion.unpinned'],
] as const;

export function registerCommunityAdminRoutes(scope: FastifyInstance, ctx: AppContext): void {
  const app = scope.withTypeProvider<TypeBoxTypeProvider>();
  const { spaces, discussions, broadcasts } = ctx.hubs;

  app.get('/hubs/:hub_id/spaces', {
    schema: {
      tags, security, operationId: 'adminListSpaces', summary: 'Every live space of the hub, restricted ones included', params: HubParams, querystring: ListQuery,
      response: replies({ 200: { ...SpacePage, description: 'A page of spaces' } }, adminErrors('not_found')),
    },
  }, async (req) => pageOf(await spaces.list(req.params.hub_id, ADMIN, req.query.limit, req.query.offset), presentSpace));

  app.patch('/hubs/:hub_id/spaces/:space_id', {
    schema: {
      tags, security, operationId: 'adminUpdateSpace', summary: 'Rename a space or change its restriction (emits community.space.updated)', params: SpaceParams, headers,
      description: 'At least one field. `segment_ids` replaces the space\'s segments; `400 invalid_request` when one is not a segment of the hub.',
      body: { ...SpacePatchBody, examples: [{ restricted: false }] },
      response: replies({ 200: written(Space, 'The space now') }, writeErrors('not_found')),
    },
  }, async (req) => presentSpace(await spaces.update(req.params.hub_id, ADMIN, req.params.space_id, { name: req.body.name, restricted: req.body.restricted, segmentIds: req.body.segment_ids })));

  app.delete('/hubs/:hub_id/spaces/:space_id', {
    schema: {
      tags, security, operationId: 'adminDeleteSpace', summary: 'Delete a space (emits community.space.deleted)', params: SpaceParams, headers,
      response: replies({ 200: written(Success, 'The space is deleted') }, writeErrors('not_found')),
    },
  }, async (req) => {
    await spaces.remove(req.params.hub_id, ADMIN, req.params.space_id);
    return { success: true };
  });

  app.post('/hubs/:hub_id/spaces/:space_id/members/:contact_id/mute', {
    schema: {
      tags, security, operationId: 'adminMuteSpaceMember', summary: 'Mute a member in a space (emits community.space.member_muted)', params: SpaceContactParams, headers, body: EmptyBody,
      description: '`409 conflict` when the member is already muted there.',
      response: replies({ 200: written(MuteState, 'The member is muted in the space') }, writeErrors('not_found', 'conflict')),
    },
  }, async (req) => {
    await spaces.setMuted(req.params.hub_id, ADMIN, req.params.space_id, req.params.contact_id, true);
    return { space_id: req.params.space_id, contact_id: req.params.contact_id, muted: true };
  });

  app.delete('/hubs/:hub_id/spaces/:space_id/members/:contact_id/mute', {
    schema: {
      tags, security, operationId: 'adminUnmuteSpaceMember', summary: 'Unmute a member in a space (emits community.space.member_unmuted)', params: SpaceContactParams, headers,
      description: '`404 not_found` also when the member is not muted there.',
      response: replies({ 200: written(MuteState, 'The member is no longer muted in the space') }, writeErrors('not_found')),
    },
  }, async (req) => {
    await spaces.setMuted(req.params.hub_id, ADMIN, req.params.space_id, req.params.contact_id, false);
    return { space_id: req.params.space_id, contact_id: req.params.contact_id, muted: false };
  });

  app.delete('/hubs/:hub_id/discussions/:discussion_id', {
    schema: {
      tags, security, operationId: 'adminDeleteDiscussion', summary: 'Delete a discussion to a tombstone (emits community.discussion.deleted)', params: DiscussionParams, headers,
      description: '`409 conflict` when it was already deleted.',
      response: replies({ 200: written(Discussion, 'The tombstone: deleted true, title and body null') }, writeErrors('not_found', 'conflict')),
    },
  }, async (req) => presentDiscussion(await discussions.remove(req.params.hub_id, ADMIN, req.params.discussion_id)));

  for (const [action, operationId, flag, value, event] of FLAG_ACTIONS) {
    app.post(`/hubs/:hub_id/discussions/:discussion_id/${action}`, {
      schema: {
        tags, security, operationId, summary: `${action[0]?.toUpperCase() ?? ''}${action.slice(1)} a discussion (emits ${event})`, params: DiscussionParams, headers, body: EmptyBody,
        description: `\`409 conflict\` when the discussion is already ${value ? '' : 'un'}${flag}, is a reply, or was deleted.`,
        response: replies({ 200: written(Discussion, 'The discussion now') }, writeErrors('not_found', 'conflict')),
      },
    }, async (req) => presentDiscussion(await discussions.setFlag(req.params.hub_id, ADMIN, req.params.discussion_id, flag, value)));
  }

  app.post('/hubs/:hub_id/broadcasts', {
    schema: {
      tags, security, operationId: 'adminPublishBroadcast', summary: 'Publish a broadcast to the whole hub (emits community.broadcast.published)', params: HubParams, headers,
      body: { ...BroadcastBody, examples: [{ title: 'Maintenance tonight', body: 'The hub is read-only from 22:00 to 22:30 UTC.' }] },
      response: replies({ 201: written(Broadcast, 'The broadcast (author_id null: the operator published it)') }, writeErrors('not_found')),
    },
  }, async (req, reply) => reply.code(201).send(presentBroadcast(await broadcasts.publish(req.params.hub_id, ADMIN, req.body.title, req.body.body))));

  app.put('/hubs/:hub_id/contacts/:contact_id/role', {
    schema: {
      tags, security, operationId: 'setContactRole', summary: "Set a member's role (member, moderator, admin)", params: ContactParams, headers,
      body: Type.Object({ role: Role }, { additionalProperties: false, examples: [{ role: 'moderator' }] }),
      response: replies({ 200: written(Contact, 'The contact with its new role') }, writeErrors('not_found')),
    },
  }, async (req) => presentContact(await ctx.hubs.setRole(req.params.hub_id, req.params.contact_id, req.body.role)));
}
