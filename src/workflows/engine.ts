// Durable workflows: each run's stages and their state live in the database. Workers claim a run
// under a lease (the claim counts the attempt), do its next stage, and record the result in one
// transaction with the domain's own change and events. A crash leaves the lease to expire; whoever
// claims next resumes at the first stage not complete, so finished work is never redone and never
// lost, and a stage that crashes its process every time fails once its attempts are used up.
// Claims are fair between organizations (storage picks the one with the fewest stages running), and
// a few extra slots take only organizations with nothing running here: stages are not preempted, so
// without them one tenant's slow stages (a scan that OCRs for minutes) could fill every slot first.
import { randomUUID } from 'node:crypto';
import type { Logger } from '../http/index.js';
import type { Repos, Storage, WorkflowRun } from '../storage/index.js';
import { isStorageUnavailable, WORKFLOW_CHANNEL } from '../storage/index.js';
import { newId } from '../util/ids.js';
import { nowIso } from '../util/time.js';
import { ATTEMPTS_EXHAUSTED, PermanentStageError, RetryableStageError, type RetryOutcome, type Transition, type WorkflowDefinition } from './types.js';
import { isDependencyUnavailable } from '../util/dependency-unavailable.js';
import { RepeatedFailureLog } from '../util/repeated-failure.js';

export interface WorkflowOptions {
  readonly concurrency: number;
  /** Slots beyond `concurrency` that claim only runs of organizations with nothing running on this node. Default 0. */
  readonly reservedSlots?: number;
  readonly leaseMs: number;
  readonly pollMs: number;
  readonly maxAttempts: number;
  readonly backoffBaseMs: number;
  readonly backoffMaxMs: number;
  /**
   * How long a stage may keep failing because the database or the file store cannot be reached,
   * counted from its first start, before those failures count against its attempts. Default 1 hour.
   */
  readonly outagePatienceMs?: number;
}

const OUTAGE_PATIENCE_MS = 60 * 60_000;

/** What the stage's own row said before this attempt started: undefined at its first start. */
interface EarlierStarts {
  readonly startedAt: string;
  readonly attempts: number;
}

export interface EnqueueInput {
  readonly kind: string;
  readonly orgId: string;
  readonly resourceId: string;
  readonly input: unknown;
  readonly id?: string;
}

/** One worker's idle wait: a single timer reused for every poll, woken early when work arrives. */
class IdleWait {
  private resolve: (() => void) | undefined;
  private readonly timer: NodeJS.Timeout;
  private closed = false;

  constructor(ms: number) {
    this.timer = setTimeout(() => this.wake(), ms);
    this.timer.unref();
  }

  wait(): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((resolve) => {
      this.resolve = resolve;
      this.timer.refresh();
    });
  }

  wake(): void {
    const resolve = this.resolve;
    this.resolve = undefined;
    resolve?.();
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    this.wake();
  }
}

export class WorkflowEngine {
  private readonly definitions = new Map<string, WorkflowDefinition>();
  private readonly owner = `w_${randomUUID()}`;
  private running = false;
  private readonly slots: Promise<void>[] = [];
  private readonly waits: IdleWait[] = [];
  private readonly inFlight = new Set<AbortController>();
  /** Regular slots holding a run now. */
  private busy = 0;
  private listening: { close(): Promise<void> } | undefined;

  private readonly claimFailures: RepeatedFailureLog;

  constructor(
    private readonly storage: Storage,
    private readonly options: WorkflowOptions,
    private readonly logger: Logger,
  ) {
    this.claimFailures = new RepeatedFailureLog(logger, 'workflow claim failed');
  }

  define(definition: WorkflowDefinition): void {
    this.definitions.set(definition.kind, definition);
  }

  /**
   * Creates a run inside the caller's transaction, so it exists exactly when the caller's state does,
   * and tells idle workers on every node at commit. Call wake() after the commit for this node's.
   */
  async enqueue(tx: Repos, input: EnqueueInput): Promise<WorkflowRun> {
    if (!this.definitions.has(input.kind)) throw new Error(`no workflow definition for ${input.kind}`);
    const at = nowIso();
    const run: WorkflowRun = {
      id: input.id ?? newId('wf'),
      kind: input.kind,
      org_id: input.orgId,
      resource_id: input.resourceId,
      status: 'queued',
      attempts: 0,
      lease_owner: null,
      lease_expires_at: null,
      run_after: Date.now(),
      error: null,
      input: JSON.stringify(input.input ?? null),
      created_at: at,
      updated_at: at,
      completed_at: null,
      failed_permanently: 0,
      stage_statuses: null,
    };
    await tx.workflows.create(run);
    await tx.workflows.notify();
    return run;
  }

