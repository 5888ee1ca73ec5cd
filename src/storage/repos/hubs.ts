// Community hubs and their contacts.
import { sql, type Kysely, type Selectable } from 'kysely';
import { CompiledSql, type QueryRunner } from '../prepared.js';
import type { ContactTable, Database, HubTable } from '../schema.js';

export type Hub = Selectable<HubTable>;
export type Contact = Selectable<ContactTable>;

export interface HubRepo {
  create(hub: Hub): Promise<void>;
  get(id: string): Promise<Hub | undefined>;
  listForOrg(orgId: string): Promise<Hub[]>;
  addContact(contact: Contact): Promise<void>;
  getContact(hubId: string, contactId: string): Promise<Contact | undefined>;
  listContacts(hubId: string, limit: number, offset: number): Promise<Contact[]>;
  setContactStatus(hubId: string, contactId: string, status: Contact['status'], at: string): Promise<boolean>;
  setContactRole(hubId: string, contactId: string, role: Contact['role'], at: string): Promise<boolean>;
}

/** Every publish to a hub reads its hub first. */
const HUB_BY_ID = new CompiledSql((id: string) => sql<Hub>`select * from hubs where id = ${id}`);

export function hubRepo(db: Kysely<Database>, runner: QueryRunner): HubRepo {
  return {
    async create(hub) {
      await db.insertInto('hubs').values(hub).execute();
    },
    get: (id) => runner.first(HUB_BY_ID, id),
    listForOrg: (orgId) => db.selectFrom('hubs').selectAll().where('org_id', '=', orgId).orderBy('created_at').execute(),
    async addContact(contact) {
      await db.insertInto('contacts').values(contact).execute();
    },
    getContact: (hubId, contactId) =>
      db.selectFrom('contacts').selectAll().where('hub_id', '=', hubId).where('id', '=', contactId).executeTakeFirst(),
    listContacts: (hubId, limit, offset) =>
      db.selectFrom('contacts').selectAll().where('hub_id', '=', hubId).orderBy('created_at').orderBy('id').limit(limit).offset(offset).execute(),
    async setContactStatus(hubId, contactId, status, at) {
      const res = await db.updateTable('contacts').set({ status, updated_at: at }).where('hub_id', '=', hubId).where('id', '=', contactId).executeTakeFirst();
      return Number(res.numUpdatedRows) > 0;
    },
    async setContactRole(hubId, contactId, role, at) {
      const res = await db.updateTable('contacts').set({ role, updated_at: at }).where('hub_id', '=', hubId).where('id', '=', contactId).executeTakeFirst();
      return Number(res.numUpdatedRows) > 0;
    },
  };
}
