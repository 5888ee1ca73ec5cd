// Operator console sessions, stored in the database so every node of a cluster accepts them and a
// sign-out ends them everywhere. Only digests are kept: the cookie value and its CSRF token never are.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('console_sessions')
    .addColumn('id_hash', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('csrf_hash', 'varchar(64)', (c) => c.notNull())
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('expires_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('last_seen_at', 'varchar(32)', (c) => c.notNull())
    .execute();
  // The cleanup removes expired sessions oldest first.
  await db.schema.createIndex('console_sessions_expiry').on('console_sessions').column('expires_at').execute();
}
