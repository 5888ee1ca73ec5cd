// The typed contract between the workflow engine and the pipelines: a Stage does one step of work;
// a hook lets a domain change its own state, money and events in the same transaction as the
// transitions it reports.
import type { Repos, WorkflowRun } from '../storage/index.js';

export interface StageContext {
  readonly run: WorkflowRun;
  readonly input: unknown;
  /** Outputs of the stages already completed, by stage name. */
  readonly outputs: ReadonlyMap<string, unknown>;
  /** Aborted when the lease is lost, the run is cancelled or the worker stops: stop and return. */
  readonly signal: AbortSignal;
  /** This attempt's number, from 1 (counted when the run was claimed). */
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

/**
 * A failure worth retrying that has a stable reason of its own (the OCR engine failed): once the
 * stage's attempts are used up, the run fails with that reason instead of `attempts_exhausted`.
 */
export class RetryableStageError extends Error {
  override readonly name = 'RetryableStageError';
  constructor(readonly reason: string, message?: string, options?: { cause?: unknown }) {
    super(message ?? reason, options);
  }
}

/** The stable reason of a run whose stage used up its attempts (it may have crashed its process each time). */
export const ATTEMPTS_EXHAUSTED = 'attempts_exhausted';

export type Transition =
  /** `first`: no earlier start of this stage in this run was recorded (a stage handed back on shutdown starts again at attempt 1). */
  | { readonly kind: 'stage_started'; readonly stage: string; readonly attempt: number; readonly first: boolean }
  | { readonly kind: 'stage_completed'; readonly stage: string }
  | { readonly kind: 'stage_retry'; readonly stage: string; readonly error: string; readonly attempt: number }
  | { readonly kind: 'completed' }
  | { readonly kind: 'failed'; readonly stage: string; readonly error: string }
  | { readonly kind: 'cancelled' };

export interface WorkflowHooks {
  /**
   * Runs inside the transaction that records `transitions` (once per transaction, in order): domain
   * state, ledger entries and the events that report them commit together with the run's own state.
   */
  onTransitions?(tx: Repos, run: WorkflowRun, transitions: readonly Transition[]): Promise<void>;
  /**
   * Runs inside the transaction that puts a failed run back in the queue (an operator's retry): the
   * domain takes its failure back — debits again what the failure refunded (throwing when the balance
   * is short rolls everything back), returns its resource to processing and reports it. A kind
   * without this hook cannot be retried.
   */
  onRetry?(tx: Repos, run: WorkflowRun): Promise<void>;
}

export interface WorkflowDefinition {
  readonly kind: string;
  readonly stages: readonly Stage[];
  readonly hooks?: WorkflowHooks;
  readonly maxAttempts?: number;
  /** Why a failed run of this kind cannot be retried, for a kind without an onRetry hook. */
  readonly retryRefusal?: string;
}

/** The outcome of an operator's retry: the requeued run, or why it was refused. */
export type RetryOutcome = { readonly run: WorkflowRun } | { readonly refused: string };
