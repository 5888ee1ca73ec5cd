// Work held until the end of the current pass of the event loop's I/O callbacks (the check phase),
// one setImmediate for all of it, run in a fixed order: the answers to requests first, then the
// realtime fan-out's writes. A publish answered before its pass's fan-out is written lets the
// publisher send its next event while those writes run, so that the next pass's batch carries more
// events; answered after them, every publisher waited for the whole fan-out first (at 1,000
// subscribers a write then carried about half as many events, and the server spent a third more CPU
// per delivery).

/** The steps of the end of a pass, in the order they run. */
export type PassStep = 'answers' | 'writes';

const queued: Record<PassStep, (() => void)[]> = { answers: [], writes: [] };
let scheduled = false;

/**
 * Runs `task` at the end of this pass, after every task of an earlier step. A task queued while the
 * end of a pass runs waits for the end of the next pass. Tasks own their errors: one that throws
 * does not keep the others from running, and its error becomes a process warning.
 */
export function atEndOfPass(step: PassStep, task: () => void): void {
  queued[step].push(task);
  if (scheduled) return;
  scheduled = true;
  setImmediate(endPass);
}

function endPass(): void {
  scheduled = false;
  const { answers, writes } = queued;
  queued.answers = [];
  queued.writes = [];
  runAll(answers);
  runAll(writes);
}

function runAll(tasks: readonly (() => void)[]): void {
  for (const task of tasks) {
    try {
      task();
    } catch (e) {
      const error = e instanceof Error ? e : new Error(String(e));
      process.emitWarning(`A task at the end of a pass failed: ${error.message}`, { code: 'CAPSTAN_END_OF_PASS', detail: error.stack });
    }
  }
}
