// Spaces as members use them: listing what they may see, admin edits, joining and leaving, and
// moderators muting members. A restricted space a member's segments don't grant is invisible (404),
// except to joining, which answers 403 so a member learns why it cannot join.
import { AppError } from '../http/errors.js';
import type { Space, Storage } from '../storage/index.js';
import { nowIso } from '../util/time.js';
import { actorId, rank, requireRole, seesSpace, type Actor, type MemberActor } from './actor.js';
import { page, type Page } from './paging.js';
import type { HubService } from './service.js';

export interface SpaceView {
  readonly space: Space;
  readonly segmentIds: string[];
  /** Only for a member actor: whether it joined / is muted there. */
  readonly joined?: boolean;
  readonly muted?: boolean;
}

export interface SpacePatch {
  readonly name?: string;
  readonly restricted?: boolean;
  readonly segmentIds?: readonly string[];
}

export class SpaceService {
  constructor(
    private readonly storage: Storage,
    private readonly hubs: HubService,
  ) {}

  async list(hubId: string, actor: Actor, limit: number, offset: number): Promise<Page<SpaceView>> {
    await this.hubs.getHub(hubId);
    const granted = actor.kind === 'admin' ? undefined : [...actor.segmentIds];
    const spaces = await page(limit, offset, (l, o) => this.storage.community.listSpaces(hubId, granted, l, o));
    const joined = actor.kind === 'contact' ? await this.storage.community.joinedSpaces(actor.contact.id, spaces.items.map((s) => s.id)) : undefined;
    const items: SpaceView[] = [];
    for (const space of spaces.items) {
      items.push({ space, segmentIds: await this.storage.community.spaceSegments(space.id), ...(joined ? { joined: joined.has(space.id) } : {}) });
    }
    return { items, hasMore: spaces.hasMore };
  }

  /** A live space the actor may see; anything else (another hub's, deleted, not granted) is 404. */
  async visible(hubId: string, actor: Actor, spaceId: string): Promise<{ space: Space; segmentIds: string[] }> {
    const space = await this.storage.community.getSpace(hubId, spaceId);
    if (!space) throw new AppError('not_found', 'Space not found');
    const segmentIds = await this.storage.community.spaceSegments(space.id);
    if (!seesSpace(actor, space.restricted === 1, segmentIds)) throw new AppError('not_found', 'Space not found');
    return { space, segmentIds };
  }

  async get(hubId: string, actor: Actor, spaceId: string): Promise<SpaceView> {
    const { space, segmentIds } = await this.visible(hubId, actor, spaceId);
    if (actor.kind === 'admin') return { space, segmentIds };
    return {
      space,
      segmentIds,
      joined: await this.storage.community.isSpaceMember(space.id, actor.contact.id),
      muted: await this.storage.community.isMuted(space.id, actor.contact.id),
    };
  }

  async create(hubId: string, actor: Actor, name: string, restricted: boolean, segmentIds: readonly string[]): Promise<SpaceView> {
    requireRole(actor, 'admin', 'create spaces');
    const { space, segmentIds: ids } = await this.hubs.createSpace(hubId, name, restricted, segmentIds);
    return { space, segmentIds: ids };
  }

  /** Renames a space or changes its restriction; the event goes out under the new restriction. */
  async update(hubId: string, actor: Actor, spaceId: string, patch: SpacePatch): Promise<SpaceView> {
    requireRole(actor, 'admin', 'edit spaces');
    const { space } = await this.visible(hubId, actor, spaceId);
    const segmentIds = patch.segmentIds === undefined ? undefined : [...new Set(patch.segmentIds)];
    if (segmentIds) await this.hubs.checkSegments(hubId, segmentIds);
    const at = nowIso();
    const updated = await this.hubs.change(hubId, async (tx, emit) => {
      await tx.community.updateSpace(space.id, {
        ...(patch.name !== undefined ? { name: patch.name } : {}),
        ...(patch.restricted !== undefined ? { restricted: patch.restricted ? 1 : 0 } : {}),
        updated_at: at,
      });
      if (segmentIds) await tx.community.setSpaceSegments(space.id, segmentIds);
      const now = await tx.community.getSpace(hubId, space.id);
      if (!now) throw new AppError('not_found', 'Space not found');
      await emit('community.space.updated', await this.hubs.spaceScope(now, tx), { space_id: space.id, hub_id: hubId });
      return now;
    });
    return { space: updated, segmentIds: await this.storage.community.spaceSegments(space.id) };
  }