  /** Nudges this node's idle workers. */
  wake(): void {
    for (const w of this.waits) w.wake();
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    if (this.options.concurrency <= 0) return;
    const reserved = this.options.reservedSlots ?? 0;
    this.logger.info({ owner: this.owner, concurrency: this.options.concurrency, reserved }, 'workflow workers started');
    this.listening = this.storage.listen(WORKFLOW_CHANNEL, () => this.wake());
    for (let i = 0; i < this.options.concurrency + reserved; i++) {
      const wait = new IdleWait(this.options.pollMs);
      this.waits.push(wait);
      this.slots.push(this.loop(wait, i >= this.options.concurrency));
    }
  }

  /** Stops claiming, aborts in-flight stages and hands their runs back, so another worker takes them at once. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    for (const c of this.inFlight) c.abort();
    for (const w of this.waits.splice(0)) w.close();
    await Promise.all(this.slots.splice(0));
    await this.listening?.close();
    this.listening = undefined;
    try {
      const released = await this.storage.workflows.release(this.owner);
      if (released > 0) this.logger.info({ released }, 'workflow leases handed back');
    } catch (e) {
      this.logger.warn({ err: e }, 'handing workflow leases back failed; they lapse after the lease period');
    }
  }

  async cancel(runId: string): Promise<boolean> {
    const run = await this.storage.workflows.get(runId);
    if (!run) return false;
    const hooks = this.definitions.get(run.kind)?.hooks;
    return this.storage.transaction(async (tx) => {
      if (!(await tx.workflows.cancel(runId, nowIso()))) return false;
      await hooks?.onTransitions?.(tx, run, [{ kind: 'cancelled' }]);
      return true;
    });
  }

  /** The names of a kind's stages, in order (empty for a kind this node does not define). */
  stageNames(kind: string): string[] {
    return this.definitions.get(kind)?.stages.map((s) => s.name) ?? [];
  }

  /** Why an operator may not retry this run, or undefined when a retry may help. */
  retryRefusal(run: WorkflowRun): string | undefined {
    if (run.status !== 'failed') return `The run is ${run.status}: only a failed run can be retried`;
    if (run.failed_permanently === 1) return `The run failed for good (${run.error ?? 'failed'}): running it again would fail the same way`;
    const def = this.definitions.get(run.kind);
    if (!def?.hooks?.onRetry) return def?.retryRefusal ?? `Runs of kind ${run.kind} cannot be retried`;
    return undefined;
  }

  /**
   * An operator's retry of a failed run: in one transaction the run goes back to the queue (at the
   * first stage not complete, its attempts counted from zero) and its domain takes the failure back
   * (money, state, events). Undefined when there is no such run.
   */
  async retry(runId: string): Promise<RetryOutcome | undefined> {
    const run = await this.storage.workflows.get(runId);
    if (!run) return undefined;
    const refused = this.retryRefusal(run);
    const onRetry = this.definitions.get(run.kind)?.hooks?.onRetry;
    if (refused !== undefined || !onRetry) return { refused: refused ?? 'This run cannot be retried' };
    // The answer is the run as the retry left it, read in its transaction: read after the commit, it
    // could already be a worker's next attempt.
    const requeued = await this.storage.transaction(async (tx) => {
      if (!(await tx.workflows.requeue(run.id, nowIso(), Date.now()))) return undefined;
      await onRetry(tx, run);
      await tx.workflows.notify();
      return tx.workflows.get(run.id);
    });
    if (!requeued) return { refused: 'The run is no longer failed: it was retried or changed meanwhile' };
    this.wake();
    return { run: requeued };
  }

