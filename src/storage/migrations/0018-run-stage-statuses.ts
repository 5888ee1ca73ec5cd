// Each workflow run keeps its stages' statuses as one JSON object, stage name → status, so that
// GET /status reads one row of each table instead of aggregating the stages on every read (the
// aggregate was a quarter of the read's cost, and the read the costliest part of the request). The
// database keeps it: triggers on workflow_stages rewrite it in the statement that changes a stage, so
// no write path can forget it, and it commits or rolls back with that change.
import { PostgresAdapter, sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('workflow_runs').addColumn('stage_statuses', 'text').execute();
  if (db.getExecutor().adapter instanceof PostgresAdapter) await postgres(db);
  else await sqlite(db);
}

async function sqlite(db: Kysely<unknown>): Promise<void> {
  const rewrite = (run: string) => sql.raw(`update workflow_runs set stage_statuses = (select json_group_object(s.stage, s.status) from workflow_stages s where s.run_id = ${run}) where id = ${run};`);
  await sql`create trigger workflow_stages_statuses_insert after insert on workflow_stages begin ${rewrite('new.run_id')} end`.execute(db);
  await sql`create trigger workflow_stages_statuses_update after update of run_id, stage, status on workflow_stages begin ${rewrite('new.run_id')} end`.execute(db);
  await sql`create trigger workflow_stages_statuses_move after update of run_id on workflow_stages when old.run_id <> new.run_id begin ${rewrite('old.run_id')} end`.execute(db);
  await sql`create trigger workflow_stages_statuses_delete after delete on workflow_stages begin ${rewrite('old.run_id')} end`.execute(db);
  await sql`update workflow_runs set stage_statuses = (select json_group_object(s.stage, s.status) from workflow_stages s where s.run_id = workflow_runs.id) where exists (select 1 from workflow_stages s where s.run_id = workflow_runs.id)`.execute(db);
}

async function postgres(db: Kysely<unknown>): Promise<void> {
  await sql`
    create or replace function capstan_workflow_stage_statuses() returns trigger language plpgsql as $$
    begin
      if tg_op <> 'INSERT' then
        update workflow_runs set stage_statuses = (select json_object_agg(s.stage, s.status)::text from workflow_stages s where s.run_id = old.run_id) where id = old.run_id;
      end if;
      if tg_op <> 'DELETE' and (tg_op = 'INSERT' or new.run_id <> old.run_id) then
        update workflow_runs set stage_statuses = (select json_object_agg(s.stage, s.status)::text from workflow_stages s where s.run_id = new.run_id) where id = new.run_id;
      end if;
      return null;
    end $$`.execute(db);
  await sql`create trigger workflow_stages_statuses after insert or delete or update of run_id, stage, status on workflow_stages for each row execute function capstan_workflow_stage_statuses()`.execute(db);
  await sql`update workflow_runs r set stage_statuses = (select json_object_agg(s.stage, s.status)::text from workflow_stages s where s.run_id = r.id) where exists (select 1 from workflow_stages s where s.run_id = r.id)`.execute(db);
}
