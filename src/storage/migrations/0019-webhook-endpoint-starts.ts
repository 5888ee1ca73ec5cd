// Where each webhook endpoint starts reading each topic of its organization: the topic's last seq when
// the endpoint was created or last enabled, so it gets exactly the events committed after that,
// whatever the node clocks say and whether or not another endpoint kept the topic's cursor moving. A
// topic without a row (a hub created later) starts at its beginning. It replaces `since_id`, a time
// bound, with the seq bound that time bound gave on the events still in the log.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('webhook_endpoint_starts')
    .addColumn('endpoint_id', 'varchar(64)', (c) => c.notNull().references('webhook_endpoints.id').onDelete('cascade'))
    .addColumn('topic', 'varchar(80)', (c) => c.notNull())
    .addColumn('seq', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('webhook_endpoint_starts_pk', ['endpoint_id', 'topic'])
    .execute();
  await sql`
    insert into webhook_endpoint_starts (endpoint_id, topic, seq)
    select w.id, e.topic, max(e.seq) from webhook_endpoints w join events e on e.org_id = w.org_id and e.id < w.since_id
    where w.deleted_at is null
    group by w.id, e.topic`.execute(db);
  await db.schema.alterTable('webhook_endpoints').dropColumn('since_id').execute();
}
