// What the periodic cleanup removes from the database, a bounded batch per call. Every delete is
// safe to run on several nodes at once: on PostgreSQL the rows of a batch are taken with
// FOR UPDATE SKIP LOCKED, so concurrent runs share the work instead of waiting on (or deadlocking
// over) each other's rows; SQLite serializes writers anyway.
import { sql, type Kysely } from 'kysely';
import type { Driver } from '../connect.js';
import type { Database } from '../schema.js';

export interface CleanupRepo {
  /** Deletes up to `limit` idempotency records created before `beforeIso`; returns how many. */
  deleteIdempotencyBefore(beforeIso: string, limit: number): Promise<number>;
  /**
   * Deletes up to `limit` runs of `kinds` that ended (completed, failed or cancelled) before
   * `beforeIso`, with their stages, oldest first; returns how many runs.
   */
  deleteEndedRuns(kinds: readonly string[], beforeIso: string, limit: number): Promise<number>;
  /**
   * Deletes up to `limit` webhook deliveries that ended (succeeded, failed or cancelled) and last
   * changed before `beforeIso`, with their attempts, oldest first; returns how many deliveries.
   */
  deleteEndedDeliveries(beforeIso: string, limit: number): Promise<number>;
  /** Deletes up to `limit` console sessions that expired before `beforeIso`, oldest first; returns how many. */
  deleteExpiredConsoleSessions(beforeIso: string, limit: number): Promise<number>;
  /**
   * The subset of `keys` that a row still needs: a document's or an organizer file's blob, or the
   * upload, rendition or poster of a video not deleted, or deleted at or after `videoDeletedBeforeIso`.
   */
  referencedBlobKeys(keys: readonly string[], videoDeletedBeforeIso: string): Promise<Set<string>>;
}

const ENDED = ['completed', 'failed', 'cancelled'] as const;
/** Pending and delivering deliveries are still owed to their receiver and are never removed. */
const DELIVERY_ENDED = ['succeeded', 'failed', 'cancelled'] as const;

export function cleanupRepo(db: Kysely<Database>, driver: Driver): CleanupRepo {
  const skipLocked = driver === 'postgres' ? sql`for update skip locked` : sql``;
  return {
    async deleteIdempotencyBefore(beforeIso, limit) {
      const res = await sql`
        delete from idempotency_keys
        where (scope, key) in (
          select scope, key from idempotency_keys where created_at < ${beforeIso} limit ${limit} ${skipLocked}
        )`.execute(db);
      return Number(res.numAffectedRows ?? 0n);
    },

    async deleteEndedRuns(kinds, beforeIso, limit) {
      if (kinds.length === 0) return 0;
      // One statement, so it needs no transaction (two SQLite transactions that read before they write
      // fail with SQLITE_BUSY instead of waiting); the stages go by the schema's ON DELETE CASCADE,
      // which SQLite applies because every connection switches foreign keys on (storage/connect.ts).
      const res = await sql`
        delete from workflow_runs
        where id in (
          select id from workflow_runs
          where kind in (${sql.join(kinds)}) and status in (${sql.join(ENDED)}) and completed_at < ${beforeIso}
          order by completed_at, id
          limit ${limit} ${skipLocked}
        )`.execute(db);
      return Number(res.numAffectedRows ?? 0n);
    },

    async deleteEndedDeliveries(beforeIso, limit) {
      // Like the runs: one statement, the attempts going by ON DELETE CASCADE. A delivery retried by
      // hand is pending again (and newer), so it is out of reach until it ends anew.
      const res = await sql`
        delete from webhook_deliveries
        where id in (
          select id from webhook_deliveries
          where status in (${sql.join(DELIVERY_ENDED)}) and updated_at < ${beforeIso}
          order by updated_at, id
          limit ${limit} ${skipLocked}
        )`.execute(db);
      return Number(res.numAffectedRows ?? 0n);
    },

    async deleteExpiredConsoleSessions(beforeIso, limit) {
      const res = await sql`
        delete from console_sessions
        where id_hash in (
          select id_hash from console_sessions where expires_at < ${beforeIso} order by expires_at limit ${limit} ${skipLocked}
        )`.execute(db);
      return Number(res.numAffectedRows ?? 0n);
    },

    async referencedBlobKeys(keys, videoDeletedBeforeIso) {
      if (keys.length === 0) return new Set();
      const list = [...keys];
      const [documents, files, videos] = await Promise.all([
        db.selectFrom('documents').select('blob_key as key').where('blob_key', 'in', list).execute(),
        db.selectFrom('organizer_files').select('blob_key as key').where('blob_key', 'in', list).execute(),
        db
          .selectFrom('videos')
          .select(['s3_key', 'rendition_key', 'poster_key'])
          .where((eb) => eb.or([eb('s3_key', 'in', list), eb('rendition_key', 'in', list), eb('poster_key', 'in', list)]))
          .where((eb) => eb.or([eb('deleted_at', 'is', null), eb('deleted_at', '>=', videoDeletedBeforeIso)]))
          .execute(),
      ]);
      const referenced = new Set<string>();
      for (const row of [...documents, ...files]) if (row.key !== null) referenced.add(row.key);
      for (const row of videos) for (const key of [row.s3_key, row.rendition_key, row.poster_key]) if (key !== null) referenced.add(key);
      return referenced;
    },
  };
}
