// Child processes of a chaos run and the clean-up that must happen whatever way the run ends: every
// child is killed, and every registered clean-up (a PostgreSQL cluster started by pg_ctl is not our
// child) runs synchronously from the process 'exit' hook, which also runs after SIGINT (see run.ts).
import { spawn, type ChildProcess } from 'node:child_process';

const TAIL_CHARS = 16_384;

export interface ManagedChild {
  readonly name: string;
  readonly proc: ChildProcess;
  readonly pid: number;
  /** Exit code, or the signal that ended it. */
  readonly exited: Promise<number | string>;
  readonly hasExited: () => boolean;
  /** The last output (stdout and stderr interleaved), for error messages and the report. */
  tail(): string;
  /** Resolves with the first stdout line `match` accepts; rejects on exit or after `timeoutMs`. */
  waitForLine(match: (line: string) => boolean, timeoutMs: number): Promise<string>;
  /** Called for every complete stdout line (node JSON logs are read through this). */
  onLine(listener: (line: string) => void): void;
  kill(signal: NodeJS.Signals): void;
}

export interface SpawnSpec {
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
}

const live = new Set<ManagedChild>();
const cleanups = new Set<() => void>();

process.on('exit', () => {
  for (const child of live) child.kill('SIGKILL');
  // Last registered first, like nested finally blocks: a server stops before its directory goes.
  for (const cleanup of [...cleanups].reverse()) {
    try {
      cleanup();
    } catch {
      // Exiting anyway: one failed clean-up must not skip the others.
    }
  }
});

/** Registers a synchronous clean-up for process exit; returns its removal. */
export function onExitCleanup(cleanup: () => void): () => void {
  cleanups.add(cleanup);
  return () => cleanups.delete(cleanup);
}

export function spawnChild(spec: SpawnSpec): ManagedChild {
  const proc = spawn(spec.command, [...spec.args], { cwd: spec.cwd, env: spec.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
  if (proc.pid === undefined) throw new Error(`${spec.name}: could not start ${spec.command}`);
  let tail = '';
  let partial = '';
  let done = false;
  const listeners = new Set<(line: string) => void>();
  const keep = (chunk: string) => {
    tail = (tail + chunk).slice(-TAIL_CHARS);
  };
  proc.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    keep(chunk);
    partial += chunk;
    const lines = partial.split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) for (const l of [...listeners]) l(line);
  });
  proc.stderr?.setEncoding('utf8').on('data', keep);
  const exited = new Promise<number | string>((resolve) => {
    proc.once('exit', (code, signal) => {
      done = true;
      resolve(code ?? signal ?? 'unknown');
    });
  });
  const child: ManagedChild = {
    name: spec.name,
    proc,
    pid: proc.pid,
    exited,
    hasExited: () => done,
    tail: () => tail,
    onLine: (listener) => void listeners.add(listener),
    waitForLine(match, timeoutMs) {
      return new Promise((resolve, reject) => {
        const finish = (fn: () => void) => {
          clearTimeout(timer);
          listeners.delete(listener);
          fn();
        };
        const listener = (line: string) => {
          if (match(line)) finish(() => resolve(line));
        };
        const timer = setTimeout(() => finish(() => reject(new Error(`${spec.name}: expected line not printed within ${timeoutMs} ms; output:\n${tail}`))), timeoutMs);
        listeners.add(listener);
        void exited.then((code) => finish(() => reject(new Error(`${spec.name} exited (${code}) before printing the expected line; output:\n${tail}`))));
      });
    },
    kill(signal) {
      if (done) return;
      try {
        proc.kill(signal);
      } catch {
        // Already gone.
      }
    },
  };
  live.add(child);
  void exited.then(() => live.delete(child));
  return child;
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves once the child is gone. */
export async function stopChild(child: ManagedChild, graceMs: number): Promise<void> {
  if (child.hasExited()) return;
  child.kill('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const killed = new Promise<void>((resolve) => {
    timer = setTimeout(() => {
      child.kill('SIGKILL');
      resolve();
    }, graceMs);
  });
  await Promise.race([child.exited, killed]);
  clearTimeout(timer);
  await child.exited;
}
