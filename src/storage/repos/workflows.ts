// Workflow runs and stages. Claiming is one atomic statement per driver: SQLite serializes writers,
// PostgreSQL uses FOR UPDATE SKIP LOCKED so workers on many nodes never take the same run. The claim
// itself counts the attempt, so a stage that kills its process still uses up its attempts, and it is
// fair: the organization (then the kind) with the fewest stages running goes first, so one tenant's
// backlog of slow work does not take every slot that frees while another tenant waits.
import { sql, type Kysely, type Selectable } from 'kysely';
import type { Driver } from '../connect.js';
import type { Database, WorkflowRunTable, WorkflowStageTable } from '../schema.js';

export type WorkflowRun = Selectable<WorkflowRunTable>;
export type WorkflowStage = Selectable<WorkflowStageTable>;
export type StageStatus = Pick<WorkflowStage, 'stage' | 'status'>;
/** A stage's state without its output: what an operator's listing shows. */
export type StageSummary = Omit<WorkflowStage, 'output'>;

export interface RunListQuery {
  readonly kinds: readonly string[];
  readonly statuses: readonly WorkflowRun['status'][];
  readonly orgId?: string;
  readonly limit: number;
  readonly offset: number;
}

export interface RunCount {
  readonly kind: string;
  readonly status: WorkflowRun['status'];
  readonly count: number;
}

export interface ClaimOptions {
  /**
   * Only runs of organizations that hold no lease of this owner: a worker slot kept for tenants with
   * nothing running on this node, which another tenant's long stages cannot fill.
   */
  readonly idleOrgsOnly?: boolean;
}

export interface WorkflowRepo {
  create(run: WorkflowRun): Promise<void>;
  get(id: string): Promise<WorkflowRun | undefined>;
  /**
   * Takes the next due run whose lease is free or expired, counting the attempt; undefined when there
   * is none. Of the due runs, one of the organization with the fewest runs under a live lease (on any
   * node) goes first, then one of the kind with the fewest, then the oldest.
   */
  claim(kinds: readonly string[], owner: string, now: number, leaseMs: number, options?: ClaimOptions): Promise<WorkflowRun | undefined>;
  /** Hands back every lease `owner` holds, uncounting the attempts it was making (a graceful stop). */
  release(owner: string): Promise<number>;
  /** Tells workers on other nodes that work arrived (PostgreSQL NOTIFY, sent at commit; nothing on SQLite). */
  notify(): Promise<void>;
  /** Extends the lease if `owner` still holds it; false when it was lost or the run was cancelled. */
  renew(id: string, owner: string, until: number): Promise<boolean>;
  update(id: string, owner: string | null, patch: Partial<Omit<WorkflowRun, 'id'>>): Promise<boolean>;
  stages(runId: string): Promise<WorkflowStage[]>;
  /** Each stage's name and status without its output (outputs can be large; a status read needs none). */
  stageStatuses(runId: string): Promise<StageStatus[]>;
  startStage(runId: string, stage: string, at: string): Promise<void>;
  finishStage(runId: string, stage: string, patch: Pick<WorkflowStage, 'status' | 'output' | 'error' | 'finished_at'>): Promise<void>;
  /** Marks a run cancelled unless it already ended; false when it had. */
  cancel(id: string, at: string): Promise<boolean>;
  /** Runs of the given kinds and statuses, newest first. */
  list(query: RunListQuery): Promise<WorkflowRun[]>;
  /** The stages of many runs at once, outputs left out. */
  stageSummaries(runIds: readonly string[]): Promise<StageSummary[]>;
  /** How many runs of each kind and status an organization has. */
  countByStatus(orgId: string, kinds: readonly string[]): Promise<RunCount[]>;
  /** Runs queued or running, of every kind and organization. */
  countActive(): Promise<number>;
  /**
   * Puts a failed run back in the queue (attempts, error and end cleared) and forgets its stages that
   * did not complete, so it resumes at the first unfinished one; false when the run is not failed.
   */
  requeue(id: string, at: string, runAfter: number): Promise<boolean>;
}

/** A run's stages' statuses as it keeps them (migration 0018): what `stageStatuses` reads, without a query. */
export function storedStageStatuses(run: Pick<WorkflowRun, 'stage_statuses'> | undefined): StageStatus[] {
  if (!run?.stage_statuses) return [];
  return Object.entries(JSON.parse(run.stage_statuses) as Record<string, StageStatus['status']>).map(([stage, status]) => ({ stage, status }));
}

/** The PostgreSQL channel idle workers listen on. */
export const WORKFLOW_CHANNEL = 'capstan_workflows';

