// The typed contract between the workflow engine and the pipelines: a Stage does one step of work;
// hooks let a domain change its own state (and money) in the same transaction as each transition.
import type { Repos, WorkflowRun } from '../storage/index.js';

export interface StageContext {
  readonly run: WorkflowRun;
  readonly input: unknown;
  /** Outputs of the stages already completed, by stage name. */
  readonly outputs: ReadonlyMap<string, unknown>;
  /** Aborted when the lease is lost or the run is cancelled: stop and return. */
  readonly signal: AbortSignal;
  readonly attempt: number;
}

export interface Stage {
  readonly name: string;
  /** Does the work and returns a JSON-serializable result. Must be safe to run again after a crash. */
  run(ctx: StageContext): Promise<unknown>;
}

/** A failure that retrying cannot fix (an encrypted PDF, a file that is not a video). */
export class PermanentStageError extends Error {
  override readonly name = 'PermanentStageError';
  constructor(readonly reason: string, message?: string) {
    super(message ?? reason);
  }
}

export type Transition =
  | { readonly kind: 'stage_started'; readonly stage: string }
  | { readonly kind: 'stage_completed'; readonly stage: string }
  | { readonly kind: 'stage_retry'; readonly stage: string; readonly error: string; readonly attempt: number }
  | { readonly kind: 'completed' }
  | { readonly kind: 'failed'; readonly stage: string; readonly error: string }
  | { readonly kind: 'cancelled' };

export interface WorkflowHooks {
  /** Runs inside the transaction that records the transition: domain state and ledger move with it. */
  onTransition?(tx: Repos, run: WorkflowRun, transition: Transition): Promise<void>;
  /** Runs after the commit: publish events, wake clients. Failures are logged, never undo the state. */
  afterTransition?(run: WorkflowRun, transition: Transition): Promise<void>;
}

export interface WorkflowDefinition {
  readonly kind: string;
  readonly stages: readonly Stage[];
  readonly hooks?: WorkflowHooks;
  readonly maxAttempts?: number;
}
