// Kysely's SQLite dialect, told that SQLite's DDL is transactional (it is). Kysely's Migrator runs
// the pending migrations in one transaction only when the adapter says so; without it each statement
// committed on its own, and a process killed in the middle of a migration left its first tables made
// and the migration unrecorded, so every later start failed on "table … already exists".
import { SqliteAdapter, SqliteDialect, type DialectAdapter } from 'kysely';

class TransactionalDdlSqliteAdapter extends SqliteAdapter {
  override get supportsTransactionalDdl(): boolean {
    return true;
  }
}

export class CapstanSqliteDialect extends SqliteDialect {
  override createAdapter(): DialectAdapter {
    return new TransactionalDdlSqliteAdapter();
  }
}