export function workflowRepo(db: Kysely<Database>, driver: Driver): WorkflowRepo {
  return {
    async create(run) {
      await db.insertInto('workflow_runs').values(run).execute();
    },
    get: (id) => db.selectFrom('workflow_runs').selectAll().where('id', '=', id).executeTakeFirst(),
    async claim(kinds, owner, now, leaseMs, options = {}) {
      if (kinds.length === 0) return undefined;
      const lock = driver === 'postgres' ? sql`for update of c skip locked` : sql``;
      // Runs under a live lease are the few being worked on now (status 'running' narrows the index scan).
      const held = (column: 'org_id' | 'kind') =>
        sql`(select ${sql.ref(column)}, count(*) as n from workflow_runs where status = 'running' and lease_expires_at >= ${now} group by ${sql.ref(column)})`;
      const idleOrgsOnly = options.idleOrgsOnly
        ? sql`and not exists (select 1 from workflow_runs h where h.org_id = c.org_id and h.lease_owner = ${owner} and h.status = 'running' and h.lease_expires_at >= ${now})`
        : sql``;
      const res = await sql<WorkflowRun>`
        update workflow_runs set lease_owner = ${owner}, lease_expires_at = ${now + leaseMs}, status = 'running', attempts = attempts + 1
        where id = (
          select c.id from workflow_runs c
          left join ${held('org_id')} o on o.org_id = c.org_id
          left join ${held('kind')} k on k.kind = c.kind
          where c.status in ('queued', 'running') and c.kind in (${sql.join(kinds)}) and c.run_after <= ${now}
            and (c.lease_expires_at is null or c.lease_expires_at < ${now})
            ${idleOrgsOnly}
          order by coalesce(o.n, 0), coalesce(k.n, 0), c.run_after, c.id
          limit 1 ${lock}
        )
        returning *`.execute(db);
      return res.rows[0];
    },
    async release(owner) {
      const res = await db
        .updateTable('workflow_runs')
        .set({ lease_owner: null, lease_expires_at: null, attempts: sql`case when attempts > 0 then attempts - 1 else 0 end` })
        .where('lease_owner', '=', owner)
        .where('status', '=', 'running')
        .executeTakeFirst();
      return Number(res.numUpdatedRows);
    },
    async notify() {
      if (driver === 'postgres') await sql`select pg_notify(${WORKFLOW_CHANNEL}, '')`.execute(db);
    },
    async renew(id, owner, until) {
      const res = await db.updateTable('workflow_runs').set({ lease_expires_at: until }).where('id', '=', id).where('lease_owner', '=', owner).where('status', '=', 'running').executeTakeFirst();
      return Number(res.numUpdatedRows) > 0;
    },
    async update(id, owner, patch) {
      let q = db.updateTable('workflow_runs').set(patch).where('id', '=', id);
      if (owner !== null) q = q.where('lease_owner', '=', owner);
      const res = await q.executeTakeFirst();
      return Number(res.numUpdatedRows) > 0;
    },
    stages: (runId) => db.selectFrom('workflow_stages').selectAll().where('run_id', '=', runId).execute(),
    stageStatuses: (runId) => db.selectFrom('workflow_stages').select(['stage', 'status']).where('run_id', '=', runId).execute(),
    async startStage(runId, stage, at) {
      await db
        .insertInto('workflow_stages')
        .values({ run_id: runId, stage, status: 'in_progress', output: null, attempts: 1, error: null, started_at: at, finished_at: null })
        .onConflict((oc) => oc.columns(['run_id', 'stage']).doUpdateSet({ status: 'in_progress', attempts: sql`workflow_stages.attempts + 1`, error: null, finished_at: null }))
        .execute();
    },
    async finishStage(runId, stage, patch) {
      await db.updateTable('workflow_stages').set(patch).where('run_id', '=', runId).where('stage', '=', stage).execute();
    },
    async cancel(id, at) {
      const res = await db
        .updateTable('workflow_runs')
        .set({ status: 'cancelled', updated_at: at, completed_at: at, lease_owner: null, lease_expires_at: null })
        .where('id', '=', id)
        .where('status', 'in', ['queued', 'running'])
        .executeTakeFirst();
      return Number(res.numUpdatedRows) > 0;
    },
    async list(q) {
      if (q.kinds.length === 0 || q.statuses.length === 0) return [];
      let query = db.selectFrom('workflow_runs').selectAll().where('kind', 'in', [...q.kinds]).where('status', 'in', [...q.statuses]);
      if (q.orgId !== undefined) query = query.where('org_id', '=', q.orgId);
      return query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(q.limit).offset(q.offset).execute();
    },
    stageSummaries: async (runIds) =>
      runIds.length === 0
        ? []
        : db.selectFrom('workflow_stages').select(['run_id', 'stage', 'status', 'attempts', 'error', 'started_at', 'finished_at']).where('run_id', 'in', [...runIds]).execute(),
    async countByStatus(orgId, kinds) {
      if (kinds.length === 0) return [];
      const rows = await db
        .selectFrom('workflow_runs')
        .select(['kind', 'status', (eb) => eb.fn.countAll().as('n')])
        .where('org_id', '=', orgId)
        .where('kind', 'in', [...kinds])
        .groupBy(['kind', 'status'])
        .execute();
      return rows.map((r) => ({ kind: r.kind, status: r.status, count: Number(r.n) }));
    },
    async countActive() {
      const row = await db.selectFrom('workflow_runs').select((eb) => eb.fn.countAll<string | number>().as('n')).where('status', 'in', ['queued', 'running']).executeTakeFirst();
      return Number(row?.n ?? 0);
    },
    async requeue(id, at, runAfter) {
      const res = await db
        .updateTable('workflow_runs')
        .set({ status: 'queued', attempts: 0, error: null, completed_at: null, failed_permanently: 0, lease_owner: null, lease_expires_at: null, run_after: runAfter, updated_at: at })
        .where('id', '=', id)
        .where('status', '=', 'failed')
        .executeTakeFirst();
      if (Number(res.numUpdatedRows) === 0) return false;
      await db.deleteFrom('workflow_stages').where('run_id', '=', id).where('status', '!=', 'complete').execute();
      return true;
    },
  };
}
