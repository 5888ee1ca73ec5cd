// Discussions in spaces: publishing (a reply is a discussion with a parent, published the same way),
// author edits, deletion to a tombstone, moderation (lock, pin) and reactions. A locked discussion
// refuses replies and reaction changes with 409; so does a tombstone.
import { AppError } from '../http/errors.js';
import type { Discussion, DiscussionFlag, Repos, Space, Storage } from '../storage/index.js';
import { newId, uuidv7 } from '../util/ids.js';
import { nowIso } from '../util/time.js';
import { hasRole, requireRole, type Actor, type MemberActor } from './actor.js';
import { page, type Page } from './paging.js';
import type { HubService } from './service.js';
import type { SpaceService } from './spaces.js';

export interface DiscussionView {
  readonly discussion: Discussion;
  readonly reactions: Record<string, number>;
  /** The reactions the acting member made (empty for the admin API). */
  readonly myReactions: string[];
}

const FLAG_EVENTS: Readonly<Record<DiscussionFlag, readonly [string, string]>> = {
  locked: ['community.discussion.locked', 'community.discussion.unlocked'],
  pinned: ['community.discussion.pinned', 'community.discussion.unpinned'],
};

export class DiscussionService {
  constructor(
    private readonly storage: Storage,
    private readonly hubs: HubService,
    private readonly spaces: SpaceService,
  ) {}

  async list(hubId: string, actor: Actor, spaceId: string, limit: number, offset: number): Promise<Page<DiscussionView>> {
    const { space } = await this.spaces.visible(hubId, actor, spaceId);
    const rows = await page(limit, offset, (l, o) => this.storage.discussions.listInSpace(space.id, l, o));
    return { items: await this.views(rows.items, actor), hasMore: rows.hasMore };
  }

  async replies(hubId: string, actor: Actor, discussionId: string, limit: number, offset: number): Promise<Page<DiscussionView>> {
    const { discussion } = await this.visible(hubId, actor, discussionId);
    const rows = await page(limit, offset, (l, o) => this.storage.discussions.listReplies(discussion.id, l, o));
    return { items: await this.views(rows.items, actor), hasMore: rows.hasMore };
  }

  async get(hubId: string, actor: Actor, discussionId: string): Promise<DiscussionView> {
    const { discussion } = await this.visible(hubId, actor, discussionId);
    const [view] = await this.views([discussion], actor);
    if (!view) throw new AppError('not_found', 'Discussion not found');
    return view;
  }

  async publish(hubId: string, member: MemberActor, spaceId: string, title: string, body: string): Promise<DiscussionView> {
    const { space } = await this.spaces.visible(hubId, member, spaceId);
    await this.spaces.checkCanPost(space, member);
    return this.create(hubId, member, space, null, title, body);
  }

  async reply(hubId: string, member: MemberActor, parentId: string, body: string): Promise<DiscussionView> {
    const { discussion: parent, space } = await this.visible(hubId, member, parentId);
    const root = await this.root(hubId, parent);
    this.checkOpen(parent, root, 'reply to');
    await this.spaces.checkCanPost(space, member);
    return this.create(hubId, member, space, parent.id, null, body);
  }

  /** Only the author edits a discussion. */
  async update(hubId: string, member: MemberActor, discussionId: string, patch: { title?: string; body?: string }): Promise<DiscussionView> {
    const { discussion, space } = await this.visible(hubId, member, discussionId);
    if (discussion.author_id !== member.contact.id) throw new AppError('forbidden', 'Only the author may edit a discussion');
    if (patch.title !== undefined && discussion.parent_id !== null) throw new AppError('invalid_request', 'A reply has no title');
    const at = nowIso();
    const fields = { ...(patch.title !== undefined ? { title: patch.title } : {}), ...(patch.body !== undefined ? { body: patch.body } : {}), updated_at: at };
    await this.change(hubId, 'community.discussion.updated', space, discussion, async (tx) => {
      if (!(await tx.discussions.update(discussion.id, fields))) throw new AppError('conflict', 'The discussion was deleted');
    });
    return this.get(hubId, member, discussion.id);
  }

  /** The author, or a moderator or admin, deletes a discussion: it stays as a tombstone. */
  async remove(hubId: string, actor: Actor, discussionId: string): Promise<DiscussionView> {
    const { discussion, space } = await this.visible(hubId, actor, discussionId);
    const own = actor.kind === 'contact' && discussion.author_id === actor.contact.id;
    if (!own && !hasRole(actor, 'moderator')) throw new AppError('forbidden', 'Only the author, moderators and admins may delete a discussion');
    await this.change(hubId, 'community.discussion.deleted', space, discussion, async (tx) => {
      if (!(await tx.discussions.tombstone(discussion.id, nowIso()))) throw new AppError('conflict', 'The discussion was already deleted');
    });
    return this.get(hubId, actor, discussion.id);
  }

