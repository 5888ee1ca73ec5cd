// Idempotency records: the first answer to a request made with an Idempotency-Key, kept so a retry
// gets the same answer instead of a second change. A record's scope says whose key it is. A record
// older than the retention is gone for every purpose, though the cleanup may not have deleted it yet:
// lookups skip it and a new request with its key takes its place. An answer may show a secret once (an
// API key, a webhook secret): answers are kept sealed once the storage has its key.
import type { Kysely, Selectable } from 'kysely';
import { SecretBox } from '../../util/secret-box.js';
import type { Database, IdempotencyTable } from '../schema.js';

export type IdempotencyRecord = Selectable<IdempotencyTable>;

/**
 * A key's record as read. `response` is undefined when its answer was recorded but cannot be opened
 * (sealed under another token secret): the answer is lost, though its change was applied.
 */
export type FoundIdempotencyRecord = Omit<IdempotencyRecord, 'response'> & { readonly response: string | undefined };

/** The box answers are sealed in: set once the token secret is known (Storage.sealAnswers). */
export interface AnswerSeal {
  box?: SecretBox;
}

/** The box for recorded answers: its own key, derived from the token secret like webhook secrets'. */
export function answerBox(serverSecret: string): SecretBox {
  return new SecretBox(serverSecret, 'idempotent answers');
}

export interface IdempotencyRepo {
  /** The key's record, unless it has outlived the retention. */
  find(scope: string, key: string): Promise<FoundIdempotencyRecord | undefined>;
  /** False when the key is already stored within the retention (an earlier or concurrent request has it). */
  save(record: IdempotencyRecord): Promise<boolean>;
  /** Records the answer of a request whose change committed together with its key. */
  complete(scope: string, key: string, statusCode: number, response: string): Promise<void>;
}

/** How long a key is remembered by default (CAPSTAN_IDEMPOTENCY_RETENTION_SECONDS). */
export const DEFAULT_IDEMPOTENCY_RETENTION_MS = 86_400_000;

export function idempotencyRepo(db: Kysely<Database>, retentionMs = DEFAULT_IDEMPOTENCY_RETENTION_MS, seal: AnswerSeal = {}): IdempotencyRepo {
  const expiredBefore = () => new Date(Date.now() - retentionMs).toISOString();
  // A claim's empty answer has nothing to hide; a plain answer (recorded before answers were sealed) is read as it is.
  const sealed = (response: string) => (seal.box && response !== '' ? seal.box.seal(response) : response);
  const opened = (response: string) => (SecretBox.isSealed(response) ? seal.box?.open(response) : response);
  return {
    async find(scope, key) {
      const row = await db.selectFrom('idempotency_keys').selectAll().where('scope', '=', scope).where('key', '=', key).where('created_at', '>=', expiredBefore()).executeTakeFirst();
      return row && { ...row, response: opened(row.response) };
    },
    async save(record) {
      // An expired record is replaced in the same statement: the row lock it takes (PostgreSQL) or the
      // single writer (SQLite) lets one of two racing requests have the key, the other sees it taken.
      const res = await db.insertInto('idempotency_keys').values({ ...record, response: sealed(record.response) })
        .onConflict((oc) => oc.columns(['scope', 'key']).doUpdateSet({
          request_hash: (eb) => eb.ref('excluded.request_hash'),
          status_code: (eb) => eb.ref('excluded.status_code'),
          response: (eb) => eb.ref('excluded.response'),
          created_at: (eb) => eb.ref('excluded.created_at'),
        }).where('idempotency_keys.created_at', '<', expiredBefore()))
        .executeTakeFirst();
      return Number(res.numInsertedOrUpdatedRows ?? 0n) > 0;
    },
    async complete(scope, key, statusCode, response) {
      await db.updateTable('idempotency_keys').set({ status_code: statusCode, response: sealed(response) }).where('scope', '=', scope).where('key', '=', key).where('status_code', '=', 0).execute();
    },
  };
}
