// Child processes for benchmarks: each runs under `timeout` (so it ends by itself even if this process
// dies) and `prlimit` (the descriptors it needs), in its own process group so one kill stops it all,
// and which the group watchdog ends as soon as this process is gone.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { unwatchGroup, watchGroup } from './group-watchdog.js';

export interface ChildSpec {
  readonly name: string;
  /** Arguments after `node`. */
  readonly nodeArgs?: readonly string[];
  /** A program other than node: the executable, then its arguments (`nodeArgs` is then unused). */
  readonly command?: readonly string[];
  /** The whole environment (see `baseEnv`); the harness's own by default. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly cwd?: string;
  /** File descriptors the process needs; the soft limit is raised to this (the hard limit is the ceiling). */
  readonly fds: number;
  /** Hard bound on the process's life: `timeout` sends SIGTERM then, and SIGKILL 5 s later. */
  readonly lifetimeSec: number;
  /** Open a message channel (process.send) to the child. */
  readonly ipc?: boolean;
}

export interface Child {
  readonly name: string;
  readonly proc: ChildProcess;
  /** Resolves with the exit code (or signal name) once the wrapper exits. */
  readonly exited: Promise<number | string>;
  /** The last few kilobytes of stdout and stderr, for error messages. */
  output(): string;
  /** Resolves with the first stdout line matching `pattern`. */
  waitForLine(pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray>;
  /** Pid of the node process (or `command`) itself, under the timeout wrapper, once it is running. */
  nodePid(): number | undefined;
}

const TAIL_BYTES = 8192;

/** The hard RLIMIT_NOFILE of this process: children can raise their soft limit up to it, no further. */
export function hardFdLimit(): number {
  const line = readFileSync('/proc/self/limits', 'utf8').split('\n').find((l) => l.startsWith('Max open files'));
  const hard = line?.trim().split(/\s+/)[4];
  return hard === undefined || hard === 'unlimited' ? 1_048_576 : Number(hard);
}

/** This process's environment without `CAPSTAN_*` and `PORT`, so a server under test gets only what the benchmark sets. */
export function baseEnv(): Record<string, string | undefined> {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('CAPSTAN_') && k !== 'PORT'));
}

/** Parent of every process, from /proc (the kernel's children file is not always available). */
function parentsByPid(): Map<number, number> {
  const parents = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // Fields after the parenthesised command name: state, ppid, …
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      parents.set(Number(entry), Number(fields[1]));
    } catch {
      // The process ended while we looked.
    }
  }
  return parents;
}

function childPids(pid: number): number[] {
  return [...parentsByPid()].filter(([, parent]) => parent === pid).map(([child]) => child);
}

/** `pid` and every process below it (say, nginx's master and its workers). */
export function processTree(pid: number): number[] {
  const parents = parentsByPid();
  const tree = [pid];
  for (let i = 0; i < tree.length; i++) for (const [child, parent] of parents) if (parent === tree[i]) tree.push(child);
  return tree;
}

/** When `pid` started (clock ticks since boot, from /proc), undefined when no such process runs. */
export function processStart(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // State is field 3 of stat and starttime field 22: the 1st and 20th after the command. A zombie
    // has ended; only its parent has not yet read its exit status.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[0] === 'Z' ? undefined : fields[19];
  } catch {
    return undefined;
  }
}

export interface ProcessUsage {
  /** User + system CPU seconds. */
  readonly cpuSec: number;
  readonly userSec: number;
  readonly sysSec: number;
  readonly rssBytes: number;
}

/** CPU time of a process (all its threads) in seconds, and its resident set in bytes. */
export function processUsage(pid: number): ProcessUsage | undefined {
  return statUsage(`/proc/${pid}/stat`);
}

/**
 * CPU of a process's main thread alone (its thread id is the process id): for Node, the event loop,
 * without the thread pool, the collector's helpers or worker threads.
 */
export function mainThreadUsage(pid: number): ProcessUsage | undefined {
  return statUsage(`/proc/${pid}/task/${pid}/stat`);
}

