// Organizations and their API keys (stored as SHA-256 hashes only).
import type { Kysely, Selectable } from 'kysely';
import type { Database, OrgKeyTable, OrgTable } from '../schema.js';

export type Org = Selectable<OrgTable>;
export type OrgKey = Selectable<OrgKeyTable>;

export interface OrgRepo {
  create(org: Org): Promise<void>;
  get(id: string): Promise<Org | undefined>;
  list(limit: number, offset: number): Promise<Org[]>;
  addKey(key: OrgKey): Promise<void>;
  listKeys(orgId: string): Promise<OrgKey[]>;
  /** The active (not revoked) key with this hash, with its organization. */
  findActiveKey(keyHash: string): Promise<{ key: OrgKey; org: Org } | undefined>;
  /** Marks the key revoked; false when no active key of that organization has the id. */
  revokeKey(orgId: string, keyId: string, at: string): Promise<boolean>;
}

export function orgRepo(db: Kysely<Database>): OrgRepo {
  return {
    async create(org) {
      await db.insertInto('orgs').values(org).execute();
    },
    get: (id) => db.selectFrom('orgs').selectAll().where('id', '=', id).executeTakeFirst(),
    list: (limit, offset) => db.selectFrom('orgs').selectAll().orderBy('created_at').orderBy('id').limit(limit).offset(offset).execute(),
    async addKey(key) {
      await db.insertInto('org_keys').values(key).execute();
    },
    listKeys: (orgId) => db.selectFrom('org_keys').selectAll().where('org_id', '=', orgId).orderBy('created_at').execute(),
    async findActiveKey(keyHash) {
      const key = await db
        .selectFrom('org_keys')
        .selectAll()
        .where('key_hash', '=', keyHash)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      if (!key) return undefined;
      const org = await db.selectFrom('orgs').selectAll().where('id', '=', key.org_id).executeTakeFirst();
      return org ? { key, org } : undefined;
    },
    async revokeKey(orgId, keyId, at) {
      const res = await db
        .updateTable('org_keys')
        .set({ revoked_at: at })
        .where('id', '=', keyId)
        .where('org_id', '=', orgId)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      return Number(res.numUpdatedRows) > 0;
    },
  };
}
