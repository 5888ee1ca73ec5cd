// Documents of an organization.
import type { Kysely, Selectable } from 'kysely';
import type { Database, DocumentTable } from '../schema.js';

export type DocumentRow = Selectable<DocumentTable>;

export interface DocumentRepo {
  create(doc: DocumentRow): Promise<void>;
  /** Only the organization's own document: another tenant's id is simply not found. */
  get(orgId: string, id: string): Promise<DocumentRow | undefined>;
  getById(id: string): Promise<DocumentRow | undefined>;
  /** The organization's documents among `ids`, in one query (ids it does not own are absent). */
  getMany(orgId: string, ids: readonly string[]): Promise<DocumentRow[]>;
  list(orgId: string, limit: number, offset: number): Promise<DocumentRow[]>;
  /** The organization's latest documents, newest first. */
  latestIds(orgId: string, limit: number): Promise<string[]>;
  update(id: string, patch: Partial<Omit<DocumentRow, 'id' | 'org_id'>>): Promise<void>;
}

export function documentRepo(db: Kysely<Database>): DocumentRepo {
  return {
    async create(doc) {
      await db.insertInto('documents').values(doc).execute();
    },
    get: (orgId, id) => db.selectFrom('documents').selectAll().where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst(),
    getById: (id) => db.selectFrom('documents').selectAll().where('id', '=', id).executeTakeFirst(),
    getMany: async (orgId, ids) => (ids.length === 0 ? [] : db.selectFrom('documents').selectAll().where('org_id', '=', orgId).where('id', 'in', [...ids]).execute()),
    list: (orgId, limit, offset) => db.selectFrom('documents').selectAll().where('org_id', '=', orgId).orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit).offset(offset).execute(),
    async latestIds(orgId, limit) {
      return (await db.selectFrom('documents').select('id').where('org_id', '=', orgId).orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit).execute()).map((r) => r.id);
    },
    async update(id, patch) {
      await db.updateTable('documents').set(patch).where('id', '=', id).execute();
    },
  };
}
