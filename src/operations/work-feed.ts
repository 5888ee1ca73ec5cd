// The workflow runs operators watch: those in flight and the most recently finished, each with its
// stages' statuses: the runs (in flight, then finished) and one query for their stages.
import type { Kysely } from 'kysely';
import type { Database } from '../storage/index.js';
import { ATTEMPTS_EXHAUSTED } from '../workflows/index.js';

export type WorkKind = 'document' | 'video' | 'organize';
export type WorkStatus = 'queued' | 'running' | 'completed' | 'failed' | 'cancelled';
export type WorkStageStatus = 'pending' | 'running' | 'completed' | 'failed' | 'skipped';

export interface WorkStage {
  readonly name: string;
  readonly status: WorkStageStatus;
  readonly started_at: string | null;
  readonly finished_at: string | null;
  readonly error: string | null;
}

export interface WorkRun {
  readonly run_id: string;
  readonly kind: WorkKind;
  readonly org_id: string;
  readonly resource_id: string;
  readonly status: WorkStatus;
  readonly attempts: number;
  readonly error: string | null;
  readonly created_at: string;
  readonly updated_at: string;
  readonly completed_at: string | null;
  readonly stages: WorkStage[];
  /** Completed stages over all stages (1 once the run completed). */
  readonly progress: number;
  /** A failed run whose failure was not permanent (its attempts ran out). */
  readonly retryable: boolean;
}

export interface WorkFeed {
  readonly in_flight: WorkRun[];
  readonly recent: WorkRun[];
}

/** Workflow kinds as operators name them. */
const KINDS: Readonly<Record<string, WorkKind>> = { document: 'document', video: 'video', organizer_job: 'organize' };

const STAGE_STATUS: Readonly<Record<string, WorkStageStatus>> = { in_progress: 'running', complete: 'completed', failed: 'failed' };

export interface WorkFeedLimits {
  readonly inFlight: number;
  readonly recent: number;
}

/** Runs queued or running, cluster-wide. */
export async function workflowBacklog(db: Kysely<Database>): Promise<number> {
  const row = await db.selectFrom('workflow_runs').select((eb) => eb.fn.countAll<string | number>().as('n')).where('status', 'in', ['queued', 'running']).executeTakeFirst();
  return Number(row?.n ?? 0);
}

/** In-flight runs newest first, and the last finished ones, most recent first. */
export async function listWork(db: Kysely<Database>, stageNames: (kind: string) => readonly string[], limits: WorkFeedLimits): Promise<WorkFeed> {
  const kinds = Object.keys(KINDS);
  const columns = ['id', 'kind', 'org_id', 'resource_id', 'status', 'attempts', 'error', 'created_at', 'updated_at', 'completed_at'] as const;
  const inFlight = await db.selectFrom('workflow_runs').select(columns)
    .where('kind', 'in', kinds)
    .where('status', 'in', ['queued', 'running'])
    .orderBy('created_at', 'desc').orderBy('id', 'desc')
    .limit(limits.inFlight)
    .execute();
  const finished = await db.selectFrom('workflow_runs').select(columns)
    .where('kind', 'in', kinds)
    .where('completed_at', 'is not', null)
    .orderBy('completed_at', 'desc').orderBy('id', 'desc')
    .limit(limits.recent)
    .execute();
  const runs = [...inFlight, ...finished];
  const stages = runs.length === 0 ? [] : await db.selectFrom('workflow_stages')
    .select(['run_id', 'stage', 'status', 'error', 'started_at', 'finished_at'])
    .where('run_id', 'in', runs.map((r) => r.id))
    .execute();
  const byRun = new Map<string, typeof stages>();
  for (const s of stages) byRun.set(s.run_id, [...(byRun.get(s.run_id) ?? []), s]);
  const shaped = runs.map((run): WorkRun => {
    const started = new Map((byRun.get(run.id) ?? []).map((s) => [s.stage, s]));
    const names = stageNames(run.kind);
    const ended = run.status === 'completed' || run.status === 'failed' || run.status === 'cancelled';
    const list: WorkStage[] = names.map((name) => {
      const s = started.get(name);
      if (!s) return { name, status: ended ? 'skipped' : 'pending', started_at: null, finished_at: null, error: null };
      return { name, status: STAGE_STATUS[s.status] ?? 'running', started_at: s.started_at, finished_at: s.finished_at, error: s.error };
    });
    const done = list.filter((s) => s.status === 'completed').length;
    return {
      run_id: run.id,
      kind: KINDS[run.kind] ?? 'document',
      org_id: run.org_id,
      resource_id: run.resource_id,
      status: run.status,
      attempts: Number(run.attempts),
      error: run.error,
      created_at: run.created_at,
      updated_at: run.updated_at,
      completed_at: run.completed_at,
      stages: list,
      progress: run.status === 'completed' ? 1 : list.length === 0 ? 0 : done / list.length,
      retryable: run.status === 'failed' && (run.error ?? '').startsWith(ATTEMPTS_EXHAUSTED),
    };
  });
  return { in_flight: shaped.filter((r) => r.completed_at === null), recent: shaped.filter((r) => r.completed_at !== null) };
}
