// Idempotency records: the first answer to a request made with an Idempotency-Key, kept so a retry
// gets the same answer instead of a second change. A record's scope says whose key it is.
import type { Kysely, Selectable } from 'kysely';
import type { Database, IdempotencyTable } from '../schema.js';

export type IdempotencyRecord = Selectable<IdempotencyTable>;

export interface IdempotencyRepo {
  find(scope: string, key: string): Promise<IdempotencyRecord | undefined>;
  /** False when the key is already stored (an earlier or concurrent request has it). */
  save(record: IdempotencyRecord): Promise<boolean>;
  /** Records the answer of a request whose change committed together with its key. */
  complete(scope: string, key: string, statusCode: number, response: string): Promise<void>;
}

export function idempotencyRepo(db: Kysely<Database>): IdempotencyRepo {
  return {
    find: (scope, key) => db.selectFrom('idempotency_keys').selectAll().where('scope', '=', scope).where('key', '=', key).executeTakeFirst(),
    async save(record) {
      const res = await db.insertInto('idempotency_keys').values(record).onConflict((oc) => oc.columns(['scope', 'key']).doNothing()).executeTakeFirst();
      return Number(res.numInsertedOrUpdatedRows ?? 0n) > 0;
    },
    async complete(scope, key, statusCode, response) {
      await db.updateTable('idempotency_keys').set({ status_code: statusCode, response }).where('scope', '=', scope).where('key', '=', key).where('status_code', '=', 0).execute();
    },
  };
}
