// Three (or N) real `capstan serve` processes (the working tree's, or an extracted revision's)
// sharing the run's PostgreSQL, Redis and S3: scaled mode as it runs behind a load balancer. A node can
// be killed with SIGKILL and started again (on a new port; clients pick any live node). A node that
// exits without being killed is recorded, with its last output, and started again by the next heal.
import { join } from 'node:path';
import type { Prng } from './lib/prng.js';
import { spawnChild, stopChild, type ManagedChild } from './lib/processes.js';
import { tempDir, type TempDir } from './lib/temp-dir.js';

const START_TIMEOUT_MS = 90_000;
const KEPT_MESSAGES = 200;

export interface UnexpectedExit {
  readonly node: string;
  readonly code: number | string;
  readonly at: string;
  readonly tail: string;
}

/** Warnings and errors the nodes logged, counted by message, with the first line of each as a sample. */
export interface LoggedProblem {
  readonly msg: string;
  readonly level: number;
  count: number;
  readonly sample: string;
}

interface NodeSlot {
  readonly name: string;
  child: ManagedChild | undefined;
  url: string | undefined;
  dataDir: TempDir | undefined;
  /** Set while we kill or stop it on purpose, so its exit is not reported as a crash. */
  expectingExit: boolean;
  starts: number;
}

/** Environment of the harness without anything that would configure a node behind our back. */
function baseEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('CAPSTAN_') && k !== 'PORT' && !k.startsWith('NODE_TEST')));
}

export class CapstanCluster {
  private readonly slots: NodeSlot[];
  private readonly exits: UnexpectedExit[] = [];
  /** Warnings and errors the nodes logged (pino level ≥ 40), by message. */
  private readonly problems = new Map<string, LoggedProblem>();

  constructor(
    size: number,
    /** Directory holding the src/cli/main.ts to run (the working tree, or an extracted revision). */
    private readonly dir: string,
    private readonly env: Readonly<Record<string, string>>,
  ) {
    this.slots = Array.from({ length: size }, (_, i) => ({ name: `node-${i + 1}`, child: undefined, url: undefined, dataDir: undefined, expectingExit: false, starts: 0 }));
  }

  get names(): string[] {
    return this.slots.map((s) => s.name);
  }

  /** The first node migrates the database; the others then start together. */
  async start(): Promise<void> {
    const [first, ...rest] = this.slots;
    if (first) await this.launch(first);
    await Promise.all(rest.map((s) => this.launch(s)));
  }

  liveUrls(): string[] {
    return this.slots.filter((s) => s.url !== undefined).map((s) => s.url as string);
  }

  /** A live node's base URL, chosen as a load balancer would; throws when none is up. */
  pickUrl(prng: Prng): string {
    const urls = this.liveUrls();
    if (urls.length === 0) throw new Error('no live node');
    return prng.pick(urls);
  }

  nodeOf(url: string): string | undefined {
    return this.slots.find((s) => s.url === url)?.name;
  }

  urlOf(name: string): string | undefined {
    return this.slots.find((s) => s.name === name)?.url;
  }

  /** SIGKILL, no warning: in-flight requests and open streams on that node die with it. */
  async kill(name: string): Promise<void> {
    const slot = this.slot(name);
    const child = slot.child;
    slot.url = undefined;
    if (!child) return;
    slot.expectingExit = true;
    child.kill('SIGKILL');
    await child.exited;
  }

  /** Starts every node that is down (killed, or exited by itself); a start that fails is retried by the next call. */
  async healAll(): Promise<void> {
    const down = this.slots.filter((s) => s.child === undefined || s.child.hasExited());
    await Promise.all(down.map((s) => this.launch(s).catch((e: unknown) => {
      this.noteProblem(60, 'node did not start', `${s.name}: ${e instanceof Error ? e.message : String(e)}`);
    })));
  }

  /** Nodes that exited without being killed, since the start of the run. */
  unexpectedExits(): readonly UnexpectedExit[] {
    return this.exits;
  }

  loggedProblems(): readonly LoggedProblem[] {
    return [...this.problems.values()];
  }

  async close(): Promise<void> {
    await Promise.all(this.slots.map(async (s) => {
      s.expectingExit = true;
      s.url = undefined;
      if (s.child) await stopChild(s.child, 3_000);
      s.dataDir?.remove();
    }));
  }

  private slot(name: string): NodeSlot {
    const slot = this.slots.find((s) => s.name === name);
    if (!slot) throw new Error(`no node ${name}`);
    return slot;
  }

  private async launch(slot: NodeSlot): Promise<void> {
    slot.dataDir?.remove();
    slot.dataDir = tempDir(`capstan-chaos-${slot.name}-`);
    slot.expectingExit = false;
    slot.url = undefined;
    slot.starts++;
    const child = spawnChild({
      name: `${slot.name}#${slot.starts}`,
      command: process.execPath,
      args: ['--import', 'tsx', join(this.dir, 'src/cli/main.ts'), 'serve'],
      cwd: this.dir,
      env: { ...baseEnv(), ...this.env, PORT: '0', CAPSTAN_HOST: '127.0.0.1', CAPSTAN_DATA_DIR: slot.dataDir.path, CAPSTAN_LOG_LEVEL: 'info' },
    });
    slot.child = child;
    child.onLine((line) => this.readLog(slot.name, line));
    void child.exited.then((code) => {
      if (slot.child !== child) return;
      slot.url = undefined;
      if (!slot.expectingExit) this.exits.push({ node: slot.name, code, at: new Date().toISOString(), tail: child.tail().slice(-4000) });
    });
    const line = await child.waitForLine((l) => l.includes('"capstan listening"'), START_TIMEOUT_MS);
    const url = (JSON.parse(line) as { url?: unknown }).url;
    if (typeof url !== 'string') throw new Error(`${slot.name}: no url in its listening line: ${line}`);
    slot.url = url;
  }

  private readLog(node: string, line: string): void {
    if (!line.startsWith('{')) return;
    let parsed: { level?: unknown; msg?: unknown };
    try {
      parsed = JSON.parse(line) as { level?: unknown; msg?: unknown };
    } catch {
      return;
    }
    const level = typeof parsed.level === 'number' ? parsed.level : 0;
    if (level >= 40) this.noteProblem(level, typeof parsed.msg === 'string' ? parsed.msg : '', `${node}: ${line}`);
  }

  private noteProblem(level: number, msg: string, sample: string): void {
    const seen = this.problems.get(msg);
    if (seen) seen.count++;
    else if (this.problems.size < KEPT_MESSAGES) this.problems.set(msg, { msg, level, count: 1, sample: sample.slice(0, 1500) });
  }
}
