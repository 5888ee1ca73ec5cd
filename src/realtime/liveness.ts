// Vanished peers of streams that cannot answer (SSE). A browser cannot reply to a probe, and what is
// sent to a peer that is gone sits in the kernel's send queue, invisible to Node, while TCP
// retransmits it for ~15 minutes; Node 20 has no TCP_USER_TIMEOUT. So one shared sweep reads the
// kernel's TCP table (Linux) and ends the connections whose data has gone unacknowledged through
// retransmission timeouts, or waited behind a shut receive window, for a whole window. Elsewhere the
// sweep does nothing. While all is well, a sweep first asks the kernel's count of retransmission
// timeouts and zero-window probes, and reads the table only when it moved.
import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
import { setImmediate } from 'node:timers/promises';
import type { Socket } from 'node:net';
import { scanTcpLines, tcpKey, type TcpState, type TcpTableName } from './tcp-table.js';

/** Who hears of a peer that stopped acknowledging (a connection, which then drops its stream). */
export interface StalledPeer {
  stalled(): void;
}

/** A socket being watched, to hand back to `unwatch`. */
export interface WatchedPeer {
  readonly peer: StalledPeer;
}

export interface StallWatch {
  /** Calls `peer.stalled()` once if the peer stops acknowledging; undefined when the socket cannot be watched. */
  watch(socket: Socket, peer: StalledPeer): WatchedPeer | undefined;
  /** Stops watching (a no-op once the peer was reported). */
  unwatch(watched: WatchedPeer): void;
}

export interface StallTiming {
  /** How often the kernel's table is read (one read for every watched connection) while a watched connection is retransmitting. */
  readonly sweepMs: number;
  /**
   * How often it is read while none is: reading the table costs the kernel about as much as printing
   * every socket of the machine, and almost always finds every peer acknowledging. Defaults to sweepMs.
   */
  readonly quietSweepMs?: number;
  /** How long data must go unacknowledged, through at least one retransmission timeout, to end a stream. */
  readonly windowMs: number;
}

/**
 * Timings that end a vanished peer's stream within the idle window: the next heartbeat or event (the
 * first bytes it misses) leaves within `heartbeatMs`, its first retransmission follows within an RTO,
 * a quiet sweep notices it, and a sweep confirms after the window.
 */
export function stallTiming(heartbeatMs: number, idleTimeoutMs: number): Required<StallTiming> {
  const sweepMs = clamp(Math.round(idleTimeoutMs / 18), 100, 5000);
  const quietSweepMs = clamp(Math.round(idleTimeoutMs / 6), sweepMs, 3 * sweepMs);
  const rtoMs = clamp(Math.round(idleTimeoutMs / 15), 200, 3000);
  const firstMissMs = heartbeatMs > 0 ? Math.min(heartbeatMs, idleTimeoutMs) : 0;
  return { sweepMs, quietSweepMs, windowMs: Math.max(sweepMs, idleTimeoutMs - firstMissMs - rtoMs - quietSweepMs - sweepMs) };
}

const clamp = (n: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, n));

/** The table in chunks of whole lines or not: a line cut at the end of one chunk ends in the next. */
export type TableReader = (table: TcpTableName) => AsyncIterable<string>;

/**
 * The retransmission timeouts and zero-window probes TCP has had in this network namespace, on any
 * connection (TcpExt's `TCPTimeouts` and `TCPWinProbe` in /proc/net/netstat, IPv4 and IPv6 alike), or
 * undefined when it cannot be read. The kernel counts a timeout as it fires, before it adds to the
 * connection's own count of them (the table's `retrnsmt`), whether or not the retransmission then
 * leaves; a probe as it is sent, which the shut window's probe timer (the table's `tr` 4) does.
 */
export type TimeoutCounter = () => number | undefined;

/** Where the sweep reads from and what it runs on; tests replace them. */
export interface StallWatchEnv {
  readonly read: TableReader;
  readonly timeouts: TimeoutCounter;
  readonly platform: NodeJS.Platform;
  readonly now: () => number;
}

const PROC: StallWatchEnv = { read: readProcTable, timeouts: readTimeouts, platform: process.platform, now: Date.now };
const NO_COUNTER: TimeoutCounter = () => undefined;

/** A read of /proc/net/netstat (some 4 KB): tens of microseconds, against milliseconds for the table. */
function readTimeouts(): number | undefined {
  try {
    return tcpTimeouts(readFileSync('/proc/net/netstat', 'latin1'));
  } catch {
    return undefined;
  }
}

/**
 * TCPTimeouts plus TCPWinProbe (zero-window probes sent) from the two `TcpExt:` lines of
 * /proc/net/netstat (the names, then the values): either moving may mean a peer stopped taking data.
 * A kernel without TCPWinProbe counts timeouts alone.
 */
