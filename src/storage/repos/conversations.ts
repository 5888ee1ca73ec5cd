// DM conversations (1:1 and group), their members (a member who left keeps a row with left_at) and
// messages. Deleting a message keeps a tombstone: its body is cleared and deleted_at is set.
import type { Kysely, Selectable } from 'kysely';
import type { ConversationMemberTable, ConversationTable, Database, MessageTable } from '../schema.js';

export type Conversation = Selectable<ConversationTable>;
export type ConversationMember = Selectable<ConversationMemberTable>;
export type Message = Selectable<MessageTable>;

export interface ConversationRepo {
  create(conversation: Conversation, memberIds: readonly string[]): Promise<void>;
  get(hubId: string, id: string): Promise<Conversation | undefined>;
  /** Current members (not those who left), in joining order. */
  members(conversationId: string): Promise<ConversationMember[]>;
  member(conversationId: string, contactId: string): Promise<ConversationMember | undefined>;
  /** Adds a member, or brings back one who left; false when already a current member. */
  addMember(conversationId: string, contactId: string, at: string): Promise<boolean>;
  /** False when the contact was not a current member. */
  leave(conversationId: string, contactId: string, at: string): Promise<boolean>;
  /** The contact's current conversations in the hub, most recent activity first. */
  listFor(hubId: string, contactId: string, limit: number, offset: number): Promise<Conversation[]>;
  /** A 1:1 conversation in which both contacts are still members. */
  findDirect(hubId: string, a: string, b: string): Promise<Conversation | undefined>;
  touch(conversationId: string, activityKey: string, at: string): Promise<void>;
  /** Moves the member's read marker forward to this message; false when it is there or past it already. */
  markRead(conversationId: string, contactId: string, message: { readonly id: string; readonly sort_key: string }): Promise<boolean>;
  createMessage(message: Message): Promise<void>;
  getMessage(conversationId: string, id: string): Promise<Message | undefined>;
  /** Messages, tombstones included, newest first. */
  listMessages(conversationId: string, limit: number, offset: number): Promise<Message[]>;
  /** Edits a live message; false when it is a tombstone. */
  editMessage(id: string, body: string, at: string): Promise<boolean>;
  /** Tombstones a live message; false when it already was one. */
  tombstoneMessage(id: string, at: string): Promise<boolean>;
}

export function conversationRepo(db: Kysely<Database>): ConversationRepo {
  return {
    async create(conversation, memberIds) {
      await db.insertInto('conversations').values(conversation).execute();
      await db.insertInto('conversation_members')
        .values(memberIds.map((contact_id) => ({ conversation_id: conversation.id, contact_id, joined_at: conversation.created_at, left_at: null, last_read_message_id: null })))
        .execute();
    },
    get: (hubId, id) => db.selectFrom('conversations').selectAll().where('hub_id', '=', hubId).where('id', '=', id).executeTakeFirst(),
    members: (conversationId) =>
      db.selectFrom('conversation_members').selectAll().where('conversation_id', '=', conversationId).where('left_at', 'is', null).orderBy('joined_at').orderBy('contact_id').execute(),
    member: (conversationId, contactId) =>
      db.selectFrom('conversation_members').selectAll().where('conversation_id', '=', conversationId).where('contact_id', '=', contactId).where('left_at', 'is', null).executeTakeFirst(),
    async addMember(conversationId, contactId, at) {
      const back = await db.updateTable('conversation_members').set({ left_at: null, joined_at: at })
        .where('conversation_id', '=', conversationId).where('contact_id', '=', contactId).where('left_at', 'is not', null).executeTakeFirst();
      if (Number(back.numUpdatedRows) > 0) return true;
      const res = await db.insertInto('conversation_members').values({ conversation_id: conversationId, contact_id: contactId, joined_at: at, left_at: null, last_read_message_id: null })
        .onConflict((oc) => oc.doNothing()).executeTakeFirst();
      return Number(res.numInsertedOrUpdatedRows ?? 0) > 0;
    },
    async leave(conversationId, contactId, at) {
      const res = await db.updateTable('conversation_members').set({ left_at: at })
        .where('conversation_id', '=', conversationId).where('contact_id', '=', contactId).where('left_at', 'is', null).executeTakeFirst();
      return Number(res.numUpdatedRows) > 0;
    },
    listFor: (hubId, contactId, limit, offset) =>
      db.selectFrom('conversations').innerJoin('conversation_members as m', 'm.conversation_id', 'conversations.id')
        .selectAll('conversations').where('conversations.hub_id', '=', hubId).where('m.contact_id', '=', contactId).where('m.left_at', 'is', null)
        .orderBy('conversations.activity_key', 'desc').limit(limit).offset(offset).execute(),
    findDirect: (hubId, a, b) =>
      db.selectFrom('conversations').selectAll('conversations').where('hub_id', '=', hubId).where('kind', '=', 'direct')
        .where((eb) => eb.and([a, b].map((id) => eb.exists(eb.selectFrom('conversation_members as m').select('m.contact_id')
          .whereRef('m.conversation_id', '=', 'conversations.id').where('m.contact_id', '=', id).where('m.left_at', 'is', null)))))
        .orderBy('activity_key', 'desc').executeTakeFirst(),
    async touch(conversationId, activityKey, at) {
      await db.updateTable('conversations').set({ activity_key: activityKey, updated_at: at }).where('id', '=', conversationId).execute();
    },
    async markRead(conversationId, contactId, message) {
      const res = await db
        .updateTable('conversation_members')
        .set({ last_read_message_id: message.id })
        .where('conversation_id', '=', conversationId)
        .where('contact_id', '=', contactId)
        .where((eb) => eb.or([
          eb('last_read_message_id', 'is', null),
          eb(eb.selectFrom('messages').select('sort_key').whereRef('messages.id', '=', 'conversation_members.last_read_message_id'), '<', message.sort_key),
        ]))
        .executeTakeFirst();
      return Number(res.numUpdatedRows) > 0;
    },
    async createMessage(message) {
      await db.insertInto('messages').values(message).execute();
    },
    getMessage: (conversationId, id) => db.selectFrom('messages').selectAll().where('conversation_id', '=', conversationId).where('id', '=', id).executeTakeFirst(),
    listMessages: (conversationId, limit, offset) =>
      db.selectFrom('messages').selectAll().where('conversation_id', '=', conversationId).orderBy('sort_key', 'desc').limit(limit).offset(offset).execute(),
    async editMessage(id, body, at) {
      const res = await db.updateTable('messages').set({ body, edited_at: at }).where('id', '=', id).where('deleted_at', 'is', null).executeTakeFirst();
      return Number(res.numUpdatedRows) > 0;
    },
    async tombstoneMessage(id, at) {
      const res = await db.updateTable('messages').set({ body: null, deleted_at: at }).where('id', '=', id).where('deleted_at', 'is', null).executeTakeFirst();
      return Number(res.numUpdatedRows) > 0;
    },
  };
}