  /** Lock/unlock, pin/unpin a top-level discussion (moderators and admins). Setting a flag it already has is 409. */
  async setFlag(hubId: string, actor: Actor, discussionId: string, flag: DiscussionFlag, value: boolean): Promise<DiscussionView> {
    requireRole(actor, 'moderator', flag === 'locked' ? 'lock discussions' : 'pin discussions');
    const { discussion, space } = await this.visible(hubId, actor, discussionId);
    if (discussion.parent_id !== null) throw new AppError('conflict', `A reply cannot be ${flag}`);
    if (discussion.deleted_at !== null) throw new AppError('conflict', 'The discussion was deleted');
    const [on, off] = FLAG_EVENTS[flag];
    await this.change(hubId, value ? on : off, space, discussion, async (tx) => {
      if (!(await tx.discussions.setFlag(discussion.id, flag, value, nowIso()))) {
        throw new AppError('conflict', `The discussion is already ${value ? '' : 'un'}${flag}`);
      }
    });
    return this.get(hubId, actor, discussion.id);
  }

  /** Reacting twice the same way is 409; removing a reaction that is not there is 404. */
  async react(hubId: string, member: MemberActor, discussionId: string, reaction: string, add: boolean): Promise<DiscussionView> {
    const { discussion, space } = await this.visible(hubId, member, discussionId);
    this.checkOpen(discussion, await this.root(hubId, discussion), 'react to');
    const scope = await this.hubs.spaceScope(space);
    await this.hubs.change(hubId, async (tx, emit) => {
      if (add) {
        if (!(await tx.discussions.addReaction(discussion.id, member.contact.id, reaction, nowIso()))) throw new AppError('conflict', 'You already reacted with this reaction');
      } else if (!(await tx.discussions.removeReaction(discussion.id, member.contact.id, reaction))) {
        throw new AppError('not_found', 'You have not reacted with this reaction');
      }
      await emit(add ? 'community.discussion.reaction_added' : 'community.discussion.reaction_removed', scope, {
        discussion_id: discussion.id, space_id: space.id, contact_id: member.contact.id, reaction,
      });
    });
    return this.get(hubId, member, discussion.id);
  }

  /** A discussion of the hub in a live space the actor sees; anything else is 404. */
  private async visible(hubId: string, actor: Actor, discussionId: string): Promise<{ discussion: Discussion; space: Space }> {
    const discussion = await this.storage.discussions.get(hubId, discussionId);
    if (!discussion) throw new AppError('not_found', 'Discussion not found');
    try {
      const { space } = await this.spaces.visible(hubId, actor, discussion.space_id);
      return { discussion, space };
    } catch (e) {
      if (e instanceof AppError && e.code === 'not_found') throw new AppError('not_found', 'Discussion not found');
      throw e;
    }
  }

  private async root(hubId: string, discussion: Discussion): Promise<Discussion> {
    if (discussion.parent_id === null) return discussion;
    return (await this.storage.discussions.get(hubId, discussion.parent_id)) ?? discussion;
  }

  private checkOpen(discussion: Discussion, root: Discussion, what: string): void {
    if (discussion.deleted_at !== null || root.deleted_at !== null) throw new AppError('conflict', `You cannot ${what} a deleted discussion`);
    if (root.locked === 1) throw new AppError('conflict', `The discussion is locked: you cannot ${what} it`);
  }

  private async create(hubId: string, member: MemberActor, space: Space, parentId: string | null, title: string | null, body: string): Promise<DiscussionView> {
    const at = nowIso();
    const discussion: Discussion = {
      id: newId('dsc'), hub_id: hubId, space_id: space.id, parent_id: parentId, author_id: member.contact.id,
      title, body, locked: 0, pinned: 0, sort_key: uuidv7(), created_at: at, updated_at: at, deleted_at: null,
    };
    const scope = await this.hubs.spaceScope(space);
    await this.hubs.change(hubId, async (tx, emit) => {
      await tx.discussions.create(discussion);
      await emit('community.discussion.published', scope, {
        discussion_id: discussion.id, space_id: space.id, contact_id: member.contact.id, ...(parentId ? { parent_id: parentId } : {}),
      });
    });
    return { discussion, reactions: {}, myReactions: [] };
  }

  /** A write to one discussion and the event that reports it, in one transaction. */
  private async change(hubId: string, type: string, space: Space, discussion: Discussion, write: (tx: Repos) => Promise<void>): Promise<void> {
    const scope = await this.hubs.spaceScope(space);
    await this.hubs.change(hubId, async (tx, emit) => {
      await write(tx);
      await emit(type, scope, { discussion_id: discussion.id, space_id: space.id });
    });
  }

  private async views(rows: readonly Discussion[], actor: Actor): Promise<DiscussionView[]> {
    const reactions = await this.storage.discussions.reactions(rows.map((d) => d.id), actor.kind === 'contact' ? actor.contact.id : undefined);
    return rows.map((discussion) => {
      const r = reactions.get(discussion.id);
      return { discussion, reactions: r?.counts ?? {}, myReactions: r?.mine ?? [] };
    });
  }
}
