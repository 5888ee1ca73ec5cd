// Documents of an organization.
import { sql, type Kysely, type Selectable } from 'kysely';
import type { Database, DocumentTable } from '../schema.js';
import type { StageStatus, WorkflowRun } from './workflows.js';

export type DocumentRow = Selectable<DocumentTable>;

/** A document with its workflow run and the statuses of the run's stages: what GET /status shows. */
export interface DocumentWithRun {
  readonly doc: DocumentRow;
  readonly run: WorkflowRun | undefined;
  readonly stages: StageStatus[];
}

export interface DocumentRepo {
  create(doc: DocumentRow): Promise<void>;
  /** Only the organization's own document: another tenant's id is simply not found. */
  get(orgId: string, id: string): Promise<DocumentRow | undefined>;
  getById(id: string): Promise<DocumentRow | undefined>;
  /** get() with the document's run and the statuses of the named stages that have started, in one query. */
  getWithRun(orgId: string, id: string, stageNames: readonly string[]): Promise<DocumentWithRun | undefined>;
  /** The organization's documents among `ids`, in one query (ids it does not own are absent). */
  getMany(orgId: string, ids: readonly string[]): Promise<DocumentRow[]>;
  list(orgId: string, limit: number, offset: number): Promise<DocumentRow[]>;
  /** The organization's latest documents, newest first. */
  latestIds(orgId: string, limit: number): Promise<string[]>;
  update(id: string, patch: Partial<Omit<DocumentRow, 'id' | 'org_id'>>): Promise<void>;
}

export function documentRepo(db: Kysely<Database>): DocumentRepo {
  return {
    async create(doc) {
      await db.insertInto('documents').values(doc).execute();
    },
    get: (orgId, id) => db.selectFrom('documents').selectAll().where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst(),
    getById: (id) => db.selectFrom('documents').selectAll().where('id', '=', id).executeTakeFirst(),
    async getWithRun(orgId, id, stageNames) {
      // One row: the run joined, each stage's status a subquery on the stages' primary key. Joining
      // the stages instead repeats the document and run in one row per stage, which costs more to
      // read than the two extra queries it saves.
      const stageColumns = stageNames.map((name, i) => sql`(select s.status from workflow_stages s where s.run_id = d.workflow_id and s.stage = ${name}) as ${sql.ref(`stage_${i}`)}`);
      const { rows } = await sql<StatusRow>`
        select d.*, r.id as run_id, r.kind as run_kind, r.org_id as run_org_id, r.resource_id as run_resource_id, r.status as run_status,
          r.attempts as run_attempts, r.lease_owner as run_lease_owner, r.lease_expires_at as run_lease_expires_at, r.run_after as run_run_after,
          r.error as run_error, r.input as run_input, r.created_at as run_created_at, r.updated_at as run_updated_at, r.completed_at as run_completed_at,
          r.failed_permanently as run_failed_permanently
          ${stageColumns.length > 0 ? sql`, ${sql.join(stageColumns)}` : sql``}
        from documents d left join workflow_runs r on r.id = d.workflow_id
        where d.org_id = ${orgId} and d.id = ${id}`.execute(db);
      const row = rows[0];
      return row ? splitStatusRow(row, stageNames) : undefined;
    },
    getMany: async (orgId, ids) => (ids.length === 0 ? [] : db.selectFrom('documents').selectAll().where('org_id', '=', orgId).where('id', 'in', [...ids]).execute()),
    list: (orgId, limit, offset) => db.selectFrom('documents').selectAll().where('org_id', '=', orgId).orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit).offset(offset).execute(),
    async latestIds(orgId, limit) {
      return (await db.selectFrom('documents').select('id').where('org_id', '=', orgId).orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit).execute()).map((r) => r.id);
    },
    async update(id, patch) {
      await db.updateTable('documents').set(patch).where('id', '=', id).execute();
    },
  };
}

/** A document row with its run's columns (prefixed run_, null without a run) and stage_<i> statuses. */
type StatusRow = DocumentRow & { readonly [column: `run_${string}` | `stage_${number}`]: unknown };

const RUN_COLUMNS = ['id', 'kind', 'org_id', 'resource_id', 'status', 'attempts', 'lease_owner', 'lease_expires_at', 'run_after', 'error', 'input', 'created_at', 'updated_at', 'completed_at', 'failed_permanently'] as const;

function splitStatusRow(row: StatusRow, stageNames: readonly string[]): DocumentWithRun {
  const doc: Record<string, unknown> = { ...row };
  const run: Record<string, unknown> = {};
  for (const column of RUN_COLUMNS) {
    run[column] = row[`run_${column}`];
    delete doc[`run_${column}`];
  }
  const stages: StageStatus[] = [];
  stageNames.forEach((stage, i) => {
    const status = row[`stage_${i}`];
    delete doc[`stage_${i}`];
    if (typeof status === 'string') stages.push({ stage, status: status as StageStatus['status'] });
  });
  return { doc: doc as DocumentRow, run: run.id === null || run.id === undefined ? undefined : (run as unknown as WorkflowRun), stages };
}