export function tcpTimeouts(netstat: string): number | undefined {
  const [names, values] = netstat.split('\n').filter((line) => line.startsWith('TcpExt:')).map((line) => line.trim().split(/\s+/));
  const read = (name: string): number => {
    const at = names?.indexOf(name) ?? -1;
    return at > 0 ? Number(values?.[at]) : Number.NaN;
  };
  const timeouts = read('TCPTimeouts');
  if (!(Number.isSafeInteger(timeouts) && timeouts >= 0)) return undefined;
  const probes = read('TCPWinProbe');
  return Number.isSafeInteger(probes) && probes >= 0 ? timeouts + probes : timeouts;
}

/** Reads of the table per slice: about 27 connections a read, some 45 µs of the kernel's printing each. */
const SLICE_READS = 32;
const PAGE = 4096;

/**
 * Read synchronously, a slice of a few dozen reads at a time, each slice's text yielded for scanning
 * before the event loop takes its I/O again. The kernel prints the table one page per read() whatever
 * the buffer, so with tens of thousands of sockets it takes over a thousand reads: one through the
 * thread pool each (a promise, a worker hand-off and a wake-up) doubled the sweep's CPU (with 19,000
 * sockets, 150–185 ms against 65–85 ms read in place), and one string of the whole table would hold
 * the event loop for all of it. A read of /proc does not wait for a disk.
 */
async function* readProcTable(table: TcpTableName): AsyncIterable<string> {
  const fd = openSync(`/proc/net/${table}`, 'r');
  try {
    const buffer = Buffer.allocUnsafe(SLICE_READS * PAGE);
    for (;;) {
      let filled = 0;
      let ended = false;
      for (let i = 0; i < SLICE_READS && buffer.length - filled >= PAGE; i++) {
        const n = readSync(fd, buffer, filled, buffer.length - filled, null);
        if (n === 0) {
          ended = true;
          break;
        }
        filled += n;
      }
      if (filled > 0) yield buffer.toString('latin1', 0, filled);
      if (ended) return;
      await setImmediate();
    }
  } finally {
    closeSync(fd);
  }
}

/** The state of a connection the table lists without a running retransmission or probe timer. */
const ACKNOWLEDGED: TcpState = { txQueue: 0, retransmitTimer: false, probeTimer: false, retransmits: 0 };

interface Watched extends WatchedPeer {
  readonly table: TcpTableName;
  readonly key: string;
  /** When a sweep first saw its data being retransmitted, or its window shut, since the peer last took any. */
  since: number | undefined;
  /** Which timer that sweep saw: a change between the two is the peer answering. */
  probing: boolean;
  retransmits: number;
  /**
   * While the window was shut, at the last sweep: the bytes the peer had acknowledged (handed to the
   * kernel less those it still holds), which only grow while the peer reads, however fast new bytes
   * follow; or, for a socket that cannot say what it handed over, the bytes the kernel held.
   */
  taken: number;
  readonly socket: Socket;
}

/**
 * Bytes the kernel has acknowledged for `socket` when it holds `unacknowledged` of them: what Node
 * handed to it (written, less what Node still holds) less those. Undefined for a socket that does not
 * count its bytes (a test's stand-in).
 */
function acknowledged(socket: Socket, unacknowledged: number): number | undefined {
  const { bytesWritten, writableLength } = socket;
  return typeof bytesWritten === 'number' && typeof writableLength === 'number' ? bytesWritten - writableLength - unacknowledged : undefined;
}

export class TcpStallWatch implements StallWatch {
  private readonly tables: Record<TcpTableName, Map<string, Watched>> = { tcp: new Map(), tcp6: new Map() };
  /** What the last sweep saw retransmitting: one no longer listed so was acknowledged since. */
  private retransmitting: Record<TcpTableName, Set<Watched>> = { tcp: new Set(), tcp6: new Set() };
  private timer: NodeJS.Timeout | undefined;
  private sweeping = false;
  private enabled: boolean;
  private readonly env: StallWatchEnv;
  /** The retransmission timeouts counted when the last table read began. */
  private lastTimeouts: number | undefined;

  constructor(
    private readonly timing: StallTiming,
    /** A sweep failed; `disabled` when the table does not exist or may not be read here, which ends the watch. */
    private readonly onError: (error: unknown, disabled: boolean) => void,
    env: Partial<StallWatchEnv> = {},
  ) {
    // A table of a test's own comes without the machine's counter, which knows nothing of it.
    this.env = { ...PROC, ...(env.read ? { timeouts: NO_COUNTER } : {}), ...env };
    this.enabled = this.env.platform === 'linux';
  }

  get size(): number {
    return this.tables.tcp.size + this.tables.tcp6.size;
  }