function statUsage(path: string): ProcessUsage | undefined {
  try {
    const stat = readFileSync(path, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime are fields 14 and 15 of stat (11 and 12 after the command); USER_HZ is 100 on Linux.
    const userSec = Number(fields[11]) / 100;
    const sysSec = Number(fields[12]) / 100;
    const rssPages = Number(fields[21]);
    return { cpuSec: userSec + sysSec, userSec, sysSec, rssBytes: rssPages * 4096 };
  } catch {
    return undefined;
  }
}

/**
 * Write system calls a process (all its threads) has made: `syscw` of /proc/<pid>/io, which counts
 * write, writev, pwrite and sendfile (not send or sendmsg). Undefined when the file cannot be read.
 */
export function writeSyscalls(pid: number): number | undefined {
  try {
    const m = readFileSync(`/proc/${pid}/io`, 'utf8').match(/^syscw:\s*(\d+)$/m);
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}

/** Every child started through it is stopped by `stopAll`, and killed outright if this process exits first. */
export class ProcessGroup {
  private readonly children = new Set<Child>();
  private readonly onExit = () => {
    for (const c of this.children) if (c.proc.pid !== undefined) killGroup(c.proc.pid, 'SIGKILL');
  };

  constructor() {
    process.on('exit', this.onExit);
  }

  spawn(spec: ChildSpec): Child {
    const hard = hardFdLimit();
    if (spec.fds > hard) throw new Error(`${spec.name} needs ${spec.fds} file descriptors but the hard limit here is ${hard}; raise it (ulimit -Hn) as root first`);
    const soft = Math.max(spec.fds, 1024);
    const program = spec.command ?? [process.execPath, ...(spec.nodeArgs ?? [])];
    const args = ['--foreground', '-k', '5', String(spec.lifetimeSec), 'prlimit', `--nofile=${soft}:${hard}`, '--', ...program];
    const proc = spawn('timeout', args, {
      cwd: spec.cwd,
      env: spec.env ?? process.env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe', ...(spec.ipc ? (['ipc'] as const) : [])],
    });
    if (proc.pid !== undefined) watchGroup(proc.pid);
    let tail = '';
    const lineWaiters = new Set<(line: string) => void>();
    let partial = '';
    const keep = (chunk: string) => {
      tail = (tail + chunk).slice(-TAIL_BYTES);
    };
    proc.stdout?.setEncoding('utf8');
    proc.stderr?.setEncoding('utf8');
    proc.stdout?.on('data', (chunk: string) => {
      keep(chunk);
      partial += chunk;
      const lines = partial.split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) for (const w of [...lineWaiters]) w(line);
    });
    proc.stderr?.on('data', keep);
    const exited = new Promise<number | string>((resolve) => proc.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')));
    let nodePid: number | undefined;
    const child: Child = {
      name: spec.name,
      proc,
      exited,
      output: () => tail,
      waitForLine(pattern, timeoutMs) {
        return new Promise((resolve, reject) => {
          const done = (fn: () => void) => {
            clearTimeout(timer);
            lineWaiters.delete(onLine);
            fn();
          };
          const onLine = (line: string) => {
            const m = line.match(pattern);
            if (m) done(() => resolve(m));
          };
          const timer = setTimeout(() => done(() => reject(new Error(`${spec.name}: no line matching ${pattern} within ${timeoutMs} ms; output:\n${tail}`))), timeoutMs);
          lineWaiters.add(onLine);
          void exited.then((code) => done(() => reject(new Error(`${spec.name} exited (${code}) before printing ${pattern}; output:\n${tail}`))));
        });
      },
      nodePid() {
        if (nodePid === undefined && proc.pid !== undefined) nodePid = childPids(proc.pid)[0];
        return nodePid;
      },
    };
    this.children.add(child);
    void exited.then(() => {
      // The wrapper is gone; make sure nothing it started lingers in the group.
      if (proc.pid !== undefined) {
        killGroup(proc.pid, 'SIGKILL');
        unwatchGroup(proc.pid);
      }
      this.children.delete(child);
    });
    return child;
  }

  /** Asks one child to stop (SIGTERM through the wrapper), then kills its whole group after `graceMs`. */
  async stop(child: Child, graceMs: number): Promise<void> {
    const pid = child.proc.pid;
    if (pid === undefined) return;
    if (child.proc.exitCode === null && child.proc.signalCode === null) {
      // `timeout --foreground` forwards the signal to the node process only once.
      child.proc.kill('SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([child.exited, new Promise((r) => (timer = setTimeout(r, graceMs)))]);
      clearTimeout(timer);
    }
    killGroup(pid, 'SIGKILL');
    this.children.delete(child);
  }

  async stopAll(graceMs: number): Promise<void> {
    await Promise.all([...this.children].map((c) => this.stop(c, graceMs)));
  }

  dispose(): void {
    this.onExit();
    process.off('exit', this.onExit);
  }
}
