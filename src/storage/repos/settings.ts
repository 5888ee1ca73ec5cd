// Server-wide settings kept in storage so every node that shares it agrees (e.g. the token secret).
import type { Kysely } from 'kysely';
import type { Database } from '../schema.js';

export interface SettingsRepo {
  get(key: string): Promise<string | undefined>;
  /** Stores the value unless the key exists; returns whichever value is stored afterwards. */
  getOrInit(key: string, value: string): Promise<string>;
}

export function settingsRepo(db: Kysely<Database>): SettingsRepo {
  const get = async (key: string) => (await db.selectFrom('settings').select('value').where('key', '=', key).executeTakeFirst())?.value;
  return {
    get,
    async getOrInit(key, value) {
      await db.insertInto('settings').values({ key, value }).onConflict((oc) => oc.column('key').doNothing()).execute();
      const stored = await get(key);
      if (stored === undefined) throw new Error(`setting ${key} could not be stored`);
      return stored;
    },
  };
}
