// Developer apps and their secret / public key pairs (hashes only).
import type { Kysely, Selectable } from 'kysely';
import type { AppKeyTable, AppTable, Database } from '../schema.js';

export type App = Selectable<AppTable>;
export type AppKey = Selectable<AppKeyTable>;

export interface AppRepo {
  create(app: App): Promise<void>;
  get(id: string): Promise<App | undefined>;
  listForOrg(orgId: string): Promise<App[]>;
  addKey(key: AppKey): Promise<void>;
  findActiveKey(keyHash: string): Promise<{ key: AppKey; app: App } | undefined>;
  /** Renames the app or replaces its allowed origins; false when there is no such app. */
  update(id: string, patch: Partial<Pick<App, 'name' | 'allowed_origins' | 'updated_at'>>): Promise<boolean>;
  /** Every key of these apps, active and revoked, oldest first. */
  listKeys(appIds: readonly string[]): Promise<AppKey[]>;
  /** Revokes every active key of the app; returns their ids. */
  revokeKeys(appId: string, at: string): Promise<string[]>;
}

export function appRepo(db: Kysely<Database>): AppRepo {
  return {
    async create(app) {
      await db.insertInto('apps').values(app).execute();
    },
    get: (id) => db.selectFrom('apps').selectAll().where('id', '=', id).executeTakeFirst(),
    listForOrg: (orgId) => db.selectFrom('apps').selectAll().where('org_id', '=', orgId).orderBy('created_at').execute(),
    async addKey(key) {
      await db.insertInto('app_keys').values(key).execute();
    },
    async findActiveKey(keyHash) {
      const key = await db.selectFrom('app_keys').selectAll().where('key_hash', '=', keyHash).where('revoked_at', 'is', null).executeTakeFirst();
      if (!key) return undefined;
      const app = await db.selectFrom('apps').selectAll().where('id', '=', key.app_id).executeTakeFirst();
      return app ? { key, app } : undefined;
    },
    async update(id, patch) {
      const res = await db.updateTable('apps').set(patch).where('id', '=', id).executeTakeFirst();
      return Number(res.numUpdatedRows) > 0;
    },
    listKeys: async (appIds) =>
      appIds.length === 0 ? [] : db.selectFrom('app_keys').selectAll().where('app_id', 'in', [...appIds]).orderBy('created_at').orderBy('id').execute(),
    async revokeKeys(appId, at) {
      const rows = await db.updateTable('app_keys').set({ revoked_at: at }).where('app_id', '=', appId).where('revoked_at', 'is', null).returning('id').execute();
      return rows.map((r) => r.id);
    },
  };
}