  private async loop(wait: IdleWait, reserved: boolean): Promise<void> {
    const claim = reserved ? { idleOrgsOnly: true } : {};
    while (this.running) {
      // A reserved slot is for when the others are full: taken earlier, it could go to the very
      // organization that then fills the rest.
      if (reserved && this.busy < this.options.concurrency) {
        await wait.wait();
        continue;
      }
      let run: WorkflowRun | undefined;
      try {
        run = await this.storage.workflows.claim([...this.definitions.keys()], this.owner, Date.now(), this.options.leaseMs, claim);
        this.claimFailures.succeeded();
      } catch (e) {
        this.claimFailures.failed(e);
      }
      if (!run) {
        await wait.wait();
        continue;
      }
      if (!reserved) this.busy++;
      try {
        await this.step(run);
      } catch (e) {
        // The database away (a restart, a failover) is an outage the run survives: its lease lapses and
        // it is taken again. Anything else is a bug.
        if (isStorageUnavailable(e)) this.logger.warn({ err: e, run: run.id }, 'workflow step not recorded: the database is unavailable; the run is taken again');
        else this.logger.error({ err: e, run: run.id }, 'workflow step failed to record');
      } finally {
        if (!reserved) this.busy--;
      }
    }
  }

  /** Runs the next incomplete stage of a claimed run and records what happened. */
  private async step(run: WorkflowRun): Promise<void> {
    const def = this.definitions.get(run.kind);
    if (!def) return;
    const rows = await this.storage.workflows.stages(run.id);
    const outputs = new Map<string, unknown>();
    for (const r of rows) if (r.status === 'complete') outputs.set(r.stage, r.output === null ? null : (JSON.parse(r.output) as unknown));
    const index = def.stages.findIndex((s) => !outputs.has(s.name));
    if (index < 0) return this.record(run, def, [{ kind: 'completed' }], { status: 'completed', completed_at: nowIso() });
    const stage = def.stages[index]!;
    const maxAttempts = def.maxAttempts ?? this.options.maxAttempts;
    if (run.attempts > maxAttempts) {
      // Every earlier attempt ended without an outcome: its worker died (an out-of-memory file, a kill).
      this.logger.warn({ run: run.id, stage: stage.name, attempts: run.attempts - 1 }, 'workflow stage used up its attempts');
      return this.fail(run, def, stage.name, ATTEMPTS_EXHAUSTED, false);
    }

    const controller = new AbortController();
    this.inFlight.add(controller);
    const renewEvery = Math.max(50, Math.floor(this.options.leaseMs / 3));
    const renewer = setInterval(() => {
      this.storage.workflows.renew(run.id, this.owner, Date.now() + this.options.leaseMs).then(
        (held) => held || controller.abort(),
        () => undefined,
      );
    }, renewEvery);
    try {
      const started = await this.storage.transaction(async (tx) => {
        // The lease may have lapsed while the stage list was read: only its holder may start the stage.
        if (!(await tx.workflows.renew(run.id, this.owner, Date.now() + this.options.leaseMs))) return false;
        await tx.workflows.startStage(run.id, stage.name, nowIso());
        await def.hooks?.onTransitions?.(tx, run, [{ kind: 'stage_started', stage: stage.name, attempt: run.attempts, first: !rows.some((r) => r.stage === stage.name) }]);
        return true;
      });
      if (!started) return;
      let output: unknown;
      try {
        output = await stage.run({ run, input: JSON.parse(run.input) as unknown, outputs, signal: controller.signal, attempt: run.attempts });
      } catch (e) {
        if (controller.signal.aborted) return;
        const earlier = rows.find((r) => r.stage === stage.name);
        return await this.failStage(run, def, stage.name, e, earlier && { startedAt: earlier.started_at, attempts: earlier.attempts });
      }
      if (controller.signal.aborted) return;
      const last = index === def.stages.length - 1;
      const at = nowIso();
      const transitions: Transition[] = [{ kind: 'stage_completed', stage: stage.name }];
      if (last) transitions.push({ kind: 'completed' });
      await this.record(run, def, transitions, last ? { status: 'completed', completed_at: at } : {}, async (tx) => {
        await tx.workflows.finishStage(run.id, stage.name, { status: 'complete', output: JSON.stringify(output ?? null), error: null, finished_at: at });
      });
      // The next stage is due now; claim it without waiting for a poll.
      if (!last) this.wake();
    } finally {
      clearInterval(renewer);
      this.inFlight.delete(controller);
    }
  }

