// Admin-API equivalents of the community hub's management actions: spaces, mutes, discussion
// moderation, broadcasts and member roles. The operator sees every space and emits the same events
// as a member would; payloads name no acting contact.
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { schemas } from '../../http/index.js';
import { ADMIN, presentBroadcast, presentDiscussion, presentSpace } from '../../hubs/index.js';
import { presentContact } from '../../tenancy/index.js';
import type { AppContext } from '../../server/context.js';
import { BroadcastBody, DiscussionParams, ListQuery, pageOf, SpaceContactParams, SpaceParams, SpacePatchBody } from '../hub/index.js';

const tags = ['admin: hubs'];
const security = [{ bearer: [] }];

export function registerCommunityAdminRoutes(scope: FastifyInstance, ctx: AppContext): void {
  const app = scope.withTypeProvider<TypeBoxTypeProvider>();
  const { spaces, discussions, broadcasts } = ctx.hubs;

  app.get('/hubs/:hub_id/spaces', {
    schema: { tags, security, summary: 'Every live space of the hub, restricted ones included', params: Type.Object({ hub_id: schemas.Id('Hub id') }), querystring: ListQuery },
  }, async (req) => pageOf(await spaces.list(req.params.hub_id, ADMIN, req.query.limit, req.query.offset), presentSpace));

  app.patch('/hubs/:hub_id/spaces/:space_id', {
    schema: { tags, security, summary: 'Rename a space or change its restriction (emits community.space.updated)', params: SpaceParams, body: SpacePatchBody },
  }, async (req) => presentSpace(await spaces.update(req.params.hub_id, ADMIN, req.params.space_id, { name: req.body.name, restricted: req.body.restricted, segmentIds: req.body.segment_ids })));

  app.delete('/hubs/:hub_id/spaces/:space_id', {
    schema: { tags, security, summary: 'Delete a space (emits community.space.deleted)', params: SpaceParams },
  }, async (req) => {
    await spaces.remove(req.params.hub_id, ADMIN, req.params.space_id);
    return { success: true };
  });

  app.post('/hubs/:hub_id/spaces/:space_id/members/:contact_id/mute', {
    schema: { tags, security, summary: 'Mute a member in a space (emits community.space.member_muted)', params: SpaceContactParams },
  }, async (req) => {
    await spaces.setMuted(req.params.hub_id, ADMIN, req.params.space_id, req.params.contact_id, true);
    return { space_id: req.params.space_id, contact_id: req.params.contact_id, muted: true };
  });

  app.delete('/hubs/:hub_id/spaces/:space_id/members/:contact_id/mute', {
    schema: { tags, security, summary: 'Unmute a member in a space (emits community.space.member_unmuted)', params: SpaceContactParams },
  }, async (req) => {
    await spaces.setMuted(req.params.hub_id, ADMIN, req.params.space_id, req.params.contact_id, false);
    return { space_id: req.params.space_id, contact_id: req.params.contact_id, muted: false };
  });

  app.delete('/hubs/:hub_id/discussions/:discussion_id', {
    schema: { tags, security, summary: 'Delete a discussion to a tombstone (emits community.discussion.deleted)', params: DiscussionParams },
  }, async (req) => presentDiscussion(await discussions.remove(req.params.hub_id, ADMIN, req.params.discussion_id)));

  for (const [action, flag, value] of [['lock', 'locked', true], ['unlock', 'locked', false], ['pin', 'pinned', true], ['unpin', 'pinned', false]] as const) {
    app.post(`/hubs/:hub_id/discussions/:discussion_id/${action}`, {
      schema: { tags, security, summary: `${action} a discussion (emits community.discussion.${flag === 'locked' ? (value ? 'locked' : 'unlocked') : value ? 'pinned' : 'unpinned'})`, params: DiscussionParams },
    }, async (req) => presentDiscussion(await discussions.setFlag(req.params.hub_id, ADMIN, req.params.discussion_id, flag, value)));
  }

  app.post('/hubs/:hub_id/broadcasts', {
    schema: { tags, security, summary: 'Publish a broadcast to the whole hub (emits community.broadcast.published)', params: Type.Object({ hub_id: schemas.Id('Hub id') }), body: BroadcastBody },
  }, async (req, reply) => reply.code(201).send(presentBroadcast(await broadcasts.publish(req.params.hub_id, ADMIN, req.body.title, req.body.body))));

  app.put('/hubs/:hub_id/contacts/:contact_id/role', {
    schema: {
      tags, security, summary: "Set a member's role (member, moderator, admin)",
      params: Type.Object({ hub_id: schemas.Id('Hub id'), contact_id: schemas.Id('Contact id') }),
      body: Type.Object({ role: Type.Union([Type.Literal('member'), Type.Literal('moderator'), Type.Literal('admin')]) }, { additionalProperties: false }),
    },
  }, async (req) => presentContact(await ctx.hubs.setRole(req.params.hub_id, req.params.contact_id, req.body.role)));
}
