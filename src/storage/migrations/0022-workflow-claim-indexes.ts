// Indexes that keep a workflow claim's cost to the organizations and kinds with work, not the size of
// the backlog. The claim walks the active runs' (organization, kind) pairs and takes each pair's
// oldest due run from one index; it counts the stages under a live lease from the other, which holds
// only runs that are running and, by its first column, finds the live leases without passing the runs
// between stages (running, no lease) that a bulk upload leaves. The predicates are the claim's own
// words: SQLite uses a partial index only for a query that says what its WHERE says.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createIndex('workflow_runs_claim')
    .on('workflow_runs')
    .columns(['org_id', 'kind', 'run_after', 'id'])
    .where(sql<boolean>`status in ('queued', 'running')`)
    .execute();
  await db.schema
    .createIndex('workflow_runs_leased')
    .on('workflow_runs')
    .columns(['lease_expires_at', 'org_id', 'kind', 'lease_owner'])
    .where(sql<boolean>`status = 'running'`)
    .execute();
}
