// Durable workflows: each run's stages and their state live in the database. Workers claim a run
// under a lease, do its next stage, and record the result in one transaction with the domain's own
// change. A crash leaves the lease to expire; whoever claims next resumes at the first stage not
// complete, so finished work is never redone and never lost.
import { randomUUID } from 'node:crypto';
import type { Logger } from '../http/index.js';
import type { Repos, Storage, WorkflowRun } from '../storage/index.js';
import { newId } from '../util/ids.js';
import { nowIso } from '../util/time.js';
import { PermanentStageError, type Transition, type WorkflowDefinition } from './types.js';

export interface WorkflowOptions {
  readonly concurrency: number;
  readonly leaseMs: number;
  readonly pollMs: number;
  readonly maxAttempts: number;
  readonly backoffBaseMs: number;
  readonly backoffMaxMs: number;
}

export interface EnqueueInput {
  readonly kind: string;
  readonly orgId: string;
  readonly resourceId: string;
  readonly input: unknown;
  readonly id?: string;
}

export class WorkflowEngine {
  private readonly definitions = new Map<string, WorkflowDefinition>();
  private readonly owner = `w_${randomUUID()}`;
  private running = false;
  private readonly slots: Promise<void>[] = [];
  private readonly inFlight = new Set<AbortController>();
  private wakers: (() => void)[] = [];

  constructor(
    private readonly storage: Storage,
    private readonly options: WorkflowOptions,
    private readonly logger: Logger,
  ) {}

  define(definition: WorkflowDefinition): void {
    this.definitions.set(definition.kind, definition);
  }

  /** Creates a run inside the caller's transaction, so it exists exactly when the caller's state does. */
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
    };
    await tx.workflows.create(run);
    return run;
  }

  /** Nudges idle workers (after an enqueue in this process). */
  wake(): void {
    const wakers = this.wakers;
    this.wakers = [];
    for (const w of wakers) w();
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    if (this.options.concurrency > 0) this.logger.info({ owner: this.owner, concurrency: this.options.concurrency }, 'workflow workers started');
    for (let i = 0; i < this.options.concurrency; i++) this.slots.push(this.loop());
  }

  /** Stops claiming; in-flight stages are aborted and their runs left for the next claim. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    for (const c of this.inFlight) c.abort();
    this.wake();
    await Promise.all(this.slots.splice(0));
  }

  async cancel(runId: string): Promise<boolean> {
    const run = await this.storage.workflows.get(runId);
    if (!run) return false;
    const hooks = this.definitions.get(run.kind)?.hooks;
    const done = await this.storage.transaction(async (tx) => {
      if (!(await tx.workflows.cancel(runId, nowIso()))) return false;
      await hooks?.onTransition?.(tx, run, { kind: 'cancelled' });
      return true;
    });
    if (done) await this.after(run, { kind: 'cancelled' });
    return done;
  }

  private async loop(): Promise<void> {
    while (this.running) {
      let run: WorkflowRun | undefined;
      try {
        run = await this.storage.workflows.claim([...this.definitions.keys()], this.owner, Date.now(), this.options.leaseMs);
      } catch (e) {
        this.logger.warn({ err: e }, 'workflow claim failed');
      }
      if (!run) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, this.options.pollMs);
          this.wakers.push(() => {
            clearTimeout(timer);
            resolve();
          });
        });
        continue;
      }
      try {
        await this.step(run);
      } catch (e) {
        this.logger.error({ err: e, run: run.id }, 'workflow step failed to record');
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
      await this.storage.transaction(async (tx) => {
        await tx.workflows.startStage(run.id, stage.name, nowIso());
        await def.hooks?.onTransition?.(tx, run, { kind: 'stage_started', stage: stage.name });
      });
      await this.after(run, { kind: 'stage_started', stage: stage.name });
      let output: unknown;
      try {
        output = await stage.run({ run, input: JSON.parse(run.input) as unknown, outputs, signal: controller.signal, attempt: run.attempts + 1 });
      } catch (e) {
        if (controller.signal.aborted) return;
        return await this.failStage(run, def, stage.name, e);
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

  private async failStage(run: WorkflowRun, def: WorkflowDefinition, stage: string, e: unknown): Promise<void> {
    const error = e instanceof PermanentStageError ? e.reason : e instanceof Error ? e.message : String(e);
    const attempt = run.attempts + 1;
    const maxAttempts = def.maxAttempts ?? this.options.maxAttempts;
    const at = nowIso();
    if (e instanceof PermanentStageError || attempt >= maxAttempts) {
      this.logger.warn({ run: run.id, stage, attempt, error }, 'workflow failed');
      await this.record(run, def, [{ kind: 'failed', stage, error }], { status: 'failed', error, completed_at: at }, async (tx) => {
        await tx.workflows.finishStage(run.id, stage, { status: 'failed', output: null, error, finished_at: at });
      });
      return;
    }
    const delay = Math.min(this.options.backoffMaxMs, this.options.backoffBaseMs * 2 ** (attempt - 1));
    this.logger.info({ run: run.id, stage, attempt, error, retryInMs: delay }, 'workflow stage will retry');
    await this.record(run, def, [{ kind: 'stage_retry', stage, error, attempt }], { attempts: attempt, run_after: Date.now() + Math.round(delay * (0.5 + Math.random() / 2)) });
  }

  /** One transaction: the run's new state (lease released), extra writes, and the domain hooks. */
  private async record(
    run: WorkflowRun,
    def: WorkflowDefinition,
    transitions: readonly Transition[],
    patch: Partial<WorkflowRun>,
    extra?: (tx: Repos) => Promise<void>,
  ): Promise<void> {
    const full: Partial<WorkflowRun> = { lease_owner: null, lease_expires_at: null, updated_at: nowIso(), ...patch };
    if (transitions.some((t) => t.kind === 'stage_completed')) full.attempts = 0;
    const committed = await this.storage.transaction(async (tx) => {
      if (!(await tx.workflows.update(run.id, this.owner, full))) return false;
      await extra?.(tx);
      for (const t of transitions) await def.hooks?.onTransition?.(tx, run, t);
      return true;
    });
    if (!committed) return;
    for (const t of transitions) await this.after(run, t);
  }

  private async after(run: WorkflowRun, transition: Transition): Promise<void> {
    const hooks = this.definitions.get(run.kind)?.hooks;
    try {
      await hooks?.afterTransition?.(run, transition);
    } catch (e) {
      this.logger.warn({ err: e, run: run.id, transition: transition.kind }, 'workflow after-transition hook failed');
    }
  }
}
