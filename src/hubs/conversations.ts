// DM conversations: 1:1 (one other member, no name; creating one that exists returns it) and groups.
// Every event goes directly to the conversation's current members, a member who leaves included.
import type { EventScope } from '../events/index.js';
import { AppError } from '../http/errors.js';
import type { Conversation, ConversationMember, Storage } from '../storage/index.js';
import { newId, uuidv7 } from '../util/ids.js';
import { nowIso } from '../util/time.js';
import type { MemberActor } from './actor.js';
import { page, type Page } from './paging.js';
import type { HubService } from './service.js';

export interface ConversationView {
  readonly conversation: Conversation;
  readonly members: ConversationMember[];
}

/** The scope of a conversation's events: direct, to its members. */
export const toMembers = (contactIds: readonly string[]): EventScope => ({ contact_ids: [...new Set(contactIds)] });

/** A 1:1 between the two was made meanwhile: the transaction rolls back and that one is the answer. */
class DirectExists extends Error {
  constructor(readonly conversation: Conversation) {
    super('a 1:1 conversation between these members exists');
  }
}

export class ConversationService {
  constructor(
    private readonly storage: Storage,
    private readonly hubs: HubService,
  ) {}

  /** Creates a conversation; `created` is false when an existing 1:1 between the two was returned. */
  async create(hubId: string, member: MemberActor, contactIds: readonly string[], name: string | undefined): Promise<ConversationView & { created: boolean }> {
    const me = member.contact.id;
    const others = [...new Set(contactIds)].filter((id) => id !== me);
    if (others.length === 0) throw new AppError('invalid_request', 'contact_ids must name at least one other member');
    for (const id of others) await this.checkInvitee(hubId, id);
    const kind = others.length === 1 && name === undefined ? 'direct' : 'group';
    if (kind === 'direct') {
      const existing = await this.storage.conversations.findDirect(hubId, me, others[0] ?? '');
      if (existing) return { ...(await this.view(existing)), created: false };
    }
    const at = nowIso();
    const conversation: Conversation = { id: newId('cnv'), hub_id: hubId, kind, name: name ?? null, created_by: me, activity_key: uuidv7(), created_at: at, updated_at: at };
    const memberIds = [me, ...others];
    try {
      await this.hubs.change(hubId, async (tx, emit) => {
        // The event first: appending it holds the hub's event log until the commit, so two members
        // starting a 1:1 with each other at once take turns, and the second finds the first's.
        await emit('community.conversation.created', toMembers(memberIds), { conversation_id: conversation.id, contact_id: me });
        if (kind === 'direct') {
          const existing = await tx.conversations.findDirect(hubId, me, others[0] ?? '');
          if (existing) throw new DirectExists(existing);
        }
        await tx.conversations.create(conversation, memberIds);
      });
    } catch (e) {
      if (e instanceof DirectExists) return { ...(await this.view(e.conversation)), created: false };
      throw e;
    }
    return { ...(await this.view(conversation)), created: true };
  }

  async list(hubId: string, member: MemberActor, limit: number, offset: number): Promise<Page<ConversationView>> {
    const rows = await page(limit, offset, (l, o) => this.storage.conversations.listFor(hubId, member.contact.id, l, o));
    const items: ConversationView[] = [];
    for (const c of rows.items) items.push(await this.view(c));
    return { items, hasMore: rows.hasMore };
  }

  async get(hubId: string, member: MemberActor, conversationId: string): Promise<ConversationView> {
    return this.view(await this.mine(hubId, member, conversationId));
  }

  /** Adds a member to a group conversation; any current member may. */
  async addMember(hubId: string, member: MemberActor, conversationId: string, contactId: string): Promise<ConversationView> {
    const conversation = await this.mine(hubId, member, conversationId);
    if (conversation.kind === 'direct') throw new AppError('conflict', 'A 1:1 conversation cannot have more members; start a group instead');
    await this.checkInvitee(hubId, contactId);
    await this.hubs.change(hubId, async (tx, emit) => {
      if (!(await tx.conversations.addMember(conversation.id, contactId, nowIso()))) throw new AppError('conflict', 'This contact is already a member of the conversation');
      const members = (await tx.conversations.members(conversation.id)).map((m) => m.contact_id);
      await emit('community.conversation.member_added', toMembers(members), { conversation_id: conversation.id, contact_id: contactId, added_by: member.contact.id });
    });
    return this.view(conversation);
  }

  async leave(hubId: string, member: MemberActor, conversationId: string): Promise<void> {
    const conversation = await this.mine(hubId, member, conversationId);
    await this.hubs.change(hubId, async (tx, emit) => {
      const before = (await tx.conversations.members(conversation.id)).map((m) => m.contact_id);
      if (!(await tx.conversations.leave(conversation.id, member.contact.id, nowIso()))) throw new AppError('not_found', 'Conversation not found');
      await emit('community.conversation.member_left', toMembers(before), { conversation_id: conversation.id, contact_id: member.contact.id });
    });
  }

  /** A conversation of the hub the member currently belongs to; anything else is 404. */
  async mine(hubId: string, member: MemberActor, conversationId: string): Promise<Conversation> {
    const conversation = await this.storage.conversations.get(hubId, conversationId);
    if (!conversation || !(await this.storage.conversations.member(conversation.id, member.contact.id))) throw new AppError('not_found', 'Conversation not found');
    return conversation;
  }

  private async view(conversation: Conversation): Promise<ConversationView> {
    return { conversation, members: await this.storage.conversations.members(conversation.id) };
  }

  /** Only active members of this hub can be brought into a conversation. */
  private async checkInvitee(hubId: string, contactId: string): Promise<void> {
    if (!(await this.hubs.activeContact(hubId, contactId))) throw new AppError('invalid_request', `contact ${contactId} is not an active member of this hub`);
  }
}
