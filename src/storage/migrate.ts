// Applies the numbered migrations; safe to run from several nodes at once (Kysely takes a lock).
import { Migrator, type Kysely, type MigrationResult } from 'kysely';
import { MIGRATIONS } from './migrations/index.js';

export interface MigrationReport {
  readonly applied: readonly string[];
}

export async function migrateToLatest(db: Kysely<unknown>): Promise<MigrationReport> {
  const migrator = new Migrator({ db, provider: { getMigrations: async () => MIGRATIONS } });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw newerMigration(error) ?? (error instanceof Error ? error : new Error(String(error)));
  return { applied: (results ?? []).filter((r: MigrationResult) => r.status === 'Success').map((r) => r.migrationName) };
}

/** Kysely's word for a database holding a migration this version does not have: a newer Capstan migrated it. */
function newerMigration(error: unknown): Error | undefined {
  const name = error instanceof Error ? /^corrupted migrations: previously executed migration (.+) is missing$/.exec(error.message)?.[1] : undefined;
  if (name === undefined) return undefined;
  return new Error(`the database was migrated by a newer version of Capstan (its migration ${name} is unknown to this one): run that version or a later one, or restore a backup taken before the upgrade (see "Backups and restore" in docs/reliability.md)`, { cause: error });
}
