// Organizer files as a person manages them: what reading a file's content found (its text's head, the
// date its metadata carries, whether a camera took it), the type sniffed from its bytes for downloads,
// what the last organize job decided; and per job file the folder it was moved from, so a job can be undone.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('organizer_files').addColumn('mime', 'varchar(255)').execute();
  await db.schema.alterTable('organizer_files').addColumn('content_text', 'text').execute();
  await db.schema.alterTable('organizer_files').addColumn('meta_date', 'varchar(10)').execute();
  await db.schema.alterTable('organizer_files').addColumn('camera', 'integer').execute();
  await db.schema.alterTable('organizer_files').addColumn('content_read_at', 'varchar(32)').execute();
  await db.schema.alterTable('organizer_files').addColumn('document_type', 'varchar(32)').execute();
  await db.schema.alterTable('organizer_job_files').addColumn('previous_folder', 'text').execute();
  await db.schema.alterTable('organizer_jobs').addColumn('undone_at', 'varchar(32)').execute();
}
