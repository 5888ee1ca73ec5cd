// Delivery workers take turns on endpoints: a claim goes to the endpoint with due deliveries whose
// last turn began longest ago (0: never served), so an endpoint whose receiver hangs cannot keep the
// others waiting, whatever their ids.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('webhook_endpoints').addColumn('served_at', 'bigint', (c) => c.notNull().defaultTo(0)).execute();
}
