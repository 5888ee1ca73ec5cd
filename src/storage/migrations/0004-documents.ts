// Uploaded documents (their processing state lives in the workflow tables) and idempotency keys.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('documents')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('org_id', 'varchar(64)', (c) => c.notNull().references('orgs.id').onDelete('cascade'))
    .addColumn('workflow_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('file_name', 'text', (c) => c.notNull())
    .addColumn('xn_address', 'text')
    .addColumn('source', 'varchar(8)', (c) => c.notNull())
    .addColumn('source_url', 'text')
    .addColumn('mime', 'varchar(64)')
    .addColumn('size_bytes', 'bigint')
    .addColumn('pages', 'integer')
    .addColumn('blob_key', 'text')
    .addColumn('cost_micro', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('failure_reason', 'text')
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('updated_at', 'varchar(32)', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('documents_org_created').on('documents').columns(['org_id', 'created_at']).execute();

  await db.schema
    .createTable('idempotency_keys')
    .addColumn('org_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('key', 'varchar(255)', (c) => c.notNull())
    .addColumn('request_hash', 'varchar(64)', (c) => c.notNull())
    .addColumn('status_code', 'integer', (c) => c.notNull())
    .addColumn('response', 'text', (c) => c.notNull())
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .addPrimaryKeyConstraint('idempotency_keys_pk', ['org_id', 'key'])
    .execute();
}
