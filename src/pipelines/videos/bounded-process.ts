// Runs a transcription program without a shell and within bounds: its own process group (so a
// timeout or an abort also ends what it started), a deadline, a lower CPU priority, and at most a
// given amount of its output held in memory.
import { spawn } from 'node:child_process';
import { setPriority } from 'node:os';
import { createInterface } from 'node:readline';
import { BoundedText } from './bounded-text.js';

export interface BoundedRun {
  /** The program: a path, or a name looked up on PATH. */
  readonly command: string;
  readonly args: readonly string[];
  /** The whole environment of the program. */
  readonly env: Readonly<Record<string, string>>;
  readonly timeoutMs: number;
  /** After a timeout or an abort, the wait between SIGTERM and SIGKILL. */
  readonly killGraceMs: number;
  readonly signal: AbortSignal;
  /** Standard output: kept up to a number of bytes, or handed over line by line. */
  readonly stdout: { readonly keepBytes: number } | { readonly onLine: (line: string) => void };
  /** Bytes of the end of standard error kept for an error message. */
  readonly stderrTailBytes: number;
  /** Added to the program's nice value, so request handling wins the CPU over long transcriptions. */
  readonly niceness?: number;
}

export type BoundedOutcome =
  | { readonly kind: 'exited'; readonly code: number | null; readonly killedBy: NodeJS.Signals | null; readonly stdout: BoundedText; readonly stderr: string }
  | { readonly kind: 'timeout' }
  | { readonly kind: 'spawn_failed'; readonly error: Error };

/** Resolves however the program ends; rejects only when `signal` aborts, with its reason. */
export function runBounded(run: BoundedRun): Promise<BoundedOutcome> {
  run.signal.throwIfAborted();
  return new Promise((resolve, reject) => {
    const child = spawn(run.command, [...run.args], { stdio: ['ignore', 'pipe', 'pipe'], detached: true, env: { ...run.env } });
    if (run.niceness !== undefined && child.pid !== undefined) {
      try {
        setPriority(child.pid, run.niceness);
      } catch {
        // A container may forbid it; the program then runs at the server's own priority.
      }
    }
    const kept = new BoundedText('keepBytes' in run.stdout ? run.stdout.keepBytes : 0);
    const stderr = new BoundedText(run.stderrTailBytes, 'tail');
    if ('onLine' in run.stdout) createInterface({ input: child.stdout, crlfDelay: Infinity }).on('line', run.stdout.onLine);
    else child.stdout.on('data', (chunk: Buffer) => kept.add(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.add(chunk));

    let settled = false;
    const signalGroup = (name: NodeJS.Signals) => {
      if (child.pid === undefined) return;
      try {
        process.kill(-child.pid, name);
      } catch {
        // The group is already gone.
      }
    };
    // The SIGKILL goes out even if the program itself has exited: a grandchild may ignore SIGTERM.
    const stop = () => {
      signalGroup('SIGTERM');
      setTimeout(() => signalGroup('SIGKILL'), run.killGraceMs).unref();
      child.stdout.destroy();
      child.stderr.destroy();
    };
    const settle = (finish: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timeout);
      run.signal.removeEventListener('abort', onAbort);
      finish();
    };
    const onAbort = () =>
      settle(() => {
        stop();
        reject(run.signal.reason);
      });
    const timeout = setTimeout(
      () =>
        settle(() => {
          stop();
          resolve({ kind: 'timeout' });
        }),
      run.timeoutMs,
    );
    run.signal.addEventListener('abort', onAbort, { once: true });
    child.on('error', (error) => settle(() => resolve({ kind: 'spawn_failed', error })));
    // 'close' waits for the pipes, so every line has been handed over by then.
    child.on('close', (code, killedBy) => settle(() => resolve({ kind: 'exited', code, killedBy, stdout: kept, stderr: stderr.text().trim() })));
  });
}

/** "exited with code 3" or "was killed by SIGKILL". */
export function describeExit(outcome: { readonly code: number | null; readonly killedBy: NodeJS.Signals | null }): string {
  return outcome.code === null ? `was killed by ${outcome.killedBy ?? 'a signal'}` : `exited with code ${outcome.code}`;
}
