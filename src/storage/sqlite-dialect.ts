// Kysely's SQLite dialect, with two corrections:
// - SQLite's DDL is transactional (it is). Kysely's Migrator runs the pending migrations in one
//   transaction only when the adapter says so; without it each statement committed on its own, and a
//   process killed in the middle of a migration left its first tables made and the migration
//   unrecorded, so every later start failed on "table … already exists".
// - SQLite itself rolls a transaction back on some errors (a full disk, an I/O error, out of memory).
//   Kysely's ROLLBACK after it then failed "no transaction is active", and that error took the place
//   of the one that says what happened: a full disk answered 500 instead of 503.
import { SqliteAdapter, SqliteDialect, SqliteDriver, type DatabaseConnection, type DialectAdapter, type Driver, type SqliteDialectConfig } from 'kysely';

class TransactionalDdlSqliteAdapter extends SqliteAdapter {
  override get supportsTransactionalDdl(): boolean {
    return true;
  }
}

class RollbackOnceSqliteDriver extends SqliteDriver {
  readonly #inTransaction: () => boolean;

  constructor(config: SqliteDialectConfig, inTransaction: () => boolean) {
    super(config);
    this.#inTransaction = inTransaction;
  }

  override async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    if (this.#inTransaction()) await super.rollbackTransaction(connection);
  }
}

export interface CapstanSqliteDialectConfig extends SqliteDialectConfig {
  /** Whether the connection is inside a transaction now (libsql's `inTransaction`). */
  readonly inTransaction: () => boolean;
}

export class CapstanSqliteDialect extends SqliteDialect {
  readonly #config: CapstanSqliteDialectConfig;

  constructor(config: CapstanSqliteDialectConfig) {
    super(config);
    this.#config = config;
  }

  override createDriver(): Driver {
    return new RollbackOnceSqliteDriver(this.#config, this.#config.inTransaction);
  }

  override createAdapter(): DialectAdapter {
    return new TransactionalDdlSqliteAdapter();
  }
}
