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

const HUB_BY_ID = new CompiledSql((id: string) => sql<Hub>`select * from hubs where id = ${id}`);

/**
 * Hubs read before, by id. Every publish to a hub reads its hub first, and nothing in Capstan updates
 * or deletes a hub row once it is created (its organization is never deleted either), so a hub read
 * once is read for good: what a later read would return cannot differ. Only committed hubs are
 * remembered (reads outside transactions), a hub not found is not (another node may create it), and
 * at most `capacity` are, oldest out first. Anything that comes to change or delete hubs must drop
 * this, or forget the hub it changes on every node.
 */
export class KnownHubs {
  private readonly hubs = new Map<string, Hub>();

  constructor(private readonly capacity = 10_000) {}

  get(id: string): Hub | undefined {
    return this.hubs.get(id);
  }

  remember(hub: Hub): void {
    if (this.hubs.size >= this.capacity && !this.hubs.has(hub.id)) this.hubs.delete(this.hubs.keys().next().value as string);
    this.hubs.set(hub.id, hub);
  }
}

/** `known` is given outside transactions only: a hub read inside one may yet roll back. */
export function hubRepo(db: Kysely<Database>, runner: QueryRunner, known?: KnownHubs): HubRepo {
  return {
    async create(hub) {
      await db.insertInto('hubs').values(hub).execute();
    },
    async get(id) {
      const remembered = known?.get(id);
      if (remembered) return { ...remembered };
      const hub = await runner.first(HUB_BY_ID, id);
      if (hub && known) known.remember({ ...hub });
      return hub;
    },
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
