// Documents of an organization.
import { sql, type Kysely, type Selectable } from 'kysely';
import { CompiledSql, type QueryRunner } from '../prepared.js';
import type { Database, DocumentTable } from '../schema.js';
import type { StageStatus, WorkflowRun } from './workflows.js';

export type DocumentRow = Selectable<DocumentTable>;

/** The columns of a document that its status shows. */
export type DocumentStatusColumns = Pick<DocumentRow, 'id' | 'updated_at' | 'ocr_pages_done' | 'ocr_pages_total' | 'failure_reason'>;
/** The columns of a workflow run that its document's status shows. */
export type RunStatusColumns = Pick<WorkflowRun, 'status' | 'updated_at' | 'completed_at' | 'error'>;

/** What GET /status shows: the document's and its run's status columns, and the statuses of its stages that have started. */
export interface DocumentStatusRead {
  readonly doc: DocumentStatusColumns;
  readonly run: RunStatusColumns | undefined;
  readonly stages: StageStatus[];
}

export interface DocumentRepo {
  create(doc: DocumentRow): Promise<void>;
  /** Only the organization's own document: another tenant's id is simply not found. */
  get(orgId: string, id: string): Promise<DocumentRow | undefined>;
  getById(id: string): Promise<DocumentRow | undefined>;
  /** The organization's document's status columns, its run's, and the statuses of the named stages that have started, in one query. */
  statusRead(orgId: string, id: string, stageNames: readonly string[]): Promise<DocumentStatusRead | undefined>;
  /** The organization's documents among `ids`, in one query (ids it does not own are absent). */
  getMany(orgId: string, ids: readonly string[]): Promise<DocumentRow[]>;
  list(orgId: string, limit: number, offset: number): Promise<DocumentRow[]>;
  /** The organization's latest documents, newest first. */
  latestIds(orgId: string, limit: number): Promise<string[]>;
  update(id: string, patch: Partial<Omit<DocumentRow, 'id' | 'org_id'>>): Promise<void>;
}

export function documentRepo(db: Kysely<Database>, runner: QueryRunner): DocumentRepo {
  return {
    async create(doc) {
      await db.insertInto('documents').values(doc).execute();
    },
    get: (orgId, id) => db.selectFrom('documents').selectAll().where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst(),
    getById: (id) => db.selectFrom('documents').selectAll().where('id', '=', id).executeTakeFirst(),
    async statusRead(orgId, id, stageNames) {
      const row = await runner.first(statusQuery, orgId, id);
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

/**
 * A status row: the document's status columns, its run's (prefixed run_, null without a run) and its
 * stages' statuses as one JSON object's text, stage name → status (null without a run or before its
 * first stage).
 */
type StatusRow = DocumentStatusColumns & {
  readonly run_id: string | null;
  readonly run_status: unknown;
  readonly run_updated_at: unknown;
  readonly run_completed_at: unknown;
  readonly run_error: unknown;
  readonly stages: string | null;
};

/**
 * One row: the run joined, with its stages' statuses as the run keeps them (migration 0018: triggers
 * on workflow_stages write them in the statement that changes a stage, so they are never behind).
 * Aggregating the stages here instead cost a quarter of the read. Only the columns the status shows
 * are read: a wide row costs SQLite twice as much.
 */
const statusQuery = new CompiledSql((orgId: string, id: string) => sql<StatusRow>`
  select d.id, d.updated_at, d.ocr_pages_done, d.ocr_pages_total, d.failure_reason,
    r.id as run_id, r.status as run_status, r.updated_at as run_updated_at, r.completed_at as run_completed_at, r.error as run_error,
    r.stage_statuses as stages
  from documents d left join workflow_runs r on r.id = d.workflow_id
  where d.org_id = ${orgId} and d.id = ${id}`);

function splitStatusRow(row: StatusRow, stageNames: readonly string[]): DocumentStatusRead {
  const doc: DocumentStatusColumns = { id: row.id, updated_at: row.updated_at, ocr_pages_done: row.ocr_pages_done, ocr_pages_total: row.ocr_pages_total, failure_reason: row.failure_reason };
  const run = row.run_id === null || row.run_id === undefined
    ? undefined
    : { status: row.run_status, updated_at: row.run_updated_at, completed_at: row.run_completed_at, error: row.run_error } as RunStatusColumns;
  const byStage = row.stages === null ? null : (JSON.parse(row.stages) as Readonly<Record<string, unknown>>);
  const stages: StageStatus[] = [];
  if (byStage) {
    for (const stage of stageNames) {
      const status = byStage[stage];
      if (typeof status === 'string') stages.push({ stage, status: status as StageStatus['status'] });
    }
  }
  return { doc, run, stages };
}
