// Counts the times a webhook endpoint was enabled again. An attempt remembers the count it started
// under and changes the endpoint (its run of failures, disabling it) only while that is still the
// count and the endpoint is enabled: an attempt in flight across a disable or a re-enable leaves the
// endpoint as the operator left it.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('webhook_endpoints').addColumn('enable_generation', 'integer', (c) => c.notNull().defaultTo(0)).execute();
}
