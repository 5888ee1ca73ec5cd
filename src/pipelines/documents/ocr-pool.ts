// The node's OCR workers: a fixed number of workers shared by every document being processed. Each
// worker takes one exclusive job (a page to OCR: a core's worth of work) at a time; exclusive jobs wait
// in one queue per group (a document) and are handed out round-robin over the groups, so a long scan
// never holds back a short one. Shared jobs (page counts, text layers: quick) run at once beside them.
// A job that overruns its time has wedged its worker, which is replaced; so is a worker that asks to
// retire (it grew heavy), once its jobs end. The pool is generic over what a worker is (a thread in the
// server, an in-process stand-in in tests).

export interface PoolWorker<J, R, N> {
  /** Runs one job; an aborted signal asks the worker to stop it as soon as it can. */
  run(job: J, signal: AbortSignal): Promise<R>;
  /** A message for state the worker keeps across jobs (e.g. a document it holds open). */
  notify(notice: N): void;
  /** Settles when the worker dies on its own (a crash, an exit), with why. */
  readonly exited: Promise<Error>;
  /** Lets the jobs in flight finish, then stops. */
  close(): Promise<void>;
  /** Stops it now, whatever it is doing. */
  terminate(): Promise<void>;
  /** It asks to be replaced: it takes no new job, and is closed once those it runs end. */
  readonly retiring?: boolean;
}

export interface OcrPoolOptions<J, R, N> {
  /** Workers at most; each is started when work first needs it. */
  readonly size: number;
  readonly spawn: () => PoolWorker<J, R, N>;
  /** A job running longer than this has wedged its worker: it fails and the worker is replaced. */
  readonly timeoutMs: number;
}

export interface JobOptions {
  /** Whose job it is: exclusive jobs are handed out round-robin over groups (one group without it). */
  readonly group?: string;
  /** Takes a worker's one exclusive slot (CPU-bound work); otherwise runs beside whatever it is doing. */
  readonly exclusive: boolean;
  /** Aborting removes the job if it is queued, or asks its worker to stop it; either way it rejects at once. */
  readonly signal?: AbortSignal;
}

export class PoolJobTimeoutError extends Error {
  override readonly name = 'PoolJobTimeoutError';
}

/** The worker running the job died, or was replaced because another of its jobs wedged it. */
export class PoolWorkerLostError extends Error {
  override readonly name: string = 'PoolWorkerLostError';
}

/**
 * The job's worker died of its memory limit while running it alone, or again after being moved: the
 * job itself takes more memory than a worker may have, and is not run a third time.
 */
export class PoolJobOutOfMemoryError extends PoolWorkerLostError {
  override readonly name = 'PoolJobOutOfMemoryError';
}

/** A worker thread's end when its V8 heap reached its resourceLimits. */
export function isOutOfMemory(error: unknown): boolean {
  return error instanceof Error && (error as NodeJS.ErrnoException).code === 'ERR_WORKER_OUT_OF_MEMORY';
}

export class PoolClosedError extends Error {
  override readonly name = 'PoolClosedError';
  constructor() {
    super('the OCR pool is closed');
  }
}

type Outcome<R> = { readonly ok: true; readonly value: R } | { readonly ok: false; readonly error: unknown };

interface Job<J, R> {
  readonly payload: J;
  readonly options: JobOptions;
  readonly controller: AbortController;
  readonly resolve: (value: R) => void;
  readonly reject: (error: unknown) => void;
  settled: boolean;
  /** Jobs that lose their worker through no fault of their own are run once more elsewhere. */
  retried: boolean;
  timer?: NodeJS.Timeout;
  detach?: () => void;
}

interface Slot<J, R, N> {
  readonly worker: PoolWorker<J, R, N>;
  exclusive: Job<J, R> | undefined;
  readonly shared: Set<Job<J, R>>;
  gone: boolean;
}

const idle = <J, R, N>(slot: Slot<J, R, N>): boolean => !slot.exclusive && slot.shared.size === 0;
/** A worker that asked to retire is given nothing more. */
const open = <J, R, N>(slot: Slot<J, R, N>): boolean => slot.worker.retiring !== true;

