// The community hub's content: space membership and mutes, discussions (replies are discussions with a
// parent) and their reactions, profiles, DM conversations and messages, and broadcasts. Deleted
// discussions and messages stay as tombstones (deleted_at set, text cleared).
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('space_members')
    .addColumn('space_id', 'varchar(64)', (c) => c.notNull().references('spaces.id').onDelete('cascade'))
    .addColumn('contact_id', 'varchar(64)', (c) => c.notNull().references('contacts.id').onDelete('cascade'))
    .addColumn('joined_at', 'varchar(32)', (c) => c.notNull())
    .addPrimaryKeyConstraint('space_members_pk', ['space_id', 'contact_id'])
    .execute();
  await db.schema.createIndex('space_members_contact').on('space_members').column('contact_id').execute();

  await db.schema
    .createTable('space_mutes')
    .addColumn('space_id', 'varchar(64)', (c) => c.notNull().references('spaces.id').onDelete('cascade'))
    .addColumn('contact_id', 'varchar(64)', (c) => c.notNull().references('contacts.id').onDelete('cascade'))
    .addColumn('muted_by', 'varchar(64)')
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .addPrimaryKeyConstraint('space_mutes_pk', ['space_id', 'contact_id'])
    .execute();

  await db.schema
    .createTable('discussions')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('hub_id', 'varchar(64)', (c) => c.notNull().references('hubs.id').onDelete('cascade'))
    .addColumn('space_id', 'varchar(64)', (c) => c.notNull().references('spaces.id').onDelete('cascade'))
    .addColumn('parent_id', 'varchar(64)', (c) => c.references('discussions.id').onDelete('cascade'))
    .addColumn('author_id', 'varchar(64)', (c) => c.notNull().references('contacts.id').onDelete('cascade'))
    .addColumn('title', 'text')
    .addColumn('body', 'text')
    .addColumn('locked', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('pinned', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('sort_key', 'varchar(36)', (c) => c.notNull())
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('updated_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('deleted_at', 'varchar(32)')
    .execute();
  await db.schema.createIndex('discussions_space').on('discussions').columns(['space_id', 'parent_id', 'sort_key']).execute();
  await db.schema.createIndex('discussions_parent').on('discussions').columns(['parent_id', 'sort_key']).execute();

  await db.schema
    .createTable('discussion_reactions')
    .addColumn('discussion_id', 'varchar(64)', (c) => c.notNull().references('discussions.id').onDelete('cascade'))
    .addColumn('contact_id', 'varchar(64)', (c) => c.notNull().references('contacts.id').onDelete('cascade'))
    .addColumn('reaction', 'varchar(32)', (c) => c.notNull())
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .addPrimaryKeyConstraint('discussion_reactions_pk', ['discussion_id', 'contact_id', 'reaction'])
    .execute();

  await db.schema
    .createTable('contact_profiles')
    .addColumn('contact_id', 'varchar(64)', (c) => c.primaryKey().references('contacts.id').onDelete('cascade'))
    .addColumn('bio', 'text')
    .addColumn('avatar_url', 'text')
    .addColumn('updated_at', 'varchar(32)', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('conversations')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('hub_id', 'varchar(64)', (c) => c.notNull().references('hubs.id').onDelete('cascade'))
    .addColumn('kind', 'varchar(8)', (c) => c.notNull())
    .addColumn('name', 'text')
    .addColumn('created_by', 'varchar(64)', (c) => c.notNull())
    .addColumn('activity_key', 'varchar(36)', (c) => c.notNull())
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('updated_at', 'varchar(32)', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('conversation_members')
    .addColumn('conversation_id', 'varchar(64)', (c) => c.notNull().references('conversations.id').onDelete('cascade'))
    .addColumn('contact_id', 'varchar(64)', (c) => c.notNull().references('contacts.id').onDelete('cascade'))
    .addColumn('joined_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('left_at', 'varchar(32)')
    .addColumn('last_read_message_id', 'varchar(64)')
    .addPrimaryKeyConstraint('conversation_members_pk', ['conversation_id', 'contact_id'])
    .execute();
  await db.schema.createIndex('conversation_members_contact').on('conversation_members').column('contact_id').execute();

  await db.schema
    .createTable('messages')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('conversation_id', 'varchar(64)', (c) => c.notNull().references('conversations.id').onDelete('cascade'))
    .addColumn('author_id', 'varchar(64)', (c) => c.notNull().references('contacts.id').onDelete('cascade'))
    .addColumn('body', 'text')
    .addColumn('sort_key', 'varchar(36)', (c) => c.notNull())
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('edited_at', 'varchar(32)')
    .addColumn('deleted_at', 'varchar(32)')
    .execute();
  await db.schema.createIndex('messages_conversation').on('messages').columns(['conversation_id', 'sort_key']).execute();

  await db.schema
    .createTable('broadcasts')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('hub_id', 'varchar(64)', (c) => c.notNull().references('hubs.id').onDelete('cascade'))
    .addColumn('author_id', 'varchar(64)')
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('sort_key', 'varchar(36)', (c) => c.notNull())
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('broadcasts_hub').on('broadcasts').columns(['hub_id', 'sort_key']).execute();
}
