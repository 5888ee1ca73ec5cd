// DM messages: sending, editing and deleting one's own (a deleted message stays as a tombstone), and
// read receipts. Only current members of the conversation see or touch its messages.
import { AppError } from '../http/errors.js';
import type { Message, Repos, Storage } from '../storage/index.js';
import { newId, uuidv7 } from '../util/ids.js';
import { nowIso } from '../util/time.js';
import type { MemberActor } from './actor.js';
import { toMembers, type ConversationService } from './conversations.js';
import type { HubService } from './service.js';
import { page, type Page } from './paging.js';

export class MessageService {
  constructor(
    private readonly storage: Storage,
    private readonly hubs: HubService,
    private readonly conversations: ConversationService,
  ) {}

  async list(hubId: string, member: MemberActor, conversationId: string, limit: number, offset: number): Promise<Page<Message>> {
    const conversation = await this.conversations.mine(hubId, member, conversationId);
    return page(limit, offset, (l, o) => this.storage.conversations.listMessages(conversation.id, l, o));
  }

  async send(hubId: string, member: MemberActor, conversationId: string, body: string): Promise<Message> {
    const conversation = await this.conversations.mine(hubId, member, conversationId);
    const at = nowIso();
    const message: Message = { id: newId('msg'), conversation_id: conversation.id, author_id: member.contact.id, body, sort_key: uuidv7(), created_at: at, edited_at: null, deleted_at: null };
    await this.change(hubId, conversation.id, 'community.message.created', message, member.contact.id, async (tx) => {
      await tx.conversations.createMessage(message);
      await tx.conversations.touch(conversation.id, message.sort_key, at);
    });
    return message;
  }

  async edit(hubId: string, member: MemberActor, conversationId: string, messageId: string, body: string): Promise<Message> {
    const message = await this.own(hubId, member, conversationId, messageId, 'edit');
    await this.change(hubId, conversationId, 'community.message.edited', message, member.contact.id, async (tx) => {
      if (!(await tx.conversations.editMessage(message.id, body, nowIso()))) throw new AppError('conflict', 'The message was deleted');
    });
    return this.fetch(conversationId, message.id);
  }

  async remove(hubId: string, member: MemberActor, conversationId: string, messageId: string): Promise<Message> {
    const message = await this.own(hubId, member, conversationId, messageId, 'delete');
    await this.change(hubId, conversationId, 'community.message.deleted', message, member.contact.id, async (tx) => {
      if (!(await tx.conversations.tombstoneMessage(message.id, nowIso()))) throw new AppError('conflict', 'The message was already deleted');
    });
    return this.fetch(conversationId, message.id);
  }

  /**
   * Marks a message (and so everything before it) read for the member. The marker only moves forward:
   * a message read already, or one before the last read, is 409 and announces nothing.
   */
  async markRead(hubId: string, member: MemberActor, conversationId: string, messageId: string): Promise<void> {
    const message = await this.find(hubId, member, conversationId, messageId);
    await this.change(hubId, conversationId, 'community.message.read', message, member.contact.id, async (tx) => {
      if (!(await tx.conversations.markRead(message.conversation_id, member.contact.id, message))) throw new AppError('conflict', 'This message, or a later one, is already marked read');
    });
  }

  private async find(hubId: string, member: MemberActor, conversationId: string, messageId: string): Promise<Message> {
    const conversation = await this.conversations.mine(hubId, member, conversationId);
    const message = await this.storage.conversations.getMessage(conversation.id, messageId);
    if (!message) throw new AppError('not_found', 'Message not found');
    return message;
  }

  /** Only the author edits or deletes a message: anyone else's is 403. */
  private async own(hubId: string, member: MemberActor, conversationId: string, messageId: string, what: string): Promise<Message> {
    const message = await this.find(hubId, member, conversationId, messageId);
    if (message.author_id !== member.contact.id) throw new AppError('forbidden', `You may only ${what} your own messages`);
    return message;
  }

  private async fetch(conversationId: string, messageId: string): Promise<Message> {
    const message = await this.storage.conversations.getMessage(conversationId, messageId);
    if (!message) throw new AppError('not_found', 'Message not found');
    return message;
  }

  /** A write to a message and the event that tells the conversation's members, in one transaction. */
  private async change(hubId: string, conversationId: string, type: string, message: Message, contactId: string, write: (tx: Repos) => Promise<void>): Promise<void> {
    await this.hubs.change(hubId, async (tx, emit) => {
      await write(tx);
      const members = (await tx.conversations.members(conversationId)).map((m) => m.contact_id);
      await emit(type, toMembers(members), { conversation_id: conversationId, message_id: message.id, contact_id: contactId });
    });
  }
}
