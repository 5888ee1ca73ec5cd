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
  /** How many of the organization's keys are not revoked. */
  countActiveKeys(orgId: string): Promise<number>;
  /** Whether the organization has this key, not revoked. */
  hasActiveKey(orgId: string, keyId: string): Promise<boolean>;
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
      // One round trip: every request with an organization key runs this.
      const row = await db
        .selectFrom('org_keys')
        .innerJoin('orgs', 'orgs.id', 'org_keys.org_id')
        .select([
          'org_keys.id as key_id', 'org_keys.org_id as key_org_id', 'org_keys.mode', 'org_keys.display', 'org_keys.key_hash',
          'org_keys.created_at as key_created_at', 'org_keys.revoked_at',
          'orgs.id', 'orgs.name', 'orgs.credits_micro', 'orgs.created_at', 'orgs.updated_at',
        ])
        .where('org_keys.key_hash', '=', keyHash)
        .where('org_keys.revoked_at', 'is', null)
        .executeTakeFirst();
      if (!row) return undefined;
      return {
        key: { id: row.key_id, org_id: row.key_org_id, mode: row.mode, display: row.display, key_hash: row.key_hash, created_at: row.key_created_at, revoked_at: row.revoked_at },
        org: { id: row.id, name: row.name, credits_micro: row.credits_micro, created_at: row.created_at, updated_at: row.updated_at },
      };
    },
    async countActiveKeys(orgId) {
      const row = await db.selectFrom('org_keys').select((eb) => eb.fn.countAll().as('n')).where('org_id', '=', orgId).where('revoked_at', 'is', null).executeTakeFirst();
      return Number(row?.n ?? 0);
    },
    async hasActiveKey(orgId, keyId) {
      const row = await db.selectFrom('org_keys').select('id').where('id', '=', keyId).where('org_id', '=', orgId).where('revoked_at', 'is', null).executeTakeFirst();
      return row !== undefined;
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
