// Operator console sessions, by the digest of their cookie value. One SQL operation per method; the
// cleanup removes expired rows (repos/cleanup.ts), so a lookup never has to.
import type { Kysely, Selectable } from 'kysely';
import type { ConsoleSessionTable, Database } from '../schema.js';

export type ConsoleSessionRow = Selectable<ConsoleSessionTable>;

export interface ConsoleSessionRepo {
  create(row: ConsoleSessionRow): Promise<void>;
  get(idHash: string): Promise<ConsoleSessionRow | undefined>;
  /** Records use; only a row last seen before `seenBefore` is written, so busy sessions write rarely. */
  touch(idHash: string, at: string, seenBefore: string): Promise<void>;
  /** False when there was no such session. */
  delete(idHash: string): Promise<boolean>;
}

export function consoleSessionRepo(db: Kysely<Database>): ConsoleSessionRepo {
  return {
    async create(row) {
      await db.insertInto('console_sessions').values(row).execute();
    },
    get: (idHash) => db.selectFrom('console_sessions').selectAll().where('id_hash', '=', idHash).executeTakeFirst(),
    async touch(idHash, at, seenBefore) {
      await db.updateTable('console_sessions').set({ last_seen_at: at }).where('id_hash', '=', idHash).where('last_seen_at', '<', seenBefore).execute();
    },
    async delete(idHash) {
      const res = await db.deleteFrom('console_sessions').where('id_hash', '=', idHash).executeTakeFirst();
      return Number(res.numDeletedRows) > 0;
    },
  };
}
