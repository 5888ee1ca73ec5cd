// Videos of developer apps. Reads by app never see another app's video, nor a soft-deleted one.
import { sql, type Kysely, type Selectable } from 'kysely';
import type { Database, VideoTable } from '../schema.js';

export type VideoRow = Selectable<VideoTable>;
export type VideoState = VideoRow['state'];

export interface VideoListQuery {
  readonly externalUserId?: string;
  readonly limit: number;
  readonly offset: number;
}

export interface VideoRepo {
  create(video: VideoRow): Promise<void>;
  /** The app's own live video: another app's id, or a deleted video, is simply not found. */
  get(appId: string, id: string): Promise<VideoRow | undefined>;
  /** Any video, deleted ones included (workflows, pages check deleted_at themselves). */
  getById(id: string): Promise<VideoRow | undefined>;
  list(appId: string, query: VideoListQuery): Promise<VideoRow[]>;
  update(id: string, patch: Partial<Omit<VideoRow, 'id' | 'org_id' | 'app_id'>>): Promise<void>;
  /**
   * Applies `patch` only while the live video is in one of `states` (and, when given, holds
   * `uploadId`): the compare-and-set that keeps two completes of one upload from both winning.
   * `deletedToo` also matches a deleted video (settling what a delete interrupted); `unbilled` only
   * one not billed yet.
   */
  updateIf(id: string, where: { readonly states: readonly VideoState[]; readonly uploadId?: string | null; readonly deletedToo?: boolean; readonly unbilled?: boolean }, patch: Partial<Omit<VideoRow, 'id' | 'org_id' | 'app_id'>>): Promise<boolean>;
  /** Videos (deleted ones too) left in `completing` since before `beforeIso`: their complete died half-way. */
  stuckCompleting(beforeIso: string, limit: number): Promise<VideoRow[]>;
  /** Live videos of the app and the sum of their known durations (seconds). */
  usage(appId: string): Promise<{ count: number; durationSeconds: number }>;
}

export function videoRepo(db: Kysely<Database>): VideoRepo {
  return {
    async create(video) {
      await db.insertInto('videos').values(video).execute();
    },
    get: (appId, id) => db.selectFrom('videos').selectAll().where('app_id', '=', appId).where('id', '=', id).where('deleted_at', 'is', null).executeTakeFirst(),
    getById: (id) => db.selectFrom('videos').selectAll().where('id', '=', id).executeTakeFirst(),
    list(appId, query) {
      let q = db.selectFrom('videos').selectAll().where('app_id', '=', appId).where('deleted_at', 'is', null);
      if (query.externalUserId !== undefined) q = q.where('external_user_id', '=', query.externalUserId);
      return q.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(query.limit).offset(query.offset).execute();
    },
    async update(id, patch) {
      await db.updateTable('videos').set(patch).where('id', '=', id).execute();
    },
    async updateIf(id, where, patch) {
      let q = db.updateTable('videos').set(patch).where('id', '=', id).where('state', 'in', [...where.states]);
      if (!where.deletedToo) q = q.where('deleted_at', 'is', null);
      if (where.unbilled) q = q.where('cost_micro', 'is', null);
      if (where.uploadId === null) q = q.where('upload_id', 'is', null);
      else if (where.uploadId !== undefined) q = q.where('upload_id', '=', where.uploadId);
      const res = await q.executeTakeFirst();
      return Number(res.numUpdatedRows) > 0;
    },
    stuckCompleting: (beforeIso, limit) =>
      db.selectFrom('videos').selectAll().where('state', '=', 'completing').where('updated_at', '<', beforeIso).orderBy('updated_at').limit(limit).execute(),
    async usage(appId) {
      const row = await db
        .selectFrom('videos')
        .select([sql<number>`count(*)`.as('count'), sql<number | null>`sum(duration)`.as('duration')])
        .where('app_id', '=', appId)
        .where('deleted_at', 'is', null)
        .executeTakeFirst();
      return { count: Number(row?.count ?? 0), durationSeconds: Number(row?.duration ?? 0) };
    },
  };
}
