// The community hub's member API (/hubs/:hub_id/…), authenticated with the contact's Bearer token:
// spaces, profiles and broadcasts here; discussions and DMs in their own files. Thin: each route
// validates, calls the hub's domain services and shapes the answer.
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { idempotentWrites, replies, schemas } from '../../http/index.js';
import { presentBroadcast, presentProfile, presentSpace } from '../../hubs/index.js';
import type { AppContext } from '../../server/context.js';
import { registerConversationRoutes } from './conversation-routes.js';
import { registerDiscussionRoutes } from './discussion-routes.js';
import { memberOf, requireMember } from './member-auth.js';
import { Broadcast, MuteState, Page, Profile, Space, SpaceJoined, Success } from './resources.js';
import { BroadcastBody, ContactParams, HubParams, IdempotencyHeaders, ListQuery, pageOf, security, SpaceContactParams, SpaceCreateBody, SpaceParams, SpacePatchBody, tags, Url, written } from './schemas.js';

export function hubMemberRoutes(ctx: AppContext) {
  return async function hubMembers(root: FastifyInstance): Promise<void> {
    requireMember(root, ctx);
    // A member's retried action (a post, a message, a reaction) with the same Idempotency-Key applies once.
    idempotentWrites(root, ctx.storage.idempotency, (req) => `contact:${memberOf(req).contact.id}`);
    const app = root.withTypeProvider<TypeBoxTypeProvider>();
    const { spaces, profiles, broadcasts } = ctx.hubs;

    app.get('/hubs/:hub_id/spaces', {
      schema: {
        tags, security, operationId: 'listHubSpaces', summary: 'List spaces',
        description: 'Spaces the member can see, oldest first, each with `joined`. A restricted space appears only when one of the member\'s segments grants it.',
        params: HubParams, querystring: ListQuery,
        response: replies({ 200: Page(Space, 'A page of spaces') }, ['not_found']),
      },
    }, async (req) => pageOf(await spaces.list(req.params.hub_id, memberOf(req), req.query.limit, req.query.offset), presentSpace));

    app.post('/hubs/:hub_id/spaces', {
      schema: {
        tags, security, operationId: 'createHubSpace', summary: 'Create a space',
        description: 'Admins only (else 403). `segment_ids` must name segments of this hub (else 400). Emits `community.space.created`.',
        params: HubParams, headers: IdempotencyHeaders, body: SpaceCreateBody,
        response: replies({ 201: written(Space, 'The space created') }, ['forbidden', 'not_found', 'idempotency_conflict']),
      },
    }, async (req, reply) => {
      const view = await spaces.create(req.params.hub_id, memberOf(req), req.body.name, req.body.restricted ?? false, req.body.segment_ids ?? []);
      return reply.code(201).send(presentSpace(view));
    });

    app.get('/hubs/:hub_id/spaces/:space_id', {
      schema: {
        tags, security, operationId: 'getHubSpace', summary: 'Get a space',
        description: 'A space the member sees, with whether it joined it (`joined`) and is muted there (`muted`).',
        params: SpaceParams,
        response: replies({ 200: Space }, ['not_found']),
      },
    }, async (req) => presentSpace(await spaces.get(req.params.hub_id, memberOf(req), req.params.space_id)));

    app.patch('/hubs/:hub_id/spaces/:space_id', {
      schema: {
        tags, security, operationId: 'updateHubSpace', summary: 'Update a space',
        description: 'Rename a space or change its restriction and granting segments (admins only, else 403). Emits `community.space.updated`, delivered under the new restriction.',
        params: SpaceParams, headers: IdempotencyHeaders, body: SpacePatchBody,
        response: replies({ 200: written(Space, 'The space as updated') }, ['forbidden', 'not_found', 'idempotency_conflict']),
      },
    }, async (req) => presentSpace(await spaces.update(req.params.hub_id, memberOf(req), req.params.space_id, { name: req.body.name, restricted: req.body.restricted, segmentIds: req.body.segment_ids })));

    app.delete('/hubs/:hub_id/spaces/:space_id', {
      schema: {
        tags, security, operationId: 'deleteHubSpace', summary: 'Delete a space',
        description: 'Admins only (else 403). Emits `community.space.deleted`.',
        params: SpaceParams, headers: IdempotencyHeaders,
        response: replies({ 200: written(Success, 'The space was deleted') }, ['forbidden', 'not_found', 'idempotency_conflict']),
      },
    }, async (req) => {
      await spaces.remove(req.params.hub_id, memberOf(req), req.params.space_id);
      return { success: true };
    });

    app.post('/hubs/:hub_id/spaces/:space_id/join', {
      schema: {
        tags, security, operationId: 'joinHubSpace', summary: 'Join a space',
        description: 'A restricted space no segment of the member grants is 403 (not 404, so the member learns why); joining twice is 409. Emits `community.space.member_joined`.',
        params: SpaceParams, headers: IdempotencyHeaders,
        response: replies({ 200: written(SpaceJoined, 'The member joined the space') }, ['forbidden', 'not_found', 'conflict', 'idempotency_conflict']),
      },
    }, async (req) => {
      const joined = await spaces.join(req.params.hub_id, memberOf(req), req.params.space_id);
      return { space_id: joined.space.id, contact_id: memberOf(req).contact.id, joined_at: joined.joinedAt };
    });

    app.post('/hubs/:hub_id/spaces/:space_id/leave', {
      schema: {
        tags, security, operationId: 'leaveHubSpace', summary: 'Leave a space',
        description: 'Leaving a space not joined is 404. Emits `community.space.member_left`.',
        params: SpaceParams, headers: IdempotencyHeaders,
        response: replies({ 200: written(Success, 'The member left the space') }, ['not_found', 'idempotency_conflict']),
      },
    }, async (req) => {
      await spaces.leave(req.params.hub_id, memberOf(req), req.params.space_id);
      return { success: true };
    });

    app.post('/hubs/:hub_id/spaces/:space_id/members/:contact_id/mute', {
      schema: {
        tags, security, operationId: 'muteHubSpaceMember', summary: 'Mute a member in a space',
        description: 'A muted member can no longer post in the space. Moderators and admins only, and a moderator cannot mute a moderator or an admin (403); muting twice is 409. Emits `community.space.member_muted`.',
        params: SpaceContactParams, headers: IdempotencyHeaders,
        response: replies({ 200: written(MuteState, 'The member is muted') }, ['forbidden', 'not_found', 'conflict', 'idempotency_conflict']),
      },
    }, async (req) => {
      await spaces.setMuted(req.params.hub_id, memberOf(req), req.params.space_id, req.params.contact_id, true);
      return { space_id: req.params.space_id, contact_id: req.params.contact_id, muted: true };
    });

    app.delete('/hubs/:hub_id/spaces/:space_id/members/:contact_id/mute', {
      schema: {
        tags, security, operationId: 'unmuteHubSpaceMember', summary: 'Unmute a member in a space',
        description: 'Moderators and admins only (403); a member not muted is 404. Emits `community.space.member_unmuted`.',
        params: SpaceContactParams, headers: IdempotencyHeaders,
        response: replies({ 200: written(MuteState, 'The member is no longer muted') }, ['forbidden', 'not_found', 'idempotency_conflict']),
      },
    }, async (req) => {
      await spaces.setMuted(req.params.hub_id, memberOf(req), req.params.space_id, req.params.contact_id, false);
      return { space_id: req.params.space_id, contact_id: req.params.contact_id, muted: false };
    });

    app.get('/hubs/:hub_id/profile', {
      schema: {
        tags, security, operationId: 'getMyHubProfile', summary: 'Get my profile',
        params: HubParams,
        response: replies({ 200: Profile }, ['not_found']),
      },
    }, async (req) => presentProfile(await profiles.get(req.params.hub_id, memberOf(req).contact.id)));

    app.patch('/hubs/:hub_id/profile', {
      schema: {
        tags, security, operationId: 'updateMyHubProfile', summary: 'Update my profile',
        description: 'At least one field; `null` clears `bio` or `avatar_url`; `name` renames the contact. Emits `community.profile.updated` to the whole hub.',
        params: HubParams, headers: IdempotencyHeaders,
        body: Type.Object({
          name: Type.Optional(schemas.Name),
          bio: Type.Optional(Type.Union([Type.Null(), Type.String({ maxLength: 2000 })], { description: 'Up to 2,000 characters; null clears it' })),
          avatar_url: Type.Optional(Type.Union([Type.Null(), Url], { description: 'An http(s) URL; null clears it' })),
        }, { additionalProperties: false, minProperties: 1, examples: [{ bio: 'Hello!', avatar_url: 'https://example.com/ada.png' }, { bio: null }] }),
        response: replies({ 200: written(Profile, 'The profile as updated') }, ['not_found', 'idempotency_conflict']),
      },
    }, async (req) => presentProfile(await profiles.update(req.params.hub_id, memberOf(req), { name: req.body.name, bio: req.body.bio, avatarUrl: req.body.avatar_url })));

    app.get('/hubs/:hub_id/contacts/:contact_id/profile', {
      schema: {
        tags, security, operationId: 'getHubMemberProfile', summary: "Get a member's profile",
        description: 'An active member of this hub; anyone else is 404.',
        params: ContactParams,
        response: replies({ 200: Profile }, ['not_found']),
      },
    }, async (req) => presentProfile(await profiles.get(req.params.hub_id, req.params.contact_id)));

    app.get('/hubs/:hub_id/broadcasts', {
      schema: {
        tags, security, operationId: 'listHubBroadcasts', summary: 'List broadcasts',
        description: 'Newest first.',
        params: HubParams, querystring: ListQuery,
        response: replies({ 200: Page(Broadcast, 'A page of broadcasts') }, ['not_found']),
      },
    }, async (req) => pageOf(await broadcasts.list(req.params.hub_id, req.query.limit, req.query.offset), presentBroadcast));

    app.post('/hubs/:hub_id/broadcasts', {
      schema: {
        tags, security, operationId: 'publishHubBroadcast', summary: 'Publish a broadcast',
        description: 'To the whole hub; admins only (else 403). Emits `community.broadcast.published`.',
        params: HubParams, headers: IdempotencyHeaders, body: BroadcastBody,
        response: replies({ 201: written(Broadcast, 'The broadcast published') }, ['forbidden', 'not_found', 'idempotency_conflict']),
      },
    }, async (req, reply) => reply.code(201).send(presentBroadcast(await broadcasts.publish(req.params.hub_id, memberOf(req), req.body.title, req.body.body))));

    registerDiscussionRoutes(app, ctx);
    registerConversationRoutes(app, ctx);
  };
}
