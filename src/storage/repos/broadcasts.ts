// Broadcast posts: an admin's announcement to the whole hub.
import type { Kysely, Selectable } from 'kysely';
import type { BroadcastTable, Database } from '../schema.js';

export type Broadcast = Selectable<BroadcastTable>;

export interface BroadcastRepo {
  create(broadcast: Broadcast): Promise<void>;
  /** Newest first. */
  list(hubId: string, limit: number, offset: number): Promise<Broadcast[]>;
}

export function broadcastRepo(db: Kysely<Database>): BroadcastRepo {
  return {
    async create(broadcast) {
      await db.insertInto('broadcasts').values(broadcast).execute();
    },
    list: (hubId, limit, offset) => db.selectFrom('broadcasts').selectAll().where('hub_id', '=', hubId).orderBy('sort_key', 'desc').limit(limit).offset(offset).execute(),
  };
}
