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
      // The order is (runs under a live lease of the run's organization, of its kind, run_after, id), and
      // the first two are the same for all runs of one organization and kind: the first due run overall
      // is the first due run of some (organization, kind) pair. So the claim walks the organizations
      // with active runs (a skip scan, one index seek each), takes each pair's first due run from the
      // same index and orders those few: its cost follows the organizations and kinds with work, not
      // the backlog. The counts read only the runs under a live lease.
      // SQLite, which keeps no statistics, would rather read an index on status; naming the indexes
      // (migration 0022) holds the plan, and a change that made one unusable fails instead of scanning.
      const using = (index: string) => (driver === 'sqlite' ? sql.raw(`indexed by ${index}`) : sql``);
      const ref = (r: string, column: string) => sql.ref(`${r}.${column}`);
      // Word for word the predicate of workflow_runs_claim: SQLite uses a partial index only then.
      const active = (r: string) => sql`${ref(r, 'status')} in ('queued', 'running')`;
      // Ordered as the claim index is (the kind too), so that PostgreSQL reads that index rather than
      // another on org_id that holds every ended run as well.
      const firstOrg = (r: string, after?: string) => sql`
        select ${ref(r, 'org_id')} from workflow_runs ${sql.ref(r)} ${using('workflow_runs_claim')}
        where ${active(r)} ${after ? sql`and ${ref(r, 'org_id')} > ${ref(after, 'org_id')}` : sql``}
        order by ${ref(r, 'org_id')}, ${ref(r, 'kind')} limit 1`;
      const firstDue = (r: string, pair: string, columns: readonly string[]) => sql`
        select ${sql.join(columns.map((c) => ref(r, c)))} from workflow_runs ${sql.ref(r)} ${using('workflow_runs_claim')}
        where ${active(r)} and ${ref(r, 'org_id')} = ${ref(pair, 'org_id')} and ${ref(r, 'kind')} = ${ref(pair, 'kind')}
          and ${ref(r, 'run_after')} <= ${now} and (${ref(r, 'lease_expires_at')} is null or ${ref(r, 'lease_expires_at')} < ${now})
        order by ${ref(r, 'run_after')}, ${ref(r, 'id')} limit 1`;
      // A pair's first due run as a row joined to it: PostgreSQL reads it in a lateral subquery (a join
      // on an id computed per row could become a hash join over the whole table); SQLite, which has no
      // LATERAL, looks the row up by the id a scalar subquery gives.
      const joinFirstDue = (r: string, pair: string) =>
        driver === 'postgres'
          ? sql`cross join lateral (${firstDue(r, pair, ['id', 'org_id', 'kind', 'run_after'])}) ${sql.ref(r)}`
          : sql`join workflow_runs ${sql.ref(r)} on ${ref(r, 'id')} = (${firstDue(r, pair, ['id'])})`;
      const idleOrgsOnly = options.idleOrgsOnly ? sql`and orgs.org_id not in (select held.org_id from held where held.lease_owner = ${owner})` : sql``;
      const order = sql`order by candidates.org_held, candidates.kind_held, candidates.run_after, candidates.id`;
      // PostgreSQL locks the pick: in order, each candidate's pair gives its first due run no other claim
      // holds (the candidate itself, unless a concurrent claim has it), and the limit stops at the first
      // pair that gives one, so a claim locks one row and concurrent claims never wait for each other.
      // The candidates come sorted from a subquery, so the lateral reads run in that order, not all first.
      const pick =
        driver === 'postgres'
          ? sql`select l.id from (select * from candidates ${order}) candidates cross join lateral (${firstDue('l', 'candidates', ['id'])} for update skip locked) l`
          : sql`select candidates.id from candidates`;
      const res = await sql<WorkflowRun>`
        update workflow_runs set lease_owner = ${owner}, lease_expires_at = ${now + leaseMs}, status = 'running', attempts = attempts + 1
        where id = (
          with recursive orgs(org_id) as (
            select (${firstOrg('a')})
            union all
            select (${firstOrg('x', 'orgs')}) from orgs where orgs.org_id is not null
          ),
          kinds(kind) as (${sql.join(kinds.map((k) => sql`select cast(${k} as text)`), sql` union all `)}),
          pairs as (select orgs.org_id, kinds.kind from orgs cross join kinds where orgs.org_id is not null ${idleOrgsOnly}),
          held as (
            select h.org_id, h.kind, h.lease_owner from workflow_runs h ${using('workflow_runs_leased')}
            where h.status = 'running' and h.lease_expires_at >= ${now}
          ),
          held_org as (select org_id, count(*) as n from held group by org_id),
          held_kind as (select kind, count(*) as n from held group by kind),
          candidates as (
            select f.id, f.org_id, f.kind, f.run_after, coalesce(held_org.n, 0) as org_held, coalesce(held_kind.n, 0) as kind_held
            from pairs ${joinFirstDue('f', 'pairs')}
            left join held_org on held_org.org_id = f.org_id
            left join held_kind on held_kind.kind = f.kind
          )
          ${pick}
          ${order}
          limit 1
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
