// Member API: discussions in spaces, their replies, moderation (lock, pin) and reactions.
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { replies, schemas } from '../../http/index.js';
import { presentDiscussion } from '../../hubs/index.js';
import type { AppContext } from '../../server/context.js';
import { memberOf } from './member-auth.js';
import { Discussion, Page } from './resources.js';
import { DiscussionParams, IdempotencyHeaders, ListQuery, pageOf, Reaction, ReactionParams, security, SpaceParams, tags, Text, written } from './schemas.js';

const MODERATION = [
  ['lock', 'locked', true, 'community.discussion.locked', 'lockHubDiscussion'],
  ['unlock', 'locked', false, 'community.discussion.unlocked', 'unlockHubDiscussion'],
  ['pin', 'pinned', true, 'community.discussion.pinned', 'pinHubDiscussion'],
  ['unpin', 'pinned', false, 'community.discussion.unpinned', 'unpinHubDiscussion'],
] as const;

/** What every discussion write can refuse beside the body: not visible (404), a replayed key used otherwise (409). */
const WRITE_ERRORS = ['not_found', 'idempotency_conflict'] as const;

export function registerDiscussionRoutes(scope: FastifyInstance, ctx: AppContext): void {
  const app = scope.withTypeProvider<TypeBoxTypeProvider>();
  const { discussions } = ctx.hubs;

  app.get('/hubs/:hub_id/spaces/:space_id/discussions', {
    schema: {
      tags, security, operationId: 'listHubDiscussions', summary: "List a space's discussions",
      description: 'Top-level discussions: pinned first, then newest first; tombstones stay in the list.',
      params: SpaceParams, querystring: ListQuery,
      response: replies({ 200: Page(Discussion, 'A page of discussions') }, ['not_found']),
    },
  }, async (req) => pageOf(await discussions.list(req.params.hub_id, memberOf(req), req.params.space_id, req.query.limit, req.query.offset), presentDiscussion));

  app.post('/hubs/:hub_id/spaces/:space_id/discussions', {
    schema: {
      tags, security, operationId: 'publishHubDiscussion', summary: 'Publish a discussion',
      description: 'Needs a member who joined the space and is not muted there (else 403). Emits `community.discussion.published`.',
      params: SpaceParams, headers: IdempotencyHeaders,
      body: Type.Object({ title: schemas.Name, body: Text }, { additionalProperties: false, examples: [{ title: 'Welcome', body: 'Say hello here' }] }),
      response: replies({ 201: written(Discussion, 'The discussion published') }, ['forbidden', ...WRITE_ERRORS]),
    },
  }, async (req, reply) => reply.code(201).send(presentDiscussion(await discussions.publish(req.params.hub_id, memberOf(req), req.params.space_id, req.body.title, req.body.body))));

  app.get('/hubs/:hub_id/discussions/:discussion_id', {
    schema: {
      tags, security, operationId: 'getHubDiscussion', summary: 'Get a discussion',
      description: 'A discussion or a reply, with its reaction counts and the member\'s own reactions.',
      params: DiscussionParams,
      response: replies({ 200: Discussion }, ['not_found']),
    },
  }, async (req) => presentDiscussion(await discussions.get(req.params.hub_id, memberOf(req), req.params.discussion_id)));

  app.patch('/hubs/:hub_id/discussions/:discussion_id', {
    schema: {
      tags, security, operationId: 'updateHubDiscussion', summary: 'Edit a discussion',
      description: 'The author only (else 403); a reply has no title (400); a tombstone is 409. Emits `community.discussion.updated`.',
      params: DiscussionParams, headers: IdempotencyHeaders,
      body: Type.Object({ title: Type.Optional(schemas.Name), body: Type.Optional(Text) }, { additionalProperties: false, minProperties: 1, examples: [{ body: 'Say hello here (edited)' }] }),
      response: replies({ 200: written(Discussion, 'The discussion as edited') }, ['forbidden', 'conflict', ...WRITE_ERRORS]),
    },
  }, async (req) => presentDiscussion(await discussions.update(req.params.hub_id, memberOf(req), req.params.discussion_id, req.body)));

  app.delete('/hubs/:hub_id/discussions/:discussion_id', {
    schema: {
      tags, security, operationId: 'deleteHubDiscussion', summary: 'Delete a discussion',
      description: 'To a tombstone (`deleted: true`, title and body null). The author, moderators and admins (else 403); a tombstone is 409. Emits `community.discussion.deleted`.',
      params: DiscussionParams, headers: IdempotencyHeaders,
      response: replies({ 200: written(Discussion, 'The tombstone') }, ['forbidden', 'conflict', ...WRITE_ERRORS]),
    },
  }, async (req) => presentDiscussion(await discussions.remove(req.params.hub_id, memberOf(req), req.params.discussion_id)));

  app.get('/hubs/:hub_id/discussions/:discussion_id/replies', {
    schema: {
      tags, security, operationId: 'listHubDiscussionReplies', summary: 'List replies',
      description: 'Replies to a discussion, oldest first.',
      params: DiscussionParams, querystring: ListQuery,
      response: replies({ 200: Page(Discussion, 'A page of replies') }, ['not_found']),
    },
  }, async (req) => pageOf(await discussions.replies(req.params.hub_id, memberOf(req), req.params.discussion_id, req.query.limit, req.query.offset), presentDiscussion));

  app.post('/hubs/:hub_id/discussions/:discussion_id/replies', {
    schema: {
      tags, security, operationId: 'replyToHubDiscussion', summary: 'Reply to a discussion',
      description: 'Needs a member who joined the space and is not muted (403); a locked or deleted discussion is 409. Emits `community.discussion.published` with `parent_id`.',
      params: DiscussionParams, headers: IdempotencyHeaders,
      body: Type.Object({ body: Text }, { additionalProperties: false, examples: [{ body: 'Hello!' }] }),
      response: replies({ 201: written(Discussion, 'The reply (parent_id set)') }, ['forbidden', 'conflict', ...WRITE_ERRORS]),
    },
  }, async (req, reply) => reply.code(201).send(presentDiscussion(await discussions.reply(req.params.hub_id, memberOf(req), req.params.discussion_id, req.body.body))));

  for (const [action, flag, value, event, operationId] of MODERATION) {
    app.post(`/hubs/:hub_id/discussions/:discussion_id/${action}`, {
      schema: {
        tags, security, operationId, summary: `${action[0]?.toUpperCase()}${action.slice(1)} a discussion`,
        description: `Moderators and admins only (403). A reply, a tombstone, or a discussion already ${value ? '' : 'un'}${flag} is 409. Emits \`${event}\`.`,
        params: DiscussionParams, headers: IdempotencyHeaders,
        response: replies({ 200: written(Discussion, `The discussion, ${value ? '' : 'no longer '}${flag}`) }, ['forbidden', 'conflict', ...WRITE_ERRORS]),
      },
    }, async (req) => presentDiscussion(await discussions.setFlag(req.params.hub_id, memberOf(req), req.params.discussion_id, flag, value)));
  }

  app.post('/hubs/:hub_id/discussions/:discussion_id/reactions', {
    schema: {
      tags, security, operationId: 'addHubDiscussionReaction', summary: 'React to a discussion',
      description: 'Reacting twice the same way, or to a locked or deleted discussion, is 409. Emits `community.discussion.reaction_added`.',
      params: DiscussionParams, headers: IdempotencyHeaders,
      body: Type.Object({ reaction: Reaction }, { additionalProperties: false, examples: [{ reaction: 'thumbsup' }] }),
      response: replies({ 201: written(Discussion, 'The discussion with the reaction counted') }, ['conflict', ...WRITE_ERRORS]),
    },
  }, async (req, reply) => reply.code(201).send(presentDiscussion(await discussions.react(req.params.hub_id, memberOf(req), req.params.discussion_id, req.body.reaction, true))));

  app.delete('/hubs/:hub_id/discussions/:discussion_id/reactions/:reaction', {
    schema: {
      tags, security, operationId: 'removeHubDiscussionReaction', summary: 'Remove my reaction',
      description: 'A reaction the member did not make is 404; a locked or deleted discussion is 409. Emits `community.discussion.reaction_removed`.',
      params: ReactionParams, headers: IdempotencyHeaders,
      response: replies({ 200: written(Discussion, 'The discussion without the reaction') }, ['conflict', ...WRITE_ERRORS]),
    },
  }, async (req) => presentDiscussion(await discussions.react(req.params.hub_id, memberOf(req), req.params.discussion_id, req.params.reaction, false)));
}
