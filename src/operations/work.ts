// Work in flight for the operator: workflow runs of documents, videos and organize jobs with their
// stages and progress, and the retry of a failed one. A retry is the workflow engine's; the domain's
// own hook keeps money, state and events consistent in the transaction that requeues the run.
import { AppError } from '../http/errors.js';
import type { StageSummary, Storage, WorkflowRun } from '../storage/index.js';
import type { WorkflowEngine } from '../workflows/index.js';
import { WORK_KINDS, workKindOf, type WorkKind } from './kinds.js';

export type WorkStatusFilter = 'in_flight' | 'failed' | 'completed' | 'all';
export type WorkStageStatus = 'pending' | 'running' | 'completed' | 'failed' | 'skipped';

export interface WorkQuery {
  readonly status: WorkStatusFilter;
  readonly kind?: WorkKind;
  readonly orgId?: string;
  readonly limit: number;
  readonly offset: number;
}

export interface WorkStage {
  readonly name: string;
  readonly status: WorkStageStatus;
  readonly started_at: string | null;
  readonly finished_at: string | null;
  readonly error: string | null;
}

export interface WorkItem {
  readonly run_id: string;
  readonly kind: WorkKind;
  readonly org_id: string;
  readonly resource_id: string;
  readonly status: WorkflowRun['status'];
  readonly attempts: number;
  readonly error: string | null;
  readonly created_at: string;
  readonly updated_at: string;
  readonly completed_at: string | null;
  readonly stages: WorkStage[];
  readonly progress: number;
  readonly retryable: boolean;
  readonly retry_refusal: string | null;
}

const STATUSES: Readonly<Record<WorkStatusFilter, readonly WorkflowRun['status'][]>> = {
  in_flight: ['queued', 'running'],
  failed: ['failed'],
  completed: ['completed'],
  all: ['queued', 'running', 'completed', 'failed', 'cancelled'],
};

export class WorkService {
  constructor(
    private readonly storage: Storage,
    private readonly workflows: WorkflowEngine,
  ) {}

  async list(query: WorkQuery): Promise<WorkItem[]> {
    const runs = await this.storage.workflows.list({
      kinds: query.kind ? [WORK_KINDS[query.kind]] : Object.values(WORK_KINDS),
      statuses: STATUSES[query.status],
      ...(query.orgId !== undefined ? { orgId: query.orgId } : {}),
      limit: query.limit,
      offset: query.offset,
    });
    const stages = await this.storage.workflows.stageSummaries(runs.map((r) => r.id));
    return runs.flatMap((run) => {
      const kind = workKindOf(run.kind);
      return kind ? [this.present(run, kind, stages.filter((s) => s.run_id === run.id))] : [];
    });
  }

  /** What the console's system stream shows: the runs in flight and the most recently created finished ones. */
  async feed(limits: { readonly inFlight: number; readonly recent: number }): Promise<{ in_flight: WorkItem[]; recent: WorkItem[] }> {
    const recent = await this.list({ status: 'all', limit: limits.recent + limits.inFlight, offset: 0 });
    return {
      in_flight: await this.list({ status: 'in_flight', limit: limits.inFlight, offset: 0 }),
      recent: recent.filter((r) => r.completed_at !== null).slice(0, limits.recent),
    };
  }

  /** Runs queued or running, cluster-wide: a node's workflow backlog. */
  async backlog(): Promise<number> {
    return this.storage.workflows.countActive();
  }

  /** 409 conflict saying why when the run may not be retried; 402 when its domain cannot pay again. */
  async retry(runId: string): Promise<WorkItem> {
    const found = await this.storage.workflows.get(runId);
    const kind = found ? workKindOf(found.kind) : undefined;
    if (!kind) throw new AppError('not_found', 'Run not found');
    const outcome = await this.workflows.retry(runId);
    if (!outcome) throw new AppError('not_found', 'Run not found');
    if ('refused' in outcome) throw new AppError('conflict', outcome.refused);
    return this.present(outcome.run, kind, await this.storage.workflows.stageSummaries([runId]));
  }

  private present(run: WorkflowRun, kind: WorkKind, rows: readonly StageSummary[]): WorkItem {
    const byName = new Map(rows.map((r) => [r.stage, r]));
    const ended = run.status !== 'queued' && run.status !== 'running';
    const stages = this.workflows.stageNames(run.kind).map((name): WorkStage => {
      const row = byName.get(name);
      return { name, status: stageStatus(row?.status, ended), started_at: row?.started_at ?? null, finished_at: row?.finished_at ?? null, error: row?.error ?? null };
    });
    const done = stages.filter((s) => s.status === 'completed').length;
    const refusal = this.workflows.retryRefusal(run) ?? null;
    return {
      run_id: run.id,
      kind,
      org_id: run.org_id,
      resource_id: run.resource_id,
      status: run.status,
      attempts: run.attempts,
      error: run.error,
      created_at: run.created_at,
      updated_at: run.updated_at,
      completed_at: run.completed_at,
      stages,
      progress: run.status === 'completed' ? 1 : stages.length === 0 ? 0 : done / stages.length,
      retryable: refusal === null,
      retry_refusal: refusal,
    };
  }
}

/** A stored stage state as the operator reads it; a stage never reached by an ended run was skipped. */
function stageStatus(stored: StageSummary['status'] | undefined, runEnded: boolean): WorkStageStatus {
  if (stored === 'complete') return 'completed';
  if (stored === 'failed') return 'failed';
  if (stored === 'in_progress') return runEnded ? 'skipped' : 'running';
  return runEnded ? 'skipped' : 'pending';
}
