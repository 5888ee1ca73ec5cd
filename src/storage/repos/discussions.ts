// Discussions in spaces (a reply is a discussion with a parent) and their reactions. Deleting keeps a
// tombstone: the row stays, its text is cleared and deleted_at is set.
import type { Kysely, Selectable } from 'kysely';
import type { Database, DiscussionTable } from '../schema.js';

export type Discussion = Selectable<DiscussionTable>;
export type DiscussionFlag = 'locked' | 'pinned';

export interface DiscussionRepo {
  create(discussion: Discussion): Promise<void>;
  /** Any discussion of the hub, tombstones included; undefined for another hub's. */
  get(hubId: string, id: string): Promise<Discussion | undefined>;
  /** Top-level discussions of a space: pinned first, then newest first. */
  listInSpace(spaceId: string, limit: number, offset: number): Promise<Discussion[]>;
  /** Replies to a discussion, oldest first. */
  listReplies(parentId: string, limit: number, offset: number): Promise<Discussion[]>;
  /** Edits a live discussion; false when it is a tombstone. */
  update(id: string, patch: { title?: string; body?: string; updated_at: string }): Promise<boolean>;
  /** Tombstones a live discussion; false when it already was one. */
  tombstone(id: string, at: string): Promise<boolean>;
  /** Sets a flag to `value` on a live discussion; false when it already had that value (or is a tombstone). */
  setFlag(id: string, flag: DiscussionFlag, value: boolean, at: string): Promise<boolean>;
  /** False when this contact already reacted this way. */
  addReaction(discussionId: string, contactId: string, reaction: string, at: string): Promise<boolean>;
  /** False when there was no such reaction. */
  removeReaction(discussionId: string, contactId: string, reaction: string): Promise<boolean>;
  /** Reaction counts per discussion, and the ones `contactId` made. */
  reactions(discussionIds: readonly string[], contactId: string | undefined): Promise<Map<string, { counts: Record<string, number>; mine: string[] }>>;
}

export function discussionRepo(db: Kysely<Database>): DiscussionRepo {
  return {
    async create(discussion) {
      await db.insertInto('discussions').values(discussion).execute();
    },
    get: (hubId, id) => db.selectFrom('discussions').selectAll().where('hub_id', '=', hubId).where('id', '=', id).executeTakeFirst(),
    listInSpace: (spaceId, limit, offset) =>
      db.selectFrom('discussions').selectAll().where('space_id', '=', spaceId).where('parent_id', 'is', null)
        .orderBy('pinned', 'desc').orderBy('sort_key', 'desc').limit(limit).offset(offset).execute(),
    listReplies: (parentId, limit, offset) =>
      db.selectFrom('discussions').selectAll().where('parent_id', '=', parentId).orderBy('sort_key').limit(limit).offset(offset).execute(),
    async update(id, patch) {
      const res = await db.updateTable('discussions').set(patch).where('id', '=', id).where('deleted_at', 'is', null).executeTakeFirst();
      return Number(res.numUpdatedRows) > 0;
    },
    async tombstone(id, at) {
      const res = await db.updateTable('discussions').set({ title: null, body: null, deleted_at: at, updated_at: at }).where('id', '=', id).where('deleted_at', 'is', null).executeTakeFirst();
      return Number(res.numUpdatedRows) > 0;
    },
    async setFlag(id, flag, value, at) {
      const to = value ? 1 : 0;
      const res = await db.updateTable('discussions').set(flag === 'locked' ? { locked: to, updated_at: at } : { pinned: to, updated_at: at })
        .where('id', '=', id).where('deleted_at', 'is', null).where(flag, '=', 1 - to).executeTakeFirst();
      return Number(res.numUpdatedRows) > 0;
    },
    async addReaction(discussionId, contactId, reaction, at) {
      const res = await db.insertInto('discussion_reactions').values({ discussion_id: discussionId, contact_id: contactId, reaction, created_at: at }).onConflict((oc) => oc.doNothing()).executeTakeFirst();
      return Number(res.numInsertedOrUpdatedRows ?? 0) > 0;
    },
    async removeReaction(discussionId, contactId, reaction) {
      const res = await db.deleteFrom('discussion_reactions').where('discussion_id', '=', discussionId).where('contact_id', '=', contactId).where('reaction', '=', reaction).executeTakeFirst();
      return Number(res.numDeletedRows) > 0;
    },
    async reactions(discussionIds, contactId) {
      const out = new Map<string, { counts: Record<string, number>; mine: string[] }>();
      for (const id of discussionIds) out.set(id, { counts: {}, mine: [] });
      if (discussionIds.length === 0) return out;
      const rows = await db.selectFrom('discussion_reactions').select(['discussion_id', 'contact_id', 'reaction']).where('discussion_id', 'in', [...discussionIds]).orderBy('created_at').execute();
      for (const r of rows) {
        const entry = out.get(r.discussion_id);
        if (!entry) continue;
        entry.counts[r.reaction] = (entry.counts[r.reaction] ?? 0) + 1;
        if (r.contact_id === contactId) entry.mine.push(r.reaction);
      }
      return out;
    },
  };
}
