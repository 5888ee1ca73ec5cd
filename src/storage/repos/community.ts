// The hub access model: segments, spaces (restricted ones granted by segments), contact segments, and
// who joined or is muted in a space.
import type { Kysely, Selectable } from 'kysely';
import type { Database, SegmentTable, SpaceTable } from '../schema.js';

export type Segment = Selectable<SegmentTable>;
export type Space = Selectable<SpaceTable>;

export interface CommunityRepo {
  createSegment(segment: Segment): Promise<void>;
  listSegments(hubId: string): Promise<Segment[]>;
  createSpace(space: Space, segmentIds: readonly string[]): Promise<void>;
  getSpace(hubId: string, spaceId: string): Promise<Space | undefined>;
  spaceSegments(spaceId: string): Promise<string[]>;
  contactSegments(contactId: string): Promise<string[]>;
  setContactSegments(contactId: string, segmentIds: readonly string[]): Promise<void>;
  /** Live spaces of the hub, oldest first; with `segmentIds`, only open spaces and those they grant. */
  listSpaces(hubId: string, segmentIds: readonly string[] | undefined, limit: number, offset: number): Promise<Space[]>;
  updateSpace(spaceId: string, patch: { name?: string; restricted?: number; updated_at: string }): Promise<void>;
  setSpaceSegments(spaceId: string, segmentIds: readonly string[]): Promise<void>;
  /** Soft delete: false when the space was already gone. */
  deleteSpace(spaceId: string, at: string): Promise<boolean>;
  /** False when the contact had already joined. */
  joinSpace(spaceId: string, contactId: string, at: string): Promise<boolean>;
  /** False when the contact had not joined. */
  leaveSpace(spaceId: string, contactId: string): Promise<boolean>;
  isSpaceMember(spaceId: string, contactId: string): Promise<boolean>;
  /** Of `spaceIds`, those the contact joined. */
  joinedSpaces(contactId: string, spaceIds: readonly string[]): Promise<Set<string>>;
  /** False when the contact was already muted there. */
  mute(spaceId: string, contactId: string, mutedBy: string | null, at: string): Promise<boolean>;
  /** False when the contact was not muted there. */
  unmute(spaceId: string, contactId: string): Promise<boolean>;
  isMuted(spaceId: string, contactId: string): Promise<boolean>;
}

export function communityRepo(db: Kysely<Database>): CommunityRepo {
  return {
    async createSegment(segment) {
      await db.insertInto('segments').values(segment).execute();
    },
    listSegments: (hubId) => db.selectFrom('segments').selectAll().where('hub_id', '=', hubId).orderBy('created_at').execute(),
    async createSpace(space, segmentIds) {
      await db.insertInto('spaces').values(space).execute();
      if (segmentIds.length > 0) await db.insertInto('space_segments').values(segmentIds.map((segment_id) => ({ space_id: space.id, segment_id }))).execute();
    },
    getSpace: (hubId, spaceId) => db.selectFrom('spaces').selectAll().where('hub_id', '=', hubId).where('id', '=', spaceId).where('deleted_at', 'is', null).executeTakeFirst(),
    async spaceSegments(spaceId) {
      return (await db.selectFrom('space_segments').select('segment_id').where('space_id', '=', spaceId).execute()).map((r) => r.segment_id);
    },
    async contactSegments(contactId) {
      return (await db.selectFrom('contact_segments').select('segment_id').where('contact_id', '=', contactId).execute()).map((r) => r.segment_id);
    },
    async setContactSegments(contactId, segmentIds) {
      await db.deleteFrom('contact_segments').where('contact_id', '=', contactId).execute();
      if (segmentIds.length > 0) await db.insertInto('contact_segments').values(segmentIds.map((segment_id) => ({ contact_id: contactId, segment_id }))).execute();
    },
    listSpaces(hubId, segmentIds, limit, offset) {
      let q = db.selectFrom('spaces').selectAll().where('hub_id', '=', hubId).where('deleted_at', 'is', null);
      if (segmentIds !== undefined) {
        const granted = [...segmentIds];
        q = q.where((eb) =>
          granted.length === 0
            ? eb('restricted', '=', 0)
            : eb.or([
              eb('restricted', '=', 0),
              eb.exists(eb.selectFrom('space_segments').select('space_segments.space_id').whereRef('space_segments.space_id', '=', 'spaces.id').where('space_segments.segment_id', 'in', granted)),
            ]));
      }
      return q.orderBy('created_at').orderBy('id').limit(limit).offset(offset).execute();
    },
    async updateSpace(spaceId, patch) {
      await db.updateTable('spaces').set(patch).where('id', '=', spaceId).execute();
    },
    async setSpaceSegments(spaceId, segmentIds) {
      await db.deleteFrom('space_segments').where('space_id', '=', spaceId).execute();
      if (segmentIds.length > 0) await db.insertInto('space_segments').values(segmentIds.map((segment_id) => ({ space_id: spaceId, segment_id }))).execute();
    },
    async deleteSpace(spaceId, at) {
      const res = await db.updateTable('spaces').set({ deleted_at: at, updated_at: at }).where('id', '=', spaceId).where('deleted_at', 'is', null).executeTakeFirst();
      return Number(res.numUpdatedRows) > 0;
    },
    async joinSpace(spaceId, contactId, at) {
      const res = await db.insertInto('space_members').values({ space_id: spaceId, contact_id: contactId, joined_at: at }).onConflict((oc) => oc.doNothing()).executeTakeFirst();
      return Number(res.numInsertedOrUpdatedRows ?? 0) > 0;
    },
    async leaveSpace(spaceId, contactId) {
      const res = await db.deleteFrom('space_members').where('space_id', '=', spaceId).where('contact_id', '=', contactId).executeTakeFirst();
      return Number(res.numDeletedRows) > 0;
    },
    async isSpaceMember(spaceId, contactId) {
      return (await db.selectFrom('space_members').select('space_id').where('space_id', '=', spaceId).where('contact_id', '=', contactId).executeTakeFirst()) !== undefined;
    },
    async joinedSpaces(contactId, spaceIds) {
      if (spaceIds.length === 0) return new Set();
      const rows = await db.selectFrom('space_members').select('space_id').where('contact_id', '=', contactId).where('space_id', 'in', [...spaceIds]).execute();
      return new Set(rows.map((r) => r.space_id));
    },
    async mute(spaceId, contactId, mutedBy, at) {
      const res = await db.insertInto('space_mutes').values({ space_id: spaceId, contact_id: contactId, muted_by: mutedBy, created_at: at }).onConflict((oc) => oc.doNothing()).executeTakeFirst();
      return Number(res.numInsertedOrUpdatedRows ?? 0) > 0;
    },
    async unmute(spaceId, contactId) {
      const res = await db.deleteFrom('space_mutes').where('space_id', '=', spaceId).where('contact_id', '=', contactId).executeTakeFirst();
      return Number(res.numDeletedRows) > 0;
    },
    async isMuted(spaceId, contactId) {
      return (await db.selectFrom('space_mutes').select('space_id').where('space_id', '=', spaceId).where('contact_id', '=', contactId).executeTakeFirst()) !== undefined;
    },
  };
}
