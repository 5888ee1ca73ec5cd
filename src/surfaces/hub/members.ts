// The community hub's member API (/hubs/:hub_id/…), authenticated with the contact's Bearer token:
// spaces, profiles and broadcasts here; discussions and DMs in their own files. Thin: each route
// validates, calls the hub's domain services and shapes the answer.
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { idempotentWrites, schemas } from '../../http/index.js';
import { presentBroadcast, presentProfile, presentSpace } from '../../hubs/index.js';
import type { AppContext } from '../../server/context.js';
import { registerConversationRoutes } from './conversation-routes.js';
import { registerDiscussionRoutes } from './discussion-routes.js';
import { memberOf, requireMember } from './member-auth.js';
import { BroadcastBody, ContactParams, HubParams, ListQuery, pageOf, security, SpaceContactParams, SpaceCreateBody, SpaceParams, SpacePatchBody, tags, Url } from './schemas.js';

export function hubMemberRoutes(ctx: AppContext) {
  return async function hubMembers(root: FastifyInstance): Promise<void> {
    requireMember(root, ctx);
    // A member's retried action (a post, a message, a reaction) with the same Idempotency-Key applies once.
    idempotentWrites(root, ctx.storage.idempotency, (req) => `contact:${memberOf(req).contact.id}`);
    const app = root.withTypeProvider<TypeBoxTypeProvider>();
    const { spaces, profiles, broadcasts } = ctx.hubs;

    app.get('/hubs/:hub_id/spaces', {
      schema: { tags, security, summary: 'Spaces the member can see (restricted ones only when a segment grants them)', params: HubParams, querystring: ListQuery },
    }, async (req) => pageOf(await spaces.list(req.params.hub_id, memberOf(req), req.query.limit, req.query.offset), presentSpace));

    app.post('/hubs/:hub_id/spaces', {
      schema: { tags, security, summary: 'Create a space (admins; emits community.space.created)', params: HubParams, body: SpaceCreateBody },
    }, async (req, reply) => {
      const view = await spaces.create(req.params.hub_id, memberOf(req), req.body.name, req.body.restricted ?? false, req.body.segment_ids ?? []);
      return reply.code(201).send(presentSpace(view));
    });

    app.get('/hubs/:hub_id/spaces/:space_id', {
      schema: { tags, security, summary: 'A space, with whether the member joined it and is muted there', params: SpaceParams },
    }, async (req) => presentSpace(await spaces.get(req.params.hub_id, memberOf(req), req.params.space_id)));

    app.patch('/hubs/:hub_id/spaces/:space_id', {
      schema: { tags, security, summary: 'Rename a space or change its restriction (admins; emits community.space.updated)', params: SpaceParams, body: SpacePatchBody },
    }, async (req) => presentSpace(await spaces.update(req.params.hub_id, memberOf(req), req.params.space_id, { name: req.body.name, restricted: req.body.restricted, segmentIds: req.body.segment_ids })));

    app.delete('/hubs/:hub_id/spaces/:space_id', {
      schema: { tags, security, summary: 'Delete a space (admins; emits community.space.deleted)', params: SpaceParams },
    }, async (req) => {
      await spaces.remove(req.params.hub_id, memberOf(req), req.params.space_id);
      return { success: true };
    });

    app.post('/hubs/:hub_id/spaces/:space_id/join', {
      schema: { tags, security, summary: 'Join a space (emits community.space.member_joined); 403 for a restricted space no segment of the member grants', params: SpaceParams },
    }, async (req) => {
      const joined = await spaces.join(req.params.hub_id, memberOf(req), req.params.space_id);
      return { space_id: joined.space.id, contact_id: memberOf(req).contact.id, joined_at: joined.joinedAt };
    });

    app.post('/hubs/:hub_id/spaces/:space_id/leave', {
      schema: { tags, security, summary: 'Leave a space (emits community.space.member_left)', params: SpaceParams },
    }, async (req) => {
      await spaces.leave(req.params.hub_id, memberOf(req), req.params.space_id);
      return { success: true };
    });

    app.post('/hubs/:hub_id/spaces/:space_id/members/:contact_id/mute', {
      schema: { tags, security, summary: 'Mute a member in a space: it can no longer post there (moderators; emits community.space.member_muted)', params: SpaceContactParams },
    }, async (req) => {
      await spaces.setMuted(req.params.hub_id, memberOf(req), req.params.space_id, req.params.contact_id, true);
      return { space_id: req.params.space_id, contact_id: req.params.contact_id, muted: true };
    });

    app.delete('/hubs/:hub_id/spaces/:space_id/members/:contact_id/mute', {
      schema: { tags, security, summary: 'Unmute a member in a space (moderators; emits community.space.member_unmuted)', params: SpaceContactParams },
    }, async (req) => {
      await spaces.setMuted(req.params.hub_id, memberOf(req), req.params.space_id, req.params.contact_id, false);
      return { space_id: req.params.space_id, contact_id: req.params.contact_id, muted: false };
    });

    app.get('/hubs/:hub_id/profile', {
      schema: { tags, security, summary: "The member's own profile", params: HubParams },
    }, async (req) => presentProfile(await profiles.get(req.params.hub_id, memberOf(req).contact.id)));

    app.patch('/hubs/:hub_id/profile', {
      schema: {
        tags, security, summary: "Update the member's own profile (emits community.profile.updated)", params: HubParams,
        body: Type.Object({
          name: Type.Optional(schemas.Name),
          bio: Type.Optional(Type.Union([Type.Null(), Type.String({ maxLength: 2000 })])),
          avatar_url: Type.Optional(Type.Union([Type.Null(), Url])),
        }, { additionalProperties: false, minProperties: 1 }),
      },
    }, async (req) => presentProfile(await profiles.update(req.params.hub_id, memberOf(req), { name: req.body.name, bio: req.body.bio, avatarUrl: req.body.avatar_url })));

    app.get('/hubs/:hub_id/contacts/:contact_id/profile', {
      schema: { tags, security, summary: "An active member's profile", params: ContactParams },
    }, async (req) => presentProfile(await profiles.get(req.params.hub_id, req.params.contact_id)));

    app.get('/hubs/:hub_id/broadcasts', {
      schema: { tags, security, summary: 'Broadcasts, newest first', params: HubParams, querystring: ListQuery },
    }, async (req) => pageOf(await broadcasts.list(req.params.hub_id, req.query.limit, req.query.offset), presentBroadcast));

    app.post('/hubs/:hub_id/broadcasts', {
      schema: { tags, security, summary: 'Publish a broadcast to the whole hub (admins; emits community.broadcast.published)', params: HubParams, body: BroadcastBody },
    }, async (req, reply) => reply.code(201).send(presentBroadcast(await broadcasts.publish(req.params.hub_id, memberOf(req), req.body.title, req.body.body))));

    registerDiscussionRoutes(app, ctx);
    registerConversationRoutes(app, ctx);
  };
}
