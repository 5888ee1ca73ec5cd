// Hub management that realtime scoping depends on: segments, spaces, member segments, bans and
// removals, and server-side publishing. Access changes go out on the bus so every node's open
// streams update (or end) without a reconnect. The community's domains (spaces, discussions, DMs, …)
// hang off it and emit through `emit`.
import type { Bus, EventPublisher, EventRecord, EventScope } from '../events/index.js';
import { hubTopic } from '../events/index.js';
import { AppError } from '../http/errors.js';
import type { Access } from '../realtime/index.js';
import type { Contact, Hub, Segment, Space, Storage } from '../storage/index.js';
import { newId } from '../util/ids.js';
import { nowIso } from '../util/time.js';
import { memberAccess } from './access.js';
import type { MemberActor } from './actor.js';
import { BroadcastService } from './broadcasts.js';
import { ConversationService } from './conversations.js';
import { DiscussionService } from './discussions.js';
import { MessageService } from './messages.js';
import { ProfileService } from './profiles.js';
import { SpaceService } from './spaces.js';

export interface PublishInput {
  readonly type: string;
  readonly spaceId?: string;
  readonly contactIds?: readonly string[];
  readonly data: Readonly<Record<string, unknown>>;
}

export class HubService {
  /** The community's domains, each emitting its own events through this service. */
  readonly spaces: SpaceService;
  readonly discussions: DiscussionService;
  readonly profiles: ProfileService;
  readonly conversations: ConversationService;
  readonly messages: MessageService;
  readonly broadcasts: BroadcastService;

  constructor(
    private readonly storage: Storage,
    private readonly publisher: EventPublisher,
    private readonly bus: Bus,
  ) {
    this.spaces = new SpaceService(storage, this);
    this.discussions = new DiscussionService(storage, this, this.spaces);
    this.profiles = new ProfileService(storage, this);
    this.conversations = new ConversationService(storage, this);
    this.messages = new MessageService(storage, this.conversations);
    this.broadcasts = new BroadcastService(storage, this);
  }

  async getHub(hubId: string): Promise<Hub> {
    const hub = await this.storage.hubs.get(hubId);
    if (!hub) throw new AppError('not_found', 'Hub not found');
    return hub;
  }

  /** The member's current access, or undefined when it is not an active member of the hub. */
  async accessFor(hubId: string, contactId: string): Promise<Access | undefined> {
    const contact = await this.storage.hubs.getContact(hubId, contactId);
    if (!contact || contact.status !== 'active') return undefined;
    return memberAccess(contactId, new Set(await this.storage.community.contactSegments(contactId)));
  }

  async activeContact(hubId: string, contactId: string): Promise<Contact | undefined> {
    const contact = await this.storage.hubs.getContact(hubId, contactId);
    return contact?.status === 'active' ? contact : undefined;
  }

  async createSegment(hubId: string, name: string): Promise<Segment> {
    await this.getHub(hubId);
    const segment: Segment = { id: newId('seg'), hub_id: hubId, name, created_at: nowIso() };
    await this.storage.community.createSegment(segment);
    return segment;
  }

  async createSpace(hubId: string, name: string, restricted: boolean, segmentIds: readonly string[]): Promise<{ space: Space; segmentIds: string[] }> {
    const hub = await this.getHub(hubId);
    const ids = [...new Set(segmentIds)];
    await this.checkSegments(hubId, ids);
    const at = nowIso();
    const space: Space = { id: newId('spc'), hub_id: hubId, name, restricted: restricted ? 1 : 0, created_at: at, updated_at: at, deleted_at: null };
    await this.storage.community.createSpace(space, ids);
    // A restricted space is announced only to the members it is visible to.
    await this.publisher.publish({
      topic: hubTopic(hubId),
      orgId: hub.org_id,
      type: 'community.space.created',
      scope: restricted ? { space_id: space.id, restricted: true, segment_ids: ids } : {},
      data: { space_id: space.id, hub_id: hubId },
    });
    return { space, segmentIds: ids };
  }

  async setContactSegments(hubId: string, contactId: string, segmentIds: readonly string[]): Promise<string[]> {
    await this.getHub(hubId);
    if (!(await this.storage.hubs.getContact(hubId, contactId))) throw new AppError('not_found', 'Contact not found');
    const ids = [...new Set(segmentIds)];
    await this.checkSegments(hubId, ids);
    await this.storage.community.setContactSegments(contactId, ids);
    await this.bus.publish(hubTopic(hubId), { kind: 'access', hubId, contactIds: [contactId] });
    return ids;
  }

  /** Bans (or removes) a member: access ends at once, and open streams end with stream.unauthorized. */
  async revokeContact(hubId: string, contactId: string, status: 'banned' | 'removed'): Promise<void> {
    await this.getHub(hubId);
    if (!(await this.storage.hubs.setContactStatus(hubId, contactId, status, nowIso()))) throw new AppError('not_found', 'Contact not found');
    await this.bus.publish(hubTopic(hubId), { kind: 'access', hubId, contactIds: [contactId], revoke: true });
  }

  /** Server-side publish: the scope follows from the input (direct, space or hub). */
  async publish(hubId: string, input: PublishInput): Promise<EventRecord> {
    await this.getHub(hubId);
    let scope: EventScope = {};
    if (input.contactIds && input.contactIds.length > 0) {
      const ids = [...new Set(input.contactIds)];
      for (const id of ids) {
        if (!(await this.storage.hubs.getContact(hubId, id))) throw new AppError('invalid_request', 'contact_ids must name contacts of this hub');
      }
      scope = { contact_ids: ids };
    }
    if (input.spaceId) {
      const space = await this.storage.community.getSpace(hubId, input.spaceId);
      if (!space) throw new AppError('invalid_request', 'space_id must name a space of this hub');
      scope = { ...scope, ...(await this.spaceScope(space)) };
    }
    return this.emit(hubId, input.type, scope, input.data);
  }

  /** The scope of a space's events: everyone for an open space, the granting segments for a restricted one. */
  async spaceScope(space: Space): Promise<EventScope> {
    const restricted = space.restricted === 1;
    return { space_id: space.id, restricted, segment_ids: restricted ? await this.storage.community.spaceSegments(space.id) : [] };
  }

  /** Appends an event to the hub's stream under an already computed scope. */
  async emit(hubId: string, type: string, scope: EventScope, data: Readonly<Record<string, unknown>>): Promise<EventRecord> {
    const hub = await this.getHub(hubId);
    return this.publisher.publish({ topic: hubTopic(hubId), orgId: hub.org_id, type, scope, data });
  }

  /** The acting member (with its segments), or undefined when it is not an active member of the hub. */
  async member(hubId: string, contactId: string): Promise<MemberActor | undefined> {
    const contact = await this.activeContact(hubId, contactId);
    if (!contact) return undefined;
    return { kind: 'contact', contact, segmentIds: new Set(await this.storage.community.contactSegments(contactId)) };
  }

  async setRole(hubId: string, contactId: string, role: Contact['role']): Promise<Contact> {
    await this.getHub(hubId);
    if (!(await this.storage.hubs.setContactRole(hubId, contactId, role, nowIso()))) throw new AppError('not_found', 'Contact not found');
    const contact = await this.storage.hubs.getContact(hubId, contactId);
    if (!contact) throw new AppError('not_found', 'Contact not found');
    return contact;
  }

  async checkSegments(hubId: string, ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    const known = new Set((await this.storage.community.listSegments(hubId)).map((s) => s.id));
    if (ids.some((id) => !known.has(id))) throw new AppError('invalid_request', 'segment_ids must name segments of this hub');
  }
}
