// Member API: DM conversations (1:1 and group) and their messages.
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { replies, schemas } from '../../http/index.js';
import { presentConversation, presentMessage } from '../../hubs/index.js';
import type { AppContext } from '../../server/context.js';
import { memberOf } from './member-auth.js';
import { Conversation, Message, MessageRead, Page, Success } from './resources.js';
import { ConversationParams, HubParams, IdempotencyHeaders, ListQuery, MessageParams, pageOf, security, tags, Text, written } from './schemas.js';

/** What every conversation write can refuse beside the body: not a member (404), a key used otherwise (409). */
const WRITE_ERRORS = ['not_found', 'idempotency_conflict'] as const;

export function registerConversationRoutes(scope: FastifyInstance, ctx: AppContext): void {
  const app = scope.withTypeProvider<TypeBoxTypeProvider>();
  const { conversations, messages } = ctx.hubs;

  app.get('/hubs/:hub_id/conversations', {
    schema: {
      tags, security, operationId: 'listHubConversations', summary: 'List my conversations',
      description: 'The conversations the member currently belongs to, most recent activity first.',
      params: HubParams, querystring: ListQuery,
      response: replies({ 200: Page(Conversation, 'A page of conversations') }, ['not_found']),
    },
  }, async (req) => pageOf(await conversations.list(req.params.hub_id, memberOf(req), req.query.limit, req.query.offset), presentConversation));

  app.post('/hubs/:hub_id/conversations', {
    schema: {
      tags, security, operationId: 'startHubConversation', summary: 'Start a conversation',
      description: 'One other contact and no `name` is a 1:1: an existing one between the two is returned (200, no event); anything else creates a group (201). ' +
        '`contact_ids` must be active members of this hub (400). Emits `community.conversation.created`.',
      params: HubParams, headers: IdempotencyHeaders,
      body: Type.Object({
        contact_ids: Type.Array(schemas.Id('Contact id'), { minItems: 1, maxItems: 100, description: 'The other members (the caller is added by itself)' }),
        name: Type.Optional(schemas.Name),
      }, { additionalProperties: false, examples: [{ contact_ids: ['ct_q2w5e8r1t4y7u3i6o9pz'] }, { contact_ids: ['ct_q2w5e8r1t4y7u3i6o9pz', 'ct_z8x5c2v7b4n1m6l3k9jh'], name: 'Organizers' }] }),
      response: replies({
        200: written(Conversation, 'The existing 1:1 conversation between the two'),
        201: written(Conversation, 'The conversation created'),
      }, [...WRITE_ERRORS]),
    },
  }, async (req, reply) => {
    const created = await conversations.create(req.params.hub_id, memberOf(req), req.body.contact_ids, req.body.name);
    return reply.code(created.created ? 201 : 200).send(presentConversation(created));
  });

  app.get('/hubs/:hub_id/conversations/:conversation_id', {
    schema: {
      tags, security, operationId: 'getHubConversation', summary: 'Get a conversation',
      description: 'A conversation the member currently belongs to; any other is 404.',
      params: ConversationParams,
      response: replies({ 200: Conversation }, ['not_found']),
    },
  }, async (req) => presentConversation(await conversations.get(req.params.hub_id, memberOf(req), req.params.conversation_id)));

  app.post('/hubs/:hub_id/conversations/:conversation_id/members', {
    schema: {
      tags, security, operationId: 'addHubConversationMember', summary: 'Add a member to a group conversation',
      description: 'Any current member may. A 1:1, or a contact already in the conversation, is 409; a contact that is not an active member of the hub is 400. Emits `community.conversation.member_added`.',
      params: ConversationParams, headers: IdempotencyHeaders,
      body: Type.Object({ contact_id: schemas.Id('Contact id') }, { additionalProperties: false, examples: [{ contact_id: 'ct_z8x5c2v7b4n1m6l3k9jh' }] }),
      response: replies({ 200: written(Conversation, 'The conversation with its new member') }, ['conflict', ...WRITE_ERRORS]),
    },
  }, async (req) => presentConversation(await conversations.addMember(req.params.hub_id, memberOf(req), req.params.conversation_id, req.body.contact_id)));

  app.post('/hubs/:hub_id/conversations/:conversation_id/leave', {
    schema: {
      tags, security, operationId: 'leaveHubConversation', summary: 'Leave a conversation',
      description: 'The member no longer sees it. Emits `community.conversation.member_left` (to the members before it left, the leaver included).',
      params: ConversationParams, headers: IdempotencyHeaders,
      response: replies({ 200: written(Success, 'The member left the conversation') }, [...WRITE_ERRORS]),
    },
  }, async (req) => {
    await conversations.leave(req.params.hub_id, memberOf(req), req.params.conversation_id);
    return { success: true };
  });

  app.get('/hubs/:hub_id/conversations/:conversation_id/messages', {
    schema: {
      tags, security, operationId: 'listHubMessages', summary: 'List messages',
      description: 'Newest first; tombstones stay in the list.',
      params: ConversationParams, querystring: ListQuery,
      response: replies({ 200: Page(Message, 'A page of messages') }, ['not_found']),
    },
  }, async (req) => pageOf(await messages.list(req.params.hub_id, memberOf(req), req.params.conversation_id, req.query.limit, req.query.offset), presentMessage));

  app.post('/hubs/:hub_id/conversations/:conversation_id/messages', {
    schema: {
      tags, security, operationId: 'sendHubMessage', summary: 'Send a message',
      description: 'Emits `community.message.created` to the conversation\'s members.',
      params: ConversationParams, headers: IdempotencyHeaders,
      body: Type.Object({ body: Text }, { additionalProperties: false, examples: [{ body: 'Hi!' }] }),
      response: replies({ 201: written(Message, 'The message sent') }, [...WRITE_ERRORS]),
    },
  }, async (req, reply) => reply.code(201).send(presentMessage(await messages.send(req.params.hub_id, memberOf(req), req.params.conversation_id, req.body.body))));

  app.patch('/hubs/:hub_id/conversations/:conversation_id/messages/:message_id', {
    schema: {
      tags, security, operationId: 'editHubMessage', summary: 'Edit my message',
      description: "Anyone else's message is 403; a tombstone is 409. Emits `community.message.edited`.",
      params: MessageParams, headers: IdempotencyHeaders,
      body: Type.Object({ body: Text }, { additionalProperties: false, examples: [{ body: 'Hi! (edited)' }] }),
      response: replies({ 200: written(Message, 'The message as edited') }, ['forbidden', 'conflict', ...WRITE_ERRORS]),
    },
  }, async (req) => presentMessage(await messages.edit(req.params.hub_id, memberOf(req), req.params.conversation_id, req.params.message_id, req.body.body)));

  app.delete('/hubs/:hub_id/conversations/:conversation_id/messages/:message_id', {
    schema: {
      tags, security, operationId: 'deleteHubMessage', summary: 'Delete my message',
      description: "To a tombstone (`deleted: true`, body null). Anyone else's message is 403; a tombstone is 409. Emits `community.message.deleted`.",
      params: MessageParams, headers: IdempotencyHeaders,
      response: replies({ 200: written(Message, 'The tombstone') }, ['forbidden', 'conflict', ...WRITE_ERRORS]),
    },
  }, async (req) => presentMessage(await messages.remove(req.params.hub_id, memberOf(req), req.params.conversation_id, req.params.message_id)));

  app.post('/hubs/:hub_id/conversations/:conversation_id/messages/:message_id/read', {
    schema: {
      tags, security, operationId: 'markHubMessageRead', summary: 'Mark a message read',
      description: 'Moves the member\'s `last_read_message_id` forward to this message. Emits `community.message.read`. A message read already, or one before the last read, is 409 conflict and emits nothing.',
      params: MessageParams, headers: IdempotencyHeaders,
      response: replies({ 200: written(MessageRead, 'The message is marked read') }, [...WRITE_ERRORS, 'conflict']),
    },
  }, async (req) => {
    await messages.markRead(req.params.hub_id, memberOf(req), req.params.conversation_id, req.params.message_id);
    return { conversation_id: req.params.conversation_id, message_id: req.params.message_id, contact_id: memberOf(req).contact.id };
  });
}