  /**
   * A stage that threw: failed for good (a permanent reason, or its attempts used up), or due again
   * after a backoff. The run fails with a stable reason; what was thrown stays on the stage's row,
   * for operators. A database or file store out of reach is no fault of the stage: while it lasts
   * (up to outagePatienceMs from the stage's first start) the stage waits without using an attempt.
   */
  private async failStage(run: WorkflowRun, def: WorkflowDefinition, stage: string, e: unknown, earlier: EarlierStarts | undefined): Promise<void> {
    const detail = describeFailure(e);
    const attempt = run.attempts;
    const maxAttempts = def.maxAttempts ?? this.options.maxAttempts;
    const firstStart = earlier ? Date.parse(earlier.startedAt) : Date.now();
    const outage = (isDependencyUnavailable(e) || isStorageUnavailable(e)) && Date.now() - firstStart < (this.options.outagePatienceMs ?? OUTAGE_PATIENCE_MS);
    if (outage) {
      const retries = (earlier?.attempts ?? 0) + 1;
      const delay = this.backoff(retries);
      this.logger.warn({ run: run.id, stage, error: detail, cause: causeText(e), retryInMs: delay }, 'workflow stage waits for a dependency');
      return this.retryLater(run, def, stage, detail, delay, { attempts: Math.max(0, attempt - 1) });
    }
    if (e instanceof PermanentStageError || attempt >= maxAttempts) {
      const reason = e instanceof PermanentStageError || e instanceof RetryableStageError ? e.reason : ATTEMPTS_EXHAUSTED;
      this.logger.warn({ run: run.id, stage, attempt, reason, error: detail }, 'workflow failed');
      return this.fail(run, def, stage, reason, e instanceof PermanentStageError, detail);
    }
    const delay = this.backoff(attempt);
    this.logger.info({ run: run.id, stage, attempt, error: detail, retryInMs: delay }, 'workflow stage will retry');
    return this.retryLater(run, def, stage, detail, delay, {});
  }

  /** The wait before the `retries`-th retry: doubling from the base, up to the maximum. */
  private backoff(retries: number): number {
    return Math.min(this.options.backoffMaxMs, this.options.backoffBaseMs * 2 ** (retries - 1));
  }

  /** The stage due again after `delay`, with jitter. */
  private retryLater(run: WorkflowRun, def: WorkflowDefinition, stage: string, error: string, delay: number, patch: Partial<WorkflowRun>): Promise<void> {
    return this.record(run, def, [{ kind: 'stage_retry', stage, error, attempt: run.attempts }], { ...patch, run_after: Date.now() + Math.round(delay * (0.5 + Math.random() / 2)) });
  }

  /** The run failed with a stable `reason`; the stage's row keeps `detail`, what was thrown. */
  private fail(run: WorkflowRun, def: WorkflowDefinition, stage: string, reason: string, permanent: boolean, detail = reason): Promise<void> {
    const at = nowIso();
    return this.record(run, def, [{ kind: 'failed', stage, error: reason }], { status: 'failed', error: reason, completed_at: at, failed_permanently: permanent ? 1 : 0 }, async (tx) => {
      await tx.workflows.finishStage(run.id, stage, { status: 'failed', output: null, error: detail, finished_at: at });
    });
  }

  /** One transaction: the run's new state (lease released), extra writes, and the domain hook. */
  private async record(
    run: WorkflowRun,
    def: WorkflowDefinition,
    transitions: readonly Transition[],
    patch: Partial<WorkflowRun>,
    extra?: (tx: Repos) => Promise<void>,
  ): Promise<void> {
    const full: Partial<WorkflowRun> = { lease_owner: null, lease_expires_at: null, updated_at: nowIso(), ...patch };
    if (transitions.some((t) => t.kind === 'stage_completed')) full.attempts = 0;
    await this.storage.transaction(async (tx) => {
      if (!(await tx.workflows.update(run.id, this.owner, full))) return;
      await extra?.(tx);
      await def.hooks?.onTransitions?.(tx, run, transitions);
    });
  }
}

/** What a stage threw, for the operator: its reason first when it has one, then what it said. */
function describeFailure(e: unknown): string {
  if (e instanceof PermanentStageError || e instanceof RetryableStageError) return e.message === e.reason ? e.reason : `${e.reason}: ${e.message}`;
  return e instanceof Error ? e.message : String(e);
}

/** What a dependency said, under the refusal that names it. */
function causeText(e: unknown): string | undefined {
  const cause = isDependencyUnavailable(e) ? e.cause : e;
  return cause instanceof Error ? cause.message : undefined;
}
