// The transactional outbox: each topic's events get a gap-free sequence decided by the database
// (a per-topic row locked by the appending transaction), so order and completeness never depend on
// Redis. Idempotency records get a scope (an organization's uploads, a hub's publishes, a contact's
// actions), and documents remember the last status they reported, so each change is reported once.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('events').addColumn('seq', 'bigint', (c) => c.notNull().defaultTo(0)).execute();
  // Events already logged keep their order: their ids were minted in order per topic.
  await sql`update events set seq = (select count(*) from events e2 where e2.topic = events.topic and e2.id <= events.id)`.execute(db);
  await db.schema.createIndex('events_topic_seq').on('events').columns(['topic', 'seq']).unique().execute();

  await db.schema
    .createTable('event_topics')
    .addColumn('topic', 'varchar(80)', (c) => c.primaryKey())
    .addColumn('seq', 'bigint', (c) => c.notNull())
    .addColumn('last_id', 'varchar(36)', (c) => c.notNull())
    .execute();
  await sql`insert into event_topics (topic, seq, last_id) select topic, max(seq), max(id) from events group by topic`.execute(db);

  await db.schema.alterTable('idempotency_keys').renameColumn('org_id', 'scope').execute();
  await db.schema.alterTable('documents').addColumn('reported_status', 'text').execute();
}
