// Hub management that realtime scoping depends on: segments, spaces, member segments, bans and
// removals, and server-side publishing. Every change commits together with the events that report it
// (`change`); access changes are events too, so every node's open streams narrow (or end) in order,
// even when the bus was down. The community's domains (spaces, discussions, DMs, …) hang off it.
import type { EventPublisher, EventRecord, EventScope } from '../events/index.js';
import { ACCESS_EVENTS, hubTopic } from '../events/index.js';
import { AppError } from '../http/errors.js';
import type { Access } from '../realtime/index.js';
import type { Contact, Hub, Repos, Segment, Space, Storage } from '../storage/index.js';
import { newId } from '../util/ids.js';
import { nowIso } from '../util/time.js';
import { memberAccess } from './access.js';
import { HUB_EVENT_TYPES } from './event-types.js';
import type { MemberAccessCache, StreamMember } from './access-cache.js';
import type { MemberActor } from './actor.js';
import { BroadcastService } from './broadcasts.js';
import { ConversationService } from './conversations.js';
import { DiscussionService } from './discussions.js';
import { MessageService } from './messages.js';
import { ProfileService } from './profiles.js';
import { SpaceService } from './spaces.js';

/**
 * What a server-side publish may send: the hub's own types. Another surface's (`video.ready`,
 * `document.status`) would reach the hub's members and the organization's webhooks as if that
 * surface had sent it, for a video or document that never existed.
 */
const PUBLISHABLE: ReadonlySet<string> = new Set(HUB_EVENT_TYPES.map((t) => t.type));

export interface PublishInput {
  readonly type: string;
  readonly spaceId?: string;
  readonly contactIds?: readonly string[];
  readonly data: Readonly<Record<string, unknown>>;
}

/** Appends an event to the hub's stream inside the change's transaction. */
export type Emit = (type: string, scope: EventScope, data: Readonly<Record<string, unknown>>) => Promise<EventRecord>;

