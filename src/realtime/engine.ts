// The realtime engine: admits connections under the limits, runs each through the connection core,
// and drains them on shutdown with spread-out retry hints.
import { randomUUID } from 'node:crypto';
import type { EventFeed, EventLog } from '../events/index.js';
import { AppError } from '../http/errors.js';
import type { Logger, Metrics } from '../http/index.js';
import { Connection, type ConnectionDeps, type ConnectionLimits, type ConnectionSpec } from './connection.js';
import { Fanout } from './fanout.js';
import { stallTiming, TcpStallWatch } from './liveness.js';
import { TickWheel, tickPeriodMs } from './tick-wheel.js';
import type { ConnectionLease, ConnectionLimiter, OpenConnection, TerminalType } from './types.js';

export interface RealtimeOptions extends ConnectionLimits {
  readonly drainWindowMs: number;
  /** Connections this node admits at once, every surface and transport together. */
  readonly maxConnectionsPerNode: number;
}

/** One limit a new connection must fit under. */
export interface Slot {
  /** What the slot is counted against (`contact:<id>`, `org_key:<id>`, …): across the cluster in scaled mode. */
  readonly key: string;
  readonly max: number;
  /** The answer when the slot is full; 429 too_many_connections unless a surface's contract says otherwise. */
  readonly refusal?: AppError;
}

/**
 * A full slot frees only when one of its connections closes, which nothing predicts; this is how long
 * a client is asked to wait before it tries again.
 */
const FULL_RETRY_AFTER_SECONDS = 5;

/**
 * The shortest wait a drain asks for. A browser EventSource keeps the `retry:` it was last given for
 * every later failed reconnect, so a client that drew a few milliseconds hammered the node (or the
 * gap while it restarts) hundreds of times a second; a second apart, a restart costs it a few tries.
 */
export const DRAIN_RETRY_FLOOR_MS = 1000;

/**
 * A drained connection's wait before it reconnects: uniform over [floor, window], so clients come
 * back spread over the drain window rather than all at once, and never sooner than the floor. A
 * window at or below the floor (0 included) spreads nothing: every client waits the floor.
 */
export function drainRetryMs(windowMs: number, random: () => number = Math.random): number {
  const spread = Math.max(0, windowMs - DRAIN_RETRY_FLOOR_MS);
  return DRAIN_RETRY_FLOOR_MS + Math.round(random() * spread);
}

export class RealtimeEngine {
  private readonly connections = new Map<string, Connection>();
  /** Leases this node has handed out and not yet had back: its share of the per-node cap. */
  private admitted = 0;
  private drainingSince: number | undefined;
  /** One sweep of the kernel's TCP table serves every SSE connection of this node. */
  private readonly stalls: TcpStallWatch;
  /** One timer ticks every connection's heartbeat and idle check. */
  private readonly ticks: TickWheel;
  /** What every connection of this node runs on: one object for them all, not one per connection. */
  private readonly deps: ConnectionDeps;
  private readonly leaseReturned = (): void => {
    this.admitted -= 1;
  };

  constructor(
    log: EventLog,
    feed: EventFeed,
    private readonly limiter: ConnectionLimiter,
    private readonly options: RealtimeOptions,
    logger: Logger,
    private readonly metrics: Metrics,
  ) {
    this.ticks = new TickWheel(tickPeriodMs(options.heartbeatMs, options.idleTimeoutMs));
    this.stalls = new TcpStallWatch(stallTiming(options.heartbeatMs, options.idleTimeoutMs), (err, disabled) => {
      if (disabled) logger.warn({ err }, 'the TCP table cannot be read: vanished SSE peers are left to the operating system');
      else logger.warn({ err }, 'reading the TCP table failed');
    });
    this.deps = {
      log,
      // Connections that see the same events share their delivery.
      fanout: new Fanout(feed),
      limits: options,
      onClosed: (c) => {
        if (this.connections.delete(c.id)) metrics.openConnections.dec({ transport: c.transport });
      },
      onError: (e) => logger.error({ err: e }, 'realtime connection failed'),
      stalls: this.stalls,
      ticks: this.ticks,
    };
  }

  get draining(): boolean {
    return this.drainingSince !== undefined;
  }

  get size(): number {
    return this.connections.size;
  }

  /**
   * Refuses while draining (503) or while this node holds its cap of connections (429), then takes a
   * slot under each limit in turn: all of them, or none (what was taken before a full one is given back).
   * The lease frees them all; the connection releases it when it closes, a surface that refuses after
   * admitting releases it itself.
   */
  async admit(...slots: readonly Slot[]): Promise<ConnectionLease> {
    if (this.draining) throw new AppError('draining');
    const retryAfter = { 'Retry-After': String(FULL_RETRY_AFTER_SECONDS) };
    const perNode = this.options.maxConnectionsPerNode;
    if (this.admitted >= perNode) throw new AppError('too_many_connections', `This node holds its maximum of ${perNode} realtime connections; retry shortly`, retryAfter);
    this.admitted += 1;
    const lease = new AdmittedLease(this.leaseReturned);
    try {
      for (const slot of slots) {
        const got = await this.limiter.acquire(slot.key, slot.max);
        if (!got) throw slot.refusal ?? new AppError('too_many_connections', `At most ${slot.max} concurrent connections are allowed`, retryAfter);
        lease.hold(got);
      }
    } catch (e) {
      lease.release();
      throw e;
    }
    return lease;
  }

  /** Starts a connection; the transport's response has already been sent its headers. */
  open(spec: ConnectionSpec): Connection {
    const connection = new Connection(connectionId(), spec, this.deps);
    this.connections.set(connection.id, connection);
    this.metrics.openConnections.inc({ transport: connection.transport });
    void connection.start();
    return connection;
  }

  /** This node's open connections, for the operators. */
  list(): OpenConnection[] {
    return [...this.connections.values()].map((c) => c.describe());
  }

  /** Ends one of this node's connections with a terminal event; false when it holds no such connection. */
  terminate(id: string, type: TerminalType, data: Readonly<Record<string, unknown>>): boolean {
    const connection = this.connections.get(id);
    if (!connection || connection.closed) return false;
    connection.terminate(type, data);
    return true;
  }

  /**
   * Shutdown: new connections get 503; every open one gets `stream.draining` with a retry_ms spread
   * over the drain window (drainRetryMs), so clients come back over that window rather than all at once.
   */
  drain(): void {
    this.drainingSince ??= Date.now();
    for (const connection of [...this.connections.values()]) {
      connection.terminate('stream.draining', { retry_ms: drainRetryMs(this.options.drainWindowMs) });
    }
  }
}

/**
 * A connection's id, a random UUID, as one flat string: randomUUID joins it from a dozen pieces, which
 * V8 would keep as a tree of strings for the connection's life. toLowerCase (the id is lowercase
 * already) returns it as a flat copy, more cheaply than a round trip through a Buffer.
 */
function connectionId(): string {
  return randomUUID().toLowerCase();
}

/** The slots one admitted connection holds: released together, once. */
class AdmittedLease implements ConnectionLease {
  private taken: readonly ConnectionLease[] | undefined = [];

  /** `returned` is called once, when the lease is released. */
  constructor(private readonly returned: () => void) {}

  hold(lease: ConnectionLease): void {
    // A new array of the exact size: one that grew by push would keep room for 16 for the connection's life.
    if (this.taken) this.taken = this.taken.concat([lease]);
  }

  release(): void {
    const taken = this.taken;
    if (!taken) return;
    this.taken = undefined;
    this.returned();
    for (const t of taken) t.release();
  }
}
