// The event log's rows: append, read after a cursor within one topic, prune by age.
import type { Kysely, Selectable } from 'kysely';
import type { Database, EventTable } from '../schema.js';

export type EventRow = Selectable<EventTable>;

export interface EventRepo {
  insert(row: EventRow): Promise<void>;
  /** Events of `topic` with id > `afterId` (all when undefined), oldest first. */
  readAfter(topic: string, afterId: string | undefined, limit: number): Promise<EventRow[]>;
  /** Deletes events whose id sorts before `beforeId` (a UUIDv7 floor for an instant). */
  deleteBefore(beforeId: string): Promise<number>;
}

export function eventRepo(db: Kysely<Database>): EventRepo {
  return {
    async insert(row) {
      await db.insertInto('events').values(row).execute();
    },
    readAfter(topic, afterId, limit) {
      let q = db.selectFrom('events').selectAll().where('topic', '=', topic);
      if (afterId) q = q.where('id', '>', afterId);
      return q.orderBy('id').limit(limit).execute();
    },
    async deleteBefore(beforeId) {
      const res = await db.deleteFrom('events').where('id', '<', beforeId).executeTakeFirst();
      return Number(res.numDeletedRows);
    },
  };
}
