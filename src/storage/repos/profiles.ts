// Community profiles: what a member tells the hub about itself beyond its contact name.
import type { Kysely, Selectable } from 'kysely';
import type { ContactProfileTable, Database } from '../schema.js';

export type ContactProfile = Selectable<ContactProfileTable>;

export interface ProfileRepo {
  get(contactId: string): Promise<ContactProfile | undefined>;
  /** Writes the profile and, when given, the contact's name. */
  save(profile: ContactProfile, name: string | undefined): Promise<void>;
}

export function profileRepo(db: Kysely<Database>): ProfileRepo {
  return {
    get: (contactId) => db.selectFrom('contact_profiles').selectAll().where('contact_id', '=', contactId).executeTakeFirst(),
    async save(profile, name) {
      const { contact_id: _id, ...fields } = profile;
      await db.insertInto('contact_profiles').values(profile).onConflict((oc) => oc.column('contact_id').doUpdateSet(fields)).execute();
      if (name !== undefined) await db.updateTable('contacts').set({ name, updated_at: profile.updated_at }).where('id', '=', profile.contact_id).execute();
    },
  };
}