/** Reads a change may make: the storage itself, or the change's transaction. */
type Reads = Pick<Repos, 'community' | 'hubs'>;

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
    /** Remembers members for stream connects; without it every connect reads storage. */
    private readonly memberCache?: MemberAccessCache,
  ) {
    this.spaces = new SpaceService(storage, this);
    this.discussions = new DiscussionService(storage, this, this.spaces);
    this.profiles = new ProfileService(storage, this);
    this.conversations = new ConversationService(storage, this);
    this.messages = new MessageService(storage, this, this.conversations);
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

  /**
   * The hub and the member's access for opening a stream, or undefined when there is no such hub or
   * the contact is not an active member. Remembered per contact until an access change of the hub is
   * heard; open streams reload with accessFor, which always reads.
   */
  async streamMember(hubId: string, contactId: string): Promise<StreamMember | undefined> {
    if (!this.memberCache) return this.readStreamMember(hubId, contactId);
    return this.memberCache.get(hubId, contactId, () => this.readStreamMember(hubId, contactId));
  }

  private async readStreamMember(hubId: string, contactId: string): Promise<StreamMember | undefined> {
    const hub = await this.storage.hubs.get(hubId);
    if (!hub) return undefined;
    const access = await this.accessFor(hubId, contactId);
    return access ? { hub, access } : undefined;
  }

  async activeContact(hubId: string, contactId: string): Promise<Contact | undefined> {
    const contact = await this.storage.hubs.getContact(hubId, contactId);
    return contact?.status === 'active' ? contact : undefined;
  }

  async createSegment(hubId: string, name: string): Promise<Segment> {
    await this.getHub(hubId);
    const segment: Segment = { id: newId('seg'), hub_id: hubId, name, created_at: nowIso() };
    // Writes of the admin API run in a transaction, which claims their Idempotency-Key with them.
    await this.storage.transaction((tx) => tx.community.createSegment(segment));
    return segment;
  }

  async listSegments(hubId: string): Promise<Segment[]> {
    await this.getHub(hubId);
    return this.storage.community.listSegments(hubId);
  }

  /** Runs `fn` in one transaction: its writes and the events it emits commit together, or not at all. */
  async change<T>(hubId: string, fn: (tx: Repos, emit: Emit) => Promise<T>): Promise<T> {
    const hub = await this.getHub(hubId);
    return this.storage.transaction((tx) => fn(tx, (type, scope, data) => this.publisher.append(tx, { topic: hubTopic(hubId), orgId: hub.org_id, type, scope, data })));
  }

  async createSpace(hubId: string, name: string, restricted: boolean, segmentIds: readonly string[]): Promise<{ space: Space; segmentIds: string[] }> {
    const ids = [...new Set(segmentIds)];
    await this.checkSegments(hubId, ids);
    const at = nowIso();
    const space: Space = { id: newId('spc'), hub_id: hubId, name, restricted: restricted ? 1 : 0, created_at: at, updated_at: at, deleted_at: null };
    await this.change(hubId, async (tx, emit) => {
      await tx.community.createSpace(space, ids);
      // A restricted space is announced only to the members it is visible to.
      await emit('community.space.created', restricted ? { space_id: space.id, restricted: true, segment_ids: ids } : {}, { space_id: space.id, hub_id: hubId });
    });
    return { space, segmentIds: ids };
  }

  /** New segments reach the member's open streams at once: they reload what they may see. */
  async setContactSegments(hubId: string, contactId: string, segmentIds: readonly string[]): Promise<string[]> {
    await this.getHub(hubId);
    const contact = await this.storage.hubs.getContact(hubId, contactId);
    if (!contact || contact.status === 'removed') throw new AppError('not_found', 'Contact not found');
    const ids = [...new Set(segmentIds)];
    await this.checkSegments(hubId, ids);
    await this.change(hubId, async (tx, emit) => {
      await tx.community.setContactSegments(contactId, ids);
      await emit(ACCESS_EVENTS.contactChanged, { contact_ids: [contactId] }, {});
    });
    return ids;
  }

  /** Bans (or removes) a member: access ends at once, and open streams end with stream.unauthorized. */
  async revokeContact(hubId: string, contactId: string, status: 'banned' | 'removed'): Promise<void> {
    await this.change(hubId, async (tx, emit) => {
      // A removed contact is gone: banning it would bring it back as banned (and its role editable).
      if ((await tx.hubs.getContact(hubId, contactId))?.status === 'removed') throw new AppError('not_found', 'Contact not found');
      if (!(await tx.hubs.setContactStatus(hubId, contactId, status, nowIso()))) throw new AppError('not_found', 'Contact not found');
      await emit(ACCESS_EVENTS.contactRevoked, { contact_ids: [contactId] }, {});
    });
  }

  /** Server-side publish: the scope follows from the input (direct, space or hub). */
  async publish(hubId: string, input: PublishInput): Promise<EventRecord> {
    const hub = await this.getHub(hubId);
    if (!PUBLISHABLE.has(input.type)) throw new AppError('invalid_request', `"${input.type}" is not a hub event type: a hub publishes community.* types and test.ping`);
    let scope: EventScope = {};
    if (input.contactIds && input.contactIds.length > 0) {
      const ids = [...new Set(input.contactIds)];
      for (const id of ids) {
        // A banned or removed contact hears nothing: naming one is a mistake to say, as the member API does.
        if ((await this.storage.hubs.getContact(hubId, id))?.status !== 'active') throw new AppError('invalid_request', 'contact_ids must name active contacts of this hub');
      }
      scope = { contact_ids: ids };
    }
    if (input.spaceId) {
      const space = await this.storage.community.getSpace(hubId, input.spaceId);
      if (!space) throw new AppError('invalid_request', 'space_id must name a space of this hub');
      scope = { ...scope, ...(await this.spaceScope(space)) };
    }
    return this.publisher.publish({ topic: hubTopic(hubId), orgId: hub.org_id, type: input.type, scope, data: input.data });
  }

  /** The scope of a space's events: everyone for an open space, the granting segments for a restricted one. */
  async spaceScope(space: Space, reads: Reads = this.storage): Promise<EventScope> {
    const restricted = space.restricted === 1;
    return { space_id: space.id, restricted, segment_ids: restricted ? await reads.community.spaceSegments(space.id) : [] };
  }

  /** The acting member (with its segments), or undefined when it is not an active member of the hub. */
  async member(hubId: string, contactId: string): Promise<MemberActor | undefined> {
    const contact = await this.activeContact(hubId, contactId);
    if (!contact) return undefined;
    return { kind: 'contact', contact, segmentIds: new Set(await this.storage.community.contactSegments(contactId)) };
  }

  /** A removed contact is gone (404); a banned one keeps its role, which an admin may still set before unbanning. */
  async setRole(hubId: string, contactId: string, role: Contact['role']): Promise<Contact> {
    await this.getHub(hubId);
    if ((await this.storage.hubs.getContact(hubId, contactId))?.status === 'removed') throw new AppError('not_found', 'Contact not found');
    if (!(await this.storage.transaction((tx) => tx.hubs.setContactRole(hubId, contactId, role, nowIso())))) throw new AppError('not_found', 'Contact not found');
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
