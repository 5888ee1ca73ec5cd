// Runs the cleanup on an interval that never keeps the process alive, one run at a time: a run
// still going when the next tick comes makes that tick a no-op.
import { runCleanup, type CleanupDeps, type CleanupOptions } from './cleanup.js';
import { BlobSweep } from './orphaned-blobs.js';

export interface CleanupScheduleOptions extends CleanupOptions {
  readonly intervalMs: number;
}

export interface CleanupTask {
  /** Stops the schedule; a run in progress stops at its next step and is waited for. */
  stop(): Promise<void>;
}

export function startCleanup(deps: Omit<CleanupDeps, 'sweep' | 'signal'>, options: CleanupScheduleOptions): CleanupTask {
  const sweep = new BlobSweep();
  const stopping = new AbortController();
  let running: Promise<void> | undefined;
  const tick = (): void => {
    if (running || stopping.signal.aborted) return;
    running = runCleanup({ ...deps, sweep, signal: stopping.signal }, options)
      .then(
        (report) => {
          const { failed, ...counts } = report;
          if (Object.values(counts).some((n) => n > 0)) deps.logger.info({ removed: counts, failed }, 'cleanup removed old state');
        },
        (e: unknown) => deps.logger.warn({ err: e }, 'cleanup run failed'),
      )
      .finally(() => {
        running = undefined;
      });
  };
  const timer = setInterval(tick, options.intervalMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      stopping.abort();
      await running;
    },
  };
}