export class OcrPool<J, R, N> {
  private readonly slots: Slot<J, R, N>[] = [];
  /** Queued exclusive jobs by group; Map order is the round-robin order (a served group moves to the end). */
  private readonly queues = new Map<string, Job<J, R>[]>();
  private closed = false;

  constructor(private readonly options: OcrPoolOptions<J, R, N>) {
    if (!Number.isInteger(options.size) || options.size < 1) throw new RangeError(`an OCR pool needs at least one worker, got ${options.size}`);
  }

  get size(): number {
    return this.options.size;
  }

  /** Workers running now (they start on demand, so fewer than `size` until there is enough work). */
  get started(): number {
    return this.slots.length;
  }

  /** Exclusive jobs waiting for a worker. */
  get queued(): number {
    let n = 0;
    for (const q of this.queues.values()) n += q.length;
    return n;
  }

  run(payload: J, options: JobOptions): Promise<R> {
    if (this.closed) return Promise.reject(new PoolClosedError());
    if (options.signal?.aborted) return Promise.reject(options.signal.reason);
    return new Promise<R>((resolve, reject) => {
      const job: Job<J, R> = { payload, options, controller: new AbortController(), resolve, reject, settled: false, retried: false };
      const signal = options.signal;
      if (signal) {
        const onAbort = () => this.abort(job, signal.reason);
        signal.addEventListener('abort', onAbort, { once: true });
        job.detach = () => signal.removeEventListener('abort', onAbort);
      }
      this.submit(job);
    });
  }