  /** Soft-deletes a space; the event reaches those who could see it. */
  async remove(hubId: string, actor: Actor, spaceId: string): Promise<void> {
    requireRole(actor, 'admin', 'delete spaces');
    const { space } = await this.visible(hubId, actor, spaceId);
    const scope = await this.hubs.spaceScope(space);
    await this.hubs.change(hubId, async (tx, emit) => {
      if (!(await tx.community.deleteSpace(space.id, nowIso()))) throw new AppError('not_found', 'Space not found');
      await emit('community.space.deleted', scope, { space_id: space.id, hub_id: hubId });
    });
  }

  async join(hubId: string, member: MemberActor, spaceId: string): Promise<{ space: Space; joinedAt: string }> {
    const space = await this.storage.community.getSpace(hubId, spaceId);
    if (!space) throw new AppError('not_found', 'Space not found');
    if (!seesSpace(member, space.restricted === 1, await this.storage.community.spaceSegments(space.id))) {
      throw new AppError('forbidden', 'This space is restricted to segments you are not in');
    }
    const at = nowIso();
    const scope = await this.hubs.spaceScope(space);
    await this.hubs.change(hubId, async (tx, emit) => {
      if (!(await tx.community.joinSpace(space.id, member.contact.id, at))) throw new AppError('conflict', 'You already joined this space');
      await emit('community.space.member_joined', scope, { space_id: space.id, contact_id: member.contact.id });
    });
    return { space, joinedAt: at };
  }

  async leave(hubId: string, member: MemberActor, spaceId: string): Promise<void> {
    const { space } = await this.visible(hubId, member, spaceId);
    const scope = await this.hubs.spaceScope(space);
    await this.hubs.change(hubId, async (tx, emit) => {
      if (!(await tx.community.leaveSpace(space.id, member.contact.id))) throw new AppError('not_found', 'You are not a member of this space');
      await emit('community.space.member_left', scope, { space_id: space.id, contact_id: member.contact.id });
    });
  }

  /** Moderators and admins mute a member in a space: it can no longer post there. Nobody mutes a peer or a superior. */
  async setMuted(hubId: string, actor: Actor, spaceId: string, contactId: string, muted: boolean): Promise<void> {
    requireRole(actor, 'moderator', muted ? 'mute members' : 'unmute members');
    const { space } = await this.visible(hubId, actor, spaceId);
    const target = await this.storage.hubs.getContact(hubId, contactId);
    // A banned or removed contact is no member to mute: the hub would hear of someone no longer in it.
    if (!target || target.status !== 'active') throw new AppError('not_found', 'Contact not found');
    if (actor.kind === 'contact' && rank(target.role) >= rank(actor.contact.role)) throw new AppError('forbidden', `You may not ${muted ? 'mute' : 'unmute'} ${target.role === 'admin' ? 'an' : 'a'} ${target.role}`);
    const scope = await this.hubs.spaceScope(space);
    await this.hubs.change(hubId, async (tx, emit) => {
      if (muted) {
        if (!(await tx.community.mute(space.id, target.id, actorId(actor), nowIso()))) throw new AppError('conflict', 'This member is already muted in this space');
      } else if (!(await tx.community.unmute(space.id, target.id))) {
        throw new AppError('not_found', 'This member is not muted in this space');
      }
      await emit(muted ? 'community.space.member_muted' : 'community.space.member_unmuted', scope, { space_id: space.id, contact_id: target.id });
    });
  }

  /** Posting (discussions and replies) needs a joined, unmuted member. */
  async checkCanPost(space: Space, member: MemberActor): Promise<void> {
    if (!(await this.storage.community.isSpaceMember(space.id, member.contact.id))) throw new AppError('forbidden', 'Join the space before posting in it');
    if (await this.storage.community.isMuted(space.id, member.contact.id)) throw new AppError('forbidden', 'You are muted in this space');
  }
}
