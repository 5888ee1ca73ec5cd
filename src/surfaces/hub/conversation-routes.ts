// Member API: DM conversations (1:1 and group) and their messages.
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { schemas } from '../../http/index.js';
import { presentConversation, presentMessage } from '../../hubs/index.js';
import type { AppContext } from '../../server/context.js';
import { memberOf } from './member-auth.js';
import { ConversationParams, HubParams, ListQuery, MessageParams, pageOf, security, tags, Text } from './schemas.js';

export function registerConversationRoutes(scope: FastifyInstance, ctx: AppContext): void {
  const app = scope.withTypeProvider<TypeBoxTypeProvider>();
  const { conversations, messages } = ctx.hubs;

  app.get('/hubs/:hub_id/conversations', {
    schema: { tags, security, summary: "The member's conversations, most recent activity first", params: HubParams, querystring: ListQuery },
  }, async (req) => pageOf(await conversations.list(req.params.hub_id, memberOf(req), req.query.limit, req.query.offset), presentConversation));

  app.post('/hubs/:hub_id/conversations', {
    schema: {
      tags, security, summary: 'Start a conversation: 1:1 with one contact and no name (an existing one is returned, 200), else a group (201; emits community.conversation.created)', params: HubParams,
      body: Type.Object({ contact_ids: Type.Array(schemas.Id('Contact id'), { minItems: 1, maxItems: 100 }), name: Type.Optional(schemas.Name) }, { additionalProperties: false }),
    },
  }, async (req, reply) => {
    const created = await conversations.create(req.params.hub_id, memberOf(req), req.body.contact_ids, req.body.name);
    return reply.code(created.created ? 201 : 200).send(presentConversation(created));
  });

  app.get('/hubs/:hub_id/conversations/:conversation_id', {
    schema: { tags, security, summary: 'A conversation the member belongs to', params: ConversationParams },
  }, async (req) => presentConversation(await conversations.get(req.params.hub_id, memberOf(req), req.params.conversation_id)));

  app.post('/hubs/:hub_id/conversations/:conversation_id/members', {
    schema: { tags, security, summary: 'Add a member to a group conversation (emits community.conversation.member_added)', params: ConversationParams, body: Type.Object({ contact_id: schemas.Id('Contact id') }, { additionalProperties: false }) },
  }, async (req) => presentConversation(await conversations.addMember(req.params.hub_id, memberOf(req), req.params.conversation_id, req.body.contact_id)));

  app.post('/hubs/:hub_id/conversations/:conversation_id/leave', {
    schema: { tags, security, summary: 'Leave a conversation (emits community.conversation.member_left)', params: ConversationParams },
  }, async (req) => {
    await conversations.leave(req.params.hub_id, memberOf(req), req.params.conversation_id);
    return { success: true };
  });

  app.get('/hubs/:hub_id/conversations/:conversation_id/messages', {
    schema: { tags, security, summary: 'Messages, newest first (tombstones included)', params: ConversationParams, querystring: ListQuery },
  }, async (req) => pageOf(await messages.list(req.params.hub_id, memberOf(req), req.params.conversation_id, req.query.limit, req.query.offset), presentMessage));

  app.post('/hubs/:hub_id/conversations/:conversation_id/messages', {
    schema: { tags, security, summary: 'Send a message (emits community.message.created)', params: ConversationParams, body: Type.Object({ body: Text }, { additionalProperties: false }) },
  }, async (req, reply) => reply.code(201).send(presentMessage(await messages.send(req.params.hub_id, memberOf(req), req.params.conversation_id, req.body.body))));

  app.patch('/hubs/:hub_id/conversations/:conversation_id/messages/:message_id', {
    schema: { tags, security, summary: 'Edit your message (403 for anyone else\'s; emits community.message.edited)', params: MessageParams, body: Type.Object({ body: Text }, { additionalProperties: false }) },
  }, async (req) => presentMessage(await messages.edit(req.params.hub_id, memberOf(req), req.params.conversation_id, req.params.message_id, req.body.body)));

  app.delete('/hubs/:hub_id/conversations/:conversation_id/messages/:message_id', {
    schema: { tags, security, summary: 'Delete your message to a tombstone (emits community.message.deleted)', params: MessageParams },
  }, async (req) => presentMessage(await messages.remove(req.params.hub_id, memberOf(req), req.params.conversation_id, req.params.message_id)));

  app.post('/hubs/:hub_id/conversations/:conversation_id/messages/:message_id/read', {
    schema: { tags, security, summary: 'Mark a message read (emits community.message.read)', params: MessageParams },
  }, async (req) => {
    await messages.markRead(req.params.hub_id, memberOf(req), req.params.conversation_id, req.params.message_id);
    return { conversation_id: req.params.conversation_id, message_id: req.params.message_id, contact_id: memberOf(req).contact.id };
  });
}