  /** Tells every running worker; workers started later never held what it is about. */
  notify(notice: N): void {
    for (const slot of this.slots) slot.worker.notify(notice);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const queue of this.queues.values()) for (const job of queue) this.settle(job, { ok: false, error: new PoolClosedError() });
    this.queues.clear();
    const slots = this.slots.splice(0);
    await Promise.all(
      slots.map(async (slot) => {
        slot.gone = true;
        await slot.worker.close();
        for (const job of [slot.exclusive, ...slot.shared]) {
          if (!job) continue;
          clearTimeout(job.timer);
          this.settle(job, { ok: false, error: new PoolClosedError() });
        }
      }),
    );
  }

  private submit(job: Job<J, R>): void {
    if (job.options.exclusive) {
      const group = job.options.group ?? '';
      const queue = this.queues.get(group);
      if (queue) queue.push(job);
      else this.queues.set(group, [job]);
      this.dispatch();
    } else {
      this.start(job, this.sharedSlot());
    }
  }

  /** Hands queued exclusive jobs to free workers, starting workers up to the pool's size. */
  private dispatch(): void {
    while (!this.closed && this.queues.size > 0) {
      const slot = this.slots.find((s) => open(s) && !s.exclusive) ?? (this.running() < this.options.size ? this.spawn() : undefined);
      if (!slot) return;
      const job = this.nextExclusive();
      if (!job) return;
      slot.exclusive = job;
      this.start(job, slot);
    }
  }

  private nextExclusive(): Job<J, R> | undefined {
    for (const [group, queue] of this.queues) {
      const job = queue.shift();
      this.queues.delete(group);
      if (queue.length > 0) this.queues.set(group, queue);
      if (job) return job;
    }
    return undefined;
  }

  /** An idle worker if there is one, else a new one while the pool has room, else the least busy. */
  private sharedSlot(): Slot<J, R, N> {
    const load = (s: Slot<J, R, N>) => (s.exclusive ? 1 : 0) + s.shared.size;
    const candidates = this.slots.filter(open);
    const free = candidates.find((s) => load(s) === 0);
    if (free) return free;
    if (this.running() < this.options.size || candidates.length === 0) return this.spawn();
    return candidates.reduce((best, s) => (load(s) < load(best) ? s : best));
  }

  /** Workers that take jobs: a retiring one finishing its last jobs does not count against the size. */
  private running(): number {
    return this.slots.filter(open).length;
  }

  /** A retiring worker leaves the pool once its jobs are done; a new one starts when work needs it. */
  private retireIfDone(slot: Slot<J, R, N>): void {
    if (open(slot) || !idle(slot) || slot.gone) return;
    slot.gone = true;
    this.slots.splice(this.slots.indexOf(slot), 1);
    void slot.worker.close();
  }

  private spawn(): Slot<J, R, N> {
    const slot: Slot<J, R, N> = { worker: this.options.spawn(), exclusive: undefined, shared: new Set(), gone: false };
    this.slots.push(slot);
    void slot.worker.exited.then((error) => this.lose(slot, error));
    return slot;
  }

  private start(job: Job<J, R>, slot: Slot<J, R, N>): void {
    if (!job.options.exclusive) slot.shared.add(job);
    job.timer = setTimeout(() => this.timeout(job, slot), this.options.timeoutMs);
    slot.worker.run(job.payload, job.controller.signal).then(
      (value) => this.finish(job, slot, { ok: true, value }),
      (error: unknown) => this.finish(job, slot, { ok: false, error }),
    );
  }

  private finish(job: Job<J, R>, slot: Slot<J, R, N>, outcome: Outcome<R>): void {
    // A replaced worker's late answers are not news: its jobs were already failed or moved.
    if (slot.gone) return;
    clearTimeout(job.timer);
    if (slot.exclusive === job) slot.exclusive = undefined;
    slot.shared.delete(job);
    this.settle(job, outcome);
    this.retireIfDone(slot);
    this.dispatch();
  }

  private abort(job: Job<J, R>, reason: unknown): void {
    for (const [group, queue] of this.queues) {
      const at = queue.indexOf(job);
      if (at < 0) continue;
      queue.splice(at, 1);
      if (queue.length === 0) this.queues.delete(group);
    }
    // A running job keeps its worker (and its timer) until the worker lets go of it, so the slot's core
    // is never counted twice and a worker that never lets go is still replaced.
    job.controller.abort(reason);
    this.settle(job, { ok: false, error: reason });
  }

  private timeout(job: Job<J, R>, slot: Slot<J, R, N>): void {
    if (slot.gone) return;
    this.settle(job, { ok: false, error: new PoolJobTimeoutError(`a job took longer than ${this.options.timeoutMs} ms; its worker was replaced`) });
    this.lose(slot, new Error('a job on the same worker wedged it'));
    void slot.worker.terminate();
  }

  /** Takes a dead or wedged worker out; its other jobs run once more on another worker. */
  private lose(slot: Slot<J, R, N>, error: Error): void {
    if (slot.gone) return;
    slot.gone = true;
    this.slots.splice(this.slots.indexOf(slot), 1);
    const orphans = [slot.exclusive, ...slot.shared].filter((j): j is Job<J, R> => j !== undefined && !j.settled);
    slot.exclusive = undefined;
    slot.shared.clear();
    // Out of memory with one job, that job took it all; with several, each is moved once, and the one
    // that runs its next worker out of memory too is the one.
    const outOfMemory = isOutOfMemory(error);
    for (const job of orphans) {
      clearTimeout(job.timer);
      if (outOfMemory && (job.retried || orphans.length === 1)) {
        this.settle(job, { ok: false, error: new PoolJobOutOfMemoryError(`the OCR worker ran out of memory: ${error.message}`, { cause: error }) });
      } else if (job.retried || this.closed) this.settle(job, { ok: false, error: new PoolWorkerLostError(`the OCR worker was lost: ${error.message}`) });
      else {
        job.retried = true;
        if (job.options.exclusive) {
          const group = job.options.group ?? '';
          this.queues.set(group, [job, ...(this.queues.get(group) ?? [])]);
        }
        else this.start(job, this.sharedSlot());
      }
    }
    this.dispatch();
  }

  private settle(job: Job<J, R>, outcome: Outcome<R>): void {
    if (job.settled) return;
    job.settled = true;
    job.detach?.();
    if (outcome.ok) job.resolve(outcome.value);
    else job.reject(outcome.error);
  }
}
