// Member API: discussions in spaces, their replies, moderation (lock, pin) and reactions.
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { schemas } from '../../http/index.js';
import { presentDiscussion } from '../../hubs/index.js';
import type { AppContext } from '../../server/context.js';
import { memberOf } from './member-auth.js';
import { DiscussionParams, ListQuery, pageOf, Reaction, ReactionParams, security, SpaceParams, tags, Text } from './schemas.js';

const MODERATION = [
  ['lock', 'locked', true, 'community.discussion.locked'],
  ['unlock', 'locked', false, 'community.discussion.unlocked'],
  ['pin', 'pinned', true, 'community.discussion.pinned'],
  ['unpin', 'pinned', false, 'community.discussion.unpinned'],
] as const;

export function registerDiscussionRoutes(scope: FastifyInstance, ctx: AppContext): void {
  const app = scope.withTypeProvider<TypeBoxTypeProvider>();
  const { discussions } = ctx.hubs;

  app.get('/hubs/:hub_id/spaces/:space_id/discussions', {
    schema: { tags, security, summary: 'Top-level discussions of a space: pinned first, then newest first (tombstones included)', params: SpaceParams, querystring: ListQuery },
  }, async (req) => pageOf(await discussions.list(req.params.hub_id, memberOf(req), req.params.space_id, req.query.limit, req.query.offset), presentDiscussion));

  app.post('/hubs/:hub_id/spaces/:space_id/discussions', {
    schema: { tags, security, summary: 'Publish a discussion (joined, unmuted members; emits community.discussion.published)', params: SpaceParams, body: Type.Object({ title: schemas.Name, body: Text }, { additionalProperties: false }) },
  }, async (req, reply) => reply.code(201).send(presentDiscussion(await discussions.publish(req.params.hub_id, memberOf(req), req.params.space_id, req.body.title, req.body.body))));

  app.get('/hubs/:hub_id/discussions/:discussion_id', {
    schema: { tags, security, summary: 'A discussion (or reply), with reaction counts', params: DiscussionParams },
  }, async (req) => presentDiscussion(await discussions.get(req.params.hub_id, memberOf(req), req.params.discussion_id)));

  app.patch('/hubs/:hub_id/discussions/:discussion_id', {
    schema: { tags, security, summary: 'Edit your discussion (author only; emits community.discussion.updated)', params: DiscussionParams, body: Type.Object({ title: Type.Optional(schemas.Name), body: Type.Optional(Text) }, { additionalProperties: false, minProperties: 1 }) },
  }, async (req) => presentDiscussion(await discussions.update(req.params.hub_id, memberOf(req), req.params.discussion_id, req.body)));

  app.delete('/hubs/:hub_id/discussions/:discussion_id', {
    schema: { tags, security, summary: 'Delete a discussion to a tombstone (author, moderators, admins; emits community.discussion.deleted)', params: DiscussionParams },
  }, async (req) => presentDiscussion(await discussions.remove(req.params.hub_id, memberOf(req), req.params.discussion_id)));

  app.get('/hubs/:hub_id/discussions/:discussion_id/replies', {
    schema: { tags, security, summary: 'Replies to a discussion, oldest first', params: DiscussionParams, querystring: ListQuery },
  }, async (req) => pageOf(await discussions.replies(req.params.hub_id, memberOf(req), req.params.discussion_id, req.query.limit, req.query.offset), presentDiscussion));

  app.post('/hubs/:hub_id/discussions/:discussion_id/replies', {
    schema: { tags, security, summary: 'Reply to a discussion (409 when it is locked; emits community.discussion.published with parent_id)', params: DiscussionParams, body: Type.Object({ body: Text }, { additionalProperties: false }) },
  }, async (req, reply) => reply.code(201).send(presentDiscussion(await discussions.reply(req.params.hub_id, memberOf(req), req.params.discussion_id, req.body.body))));

  for (const [action, flag, value, event] of MODERATION) {
    app.post(`/hubs/:hub_id/discussions/:discussion_id/${action}`, {
      schema: { tags, security, summary: `${action[0]?.toUpperCase()}${action.slice(1)} a discussion (moderators; emits ${event})`, params: DiscussionParams },
    }, async (req) => presentDiscussion(await discussions.setFlag(req.params.hub_id, memberOf(req), req.params.discussion_id, flag, value)));
  }

  app.post('/hubs/:hub_id/discussions/:discussion_id/reactions', {
    schema: { tags, security, summary: 'React (409 when you already reacted so, or the discussion is locked; emits community.discussion.reaction_added)', params: DiscussionParams, body: Type.Object({ reaction: Reaction }, { additionalProperties: false }) },
  }, async (req, reply) => reply.code(201).send(presentDiscussion(await discussions.react(req.params.hub_id, memberOf(req), req.params.discussion_id, req.body.reaction, true))));

  app.delete('/hubs/:hub_id/discussions/:discussion_id/reactions/:reaction', {
    schema: { tags, security, summary: 'Remove your reaction (404 when there is none; emits community.discussion.reaction_removed)', params: ReactionParams },
  }, async (req) => presentDiscussion(await discussions.react(req.params.hub_id, memberOf(req), req.params.discussion_id, req.params.reaction, false)));
}
