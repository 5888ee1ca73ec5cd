// The hub access model: segments, spaces (restricted ones granted by segments) and contact membership.
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
  };
}
