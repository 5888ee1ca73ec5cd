// The durable event log, and the hub access model its filter reads (segments grant restricted spaces).
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('events')
    .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
    .addColumn('topic', 'varchar(80)', (c) => c.notNull())
    .addColumn('org_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('type', 'varchar(100)', (c) => c.notNull())
    .addColumn('scope', 'text', (c) => c.notNull())
    .addColumn('data', 'text', (c) => c.notNull())
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('events_topic_id').on('events').columns(['topic', 'id']).execute();

  await db.schema
    .createTable('segments')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('hub_id', 'varchar(64)', (c) => c.notNull().references('hubs.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('segments_hub').on('segments').column('hub_id').execute();

  await db.schema
    .createTable('spaces')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('hub_id', 'varchar(64)', (c) => c.notNull().references('hubs.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('restricted', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('updated_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('deleted_at', 'varchar(32)')
    .execute();
  await db.schema.createIndex('spaces_hub').on('spaces').column('hub_id').execute();

  await db.schema
    .createTable('space_segments')
    .addColumn('space_id', 'varchar(64)', (c) => c.notNull().references('spaces.id').onDelete('cascade'))
    .addColumn('segment_id', 'varchar(64)', (c) => c.notNull().references('segments.id').onDelete('cascade'))
    .addPrimaryKeyConstraint('space_segments_pk', ['space_id', 'segment_id'])
    .execute();

  await db.schema
    .createTable('contact_segments')
    .addColumn('contact_id', 'varchar(64)', (c) => c.notNull().references('contacts.id').onDelete('cascade'))
    .addColumn('segment_id', 'varchar(64)', (c) => c.notNull().references('segments.id').onDelete('cascade'))
    .addPrimaryKeyConstraint('contact_segments_pk', ['contact_id', 'segment_id'])
    .execute();
}
