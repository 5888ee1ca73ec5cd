// The harness side of the load-client processes: start them, split the connections among them over
// distinct loopback source addresses, and gather their statistics.
import type { FromClient, ResumeSpec, ToClient } from '../clients/protocol.js';
import { loopbackSources } from './net.js';
import { dependent, whole, type OptionSpecs } from './options.js';
import { processUsage, type Child, type ProcessGroup } from './processes.js';
import { harnessProgram } from './programs.js';
import type { RunningTarget } from './targets.js';

type Reply<T extends FromClient['type']> = Extract<FromClient, { type: T }>;

/** Process i's part of `total` split over `processes`: even, the first ones taking the remainder. */
const share = (total: number, processes: number, i: number) => Math.floor(total / processes) + (i < total % processes ? 1 : 0);

/** Loopback source addresses there are to hand out (127.0.0.2 … 127.0.0.254, see net.ts). */
const SOURCE_ADDRESSES = 253;

/**
 * Where block `block` of `size` source addresses starts. Load clients made one after another (a
 * scenario's next run, or one instance per process) each take the next block, so they do not bind to
 * the addresses the ones before them used: a connection the client closed holds its port on its
 * source address for a minute (TIME_WAIT), and a client that binds before it connects then searches
 * ever longer for a free port (the idle scenario's second run spent 3 ms of kernel time per connect
 * there, with 39,000 such ports on the same four addresses). Blocks wrap around past the last address.
 */
export function sourceBlock(block: number, size: number): number {
  const blocks = Math.max(1, Math.floor(SOURCE_ADDRESSES / size));
  return (block % blocks) * size;
}

export interface ConnectSummary {
  readonly ok: number;
  readonly failed: number;
  readonly errors: readonly string[];
  readonly ms: number;
}

export class LoadClients {
  private readonly children: Child[] = [];
  private readonly waiters = new Map<Child, ((m: FromClient) => void)[]>();

  constructor(
    private readonly group: ProcessGroup,
    root: string,
    readonly processes: number,
    private readonly sourcesPerProcess: number,
    connectionsEach: number,
    lifetimeSec: number,
    /** The first of this instance's source addresses (an offset, see `sourceBlock`); process i takes the block after process i − 1's. */
    private readonly firstSource = 0,
  ) {
    for (let i = 0; i < processes; i++) {
      const child = group.spawn({
        name: `load-client-${i}`,
        nodeArgs: [harnessProgram(root, 'bench/clients/load-client.ts')],
        cwd: root,
        fds: connectionsEach + 256,
        lifetimeSec,
        ipc: true,
      });
      this.waiters.set(child, []);
      child.proc.on('message', (m: FromClient) => this.waiters.get(child)?.shift()?.(m));
      this.children.push(child);
    }
  }

  private ask<T extends FromClient['type']>(child: Child, command: ToClient, type: T, timeoutMs: number): Promise<Reply<T>> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${child.name}: no ${type} reply within ${timeoutMs} ms; output:\n${child.output()}`)), timeoutMs);
      this.waiters.get(child)?.push((m) => {
        clearTimeout(timer);
        if (m.type === type) resolve(m as Reply<T>);
        else reject(new Error(`${child.name}: expected ${type}, got ${m.type}`));
      });
      void child.exited.then((code) => {
        clearTimeout(timer);
        reject(new Error(`${child.name} exited (${code}); output:\n${child.output()}`));
      });
      child.proc.send(command);
    });
  }

  /**
   * Opens `total` connections, split evenly; each process uses its own source addresses. With `resume`
   * (SSE only) each is a soak subscriber that reconnects after a cut and checks exact delivery.
   * `prefix` starts each connection's id (`{connection}` in the URL), so that another batch's ids differ.
   */
  async connect(target: Pick<RunningTarget, 'subscribe'>, total: number, concurrency: number, timeoutMs: number, overallTimeoutMs: number, resume?: ResumeSpec, prefix = 'c'): Promise<ConnectSummary> {
    const replies = await Promise.all(
      this.children.map((child, i) => {
        const count = share(total, this.processes, i);
        const { kind, url, headerSets, eventName, payloadIn } = target.subscribe;
        const sources = loopbackSources(this.sourcesPerProcess, this.firstSource + i * this.sourcesPerProcess);
        const command: ToClient = { cmd: 'connect', kind, url, headerSets, eventName, payloadIn, connectionPrefix: `${prefix}${i}-`, count, sources, concurrency, timeoutMs, resume };
        return this.ask(child, command, 'connected', overallTimeoutMs);
      }),
    );
    return {
      ok: replies.reduce((n, r) => n + r.ok, 0),
      failed: replies.reduce((n, r) => n + r.failed, 0),
      errors: replies.flatMap((r) => r.errors).slice(0, 5),
      ms: Math.max(...replies.map((r) => r.ms)),
    };
  }

  stats(timeoutMs = 10_000): Promise<Reply<'stats'>[]> {
    return Promise.all(this.children.map((c) => this.ask(c, { cmd: 'stats' }, 'stats', timeoutMs)));
  }

  /** Soak: cuts `total` subscribers, split evenly over the processes; returns how many were cut. */
  async cut(total: number, timeoutMs = 10_000): Promise<number> {
    const replies = await Promise.all(this.children.map((c, i) => this.ask(c, { cmd: 'cut', count: share(total, this.processes, i) }, 'cut', timeoutMs)));
    return replies.reduce((n, r) => n + r.cut, 0);
  }

  /** Soak: each process's counters (its window ones start again). */
  sample(timeoutMs = 10_000): Promise<Reply<'sample'>[]> {
    return Promise.all(this.children.map((c) => this.ask(c, { cmd: 'sample' }, 'sample', timeoutMs)));
  }

  /** Soak: each process's subscribers that lack some of events 0 … total − 1. */
  verify(total: number, timeoutMs = 10_000): Promise<Reply<'verify'>[]> {
    return Promise.all(this.children.map((c) => this.ask(c, { cmd: 'verify', total }, 'verify', timeoutMs)));
  }

  /** CPU seconds used so far by all load-client processes together. */
  cpuSec(): number {
    return this.children.reduce((sum, c) => {
      const pid = c.nodePid();
      return sum + (pid === undefined ? 0 : (processUsage(pid)?.cpuSec ?? 0));
    }, 0);
  }

  async stop(): Promise<void> {
    for (const c of this.children) if (c.proc.connected) c.proc.send({ cmd: 'exit' } satisfies ToClient);
    await Promise.all(this.children.map((c) => this.group.stop(c, 2000)));
  }
}

/** The options of a scenario whose hub subscribers are held by load-client processes. */
export const LOAD_CLIENT_OPTIONS = {
  clients: whole(4, 1, 64),
  sources: dependent((before) => {
    const clients = before.clients as number;
    return whole(4, 1, Math.max(1, Math.floor(253 / clients)), `${clients} load clients share 253 loopback addresses`);
  }),
  // Contacts sharing the streams (each holds subscribers / contacts of them).
  contacts: whole(50, 1, 10_000),
  'connect-concurrency': whole(32, 1, 10_000),
} satisfies OptionSpecs;