  watch(socket: Socket, peer: StalledPeer): WatchedPeer | undefined {
    const { localAddress, localPort, remoteAddress, remotePort } = socket;
    if (!this.enabled || localAddress === undefined || localPort === undefined || remoteAddress === undefined || remotePort === undefined) return undefined;
    const id = tcpKey(localAddress, localPort, remoteAddress, remotePort);
    if (!id) return undefined;
    const entry: Watched = { table: id.table, key: id.key, peer, socket, since: undefined, probing: false, retransmits: 0, taken: 0 };
    this.tables[id.table].set(id.key, entry);
    this.start();
    return entry;
  }

  unwatch(watched: WatchedPeer): void {
    const entry = watched as Watched;
    const entries = this.tables[entry.table];
    if (entries.get(entry.key) === entry) entries.delete(entry.key);
    if (this.size === 0) this.stop();
  }

  /** One pass over the kernel's tables; exposed so tests and benchmarks can time it. */
  async sweep(): Promise<void> {
    if (this.sweeping || !this.enabled) return;
    this.sweeping = true;
    try {
      // A connection is judged only once its retransmission timer has fired, which the namespace's
      // count shows first. While no watched peer is under suspicion, a count that has not moved since
      // the last read means none has begun to be: the table (some 2–4 µs of CPU a line, every socket
      // of the namespace) need not be read. The count is taken before the read, so a timeout that
      // fires during it moves the next one.
      const timeouts = this.env.timeouts();
      if (timeouts !== undefined && timeouts === this.lastTimeouts && !this.suspected()) return;
      this.lastTimeouts = undefined;
      for (const table of ['tcp', 'tcp6'] as const) {
        const entries = this.tables[table];
        if (entries.size === 0) continue;
        const at = this.env.now();
        // The kernel does not print its table atomically: a connection may show up twice in one read.
        const stalled = new Set<Watched>();
        const seen = new Set<Watched>();
        let rest = '';
        for await (const chunk of this.env.read(table)) {
          rest = scanTcpLines(rest + chunk, table, entries, (entry, state) => {
            seen.add(entry);
            if (this.judge(entry, state, at)) stalled.add(entry);
          }, true);
        }
        for (const entry of this.retransmitting[table]) if (!seen.has(entry)) this.judge(entry, ACKNOWLEDGED, at);
        this.retransmitting[table] = seen;
        for (const entry of stalled) {
          entries.delete(entry.key);
          entry.peer.stalled();
        }
      }
      // Only a read that went through vouches for the count (one that failed is read again).
      this.lastTimeouts = timeouts;
    } catch (e) {
      const code = (e as { code?: unknown }).code;
      if (code === 'ENOENT' || code === 'EACCES' || code === 'EPERM' || code === 'ENOTDIR') {
        this.enabled = false;
        this.stop();
        this.onError(e, true);
      } else this.onError(e, false);
    } finally {
      this.sweeping = false;
      if (this.size === 0) this.stop();
    }
  }

  /**
   * True when the peer has taken nothing for the window: its data went unacknowledged through
   * retransmission timeouts, or its receive window stayed shut while data waited. A shut window is a
   * peer that vanished after it stopped reading, or one still there that reads nothing (a frozen tab):
   * either way no event or heartbeat reaches it. A slow reader opens its window now and then, and the
   * bytes waiting then fall, or the next sweep finds the other timer or none running.
   */
  private judge(entry: Watched, state: TcpState, now: number): boolean {
    const probing = state.probeTimer && state.txQueue > 0;
    if (!probing && !(state.retransmitTimer && state.retransmits > 0 && state.txQueue > 0)) {
      entry.since = undefined;
      entry.retransmits = 0;
      return false;
    }
    // A count that went down, or more bytes acknowledged behind a shut window (a reader that opens
    // it now and then, however fast the next bytes fill it again), means the peer took something
    // between two sweeps; so does a change of timer: start over.
    const acked = probing ? acknowledged(entry.socket, state.txQueue) : undefined;
    const taken = acked ?? -state.txQueue;
    const progressed = probing ? taken > entry.taken : state.retransmits < entry.retransmits;
    if (entry.since === undefined || entry.probing !== probing || progressed) entry.since = now;
    entry.probing = probing;
    entry.retransmits = probing ? 0 : state.retransmits;
    entry.taken = taken;
    return now - entry.since >= this.timing.windowMs;
  }

  private start(): void {
    if (this.timer) return;
    this.schedule();
  }

  /** The next sweep: soon while a watched connection retransmits, at the quiet pace otherwise. */
  private schedule(): void {
    const delay = this.suspected() ? this.timing.sweepMs : (this.timing.quietSweepMs ?? this.timing.sweepMs);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.sweep().finally(() => {
        if (this.size > 0 && !this.timer && this.enabled) this.schedule();
      });
    }, delay);
    this.timer.unref();
  }

  /** Whether the last sweep saw a watched connection's data retransmitted (its window running). */
  private suspected(): boolean {
    for (const table of ['tcp', 'tcp6'] as const) for (const entry of this.retransmitting[table]) if (entry.since !== undefined) return true;
    return false;
  }

  private stop(): void {
    if (!this.timer) return;
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}
