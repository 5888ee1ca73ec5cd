// The realtime engine: admits connections under the limits, runs each through the connection core,
// and drains them on shutdown with spread-out retry hints.
import { randomUUID } from 'node:crypto';
import type { EventFeed, EventLog } from '../events/index.js';
import { AppError } from '../http/errors.js';
import type { Logger, Metrics } from '../http/index.js';
import { Connection, type ConnectionLimits, type ConnectionSpec } from './connection.js';
import type { ConnectionLease, ConnectionLimiter } from './types.js';

export interface RealtimeOptions extends ConnectionLimits {
  readonly drainWindowMs: number;
}

export class RealtimeEngine {
  private readonly connections = new Set<Connection>();
  private drainingSince: number | undefined;

  constructor(
    private readonly log: EventLog,
    private readonly feed: EventFeed,
    private readonly limiter: ConnectionLimiter,
    private readonly options: RealtimeOptions,
    private readonly logger: Logger,
    private readonly metrics: Metrics,
  ) {}

  get draining(): boolean {
    return this.drainingSince !== undefined;
  }

  get size(): number {
    return this.connections.size;
  }

  /** Refuses while draining (503), then takes a connection slot for `key` (429 when `max` are open). */
  async admit(key: string, max: number): Promise<ConnectionLease> {
    if (this.draining) throw new AppError('draining');
    const lease = await this.limiter.acquire(key, max);
    if (!lease) throw new AppError('too_many_connections', `At most ${max} concurrent connections are allowed`);
    return lease;
  }

  /** Starts a connection; the transport's response has already been sent its headers. */
  open(spec: ConnectionSpec): Connection {
    const connection = new Connection(randomUUID(), spec, {
      log: this.log,
      subscribe: (topic, handler) => this.feed.subscribe(topic, handler),
      limits: this.options,
      onClosed: (c) => {
        if (this.connections.delete(c)) this.metrics.openConnections.dec({ transport: c.transport });
      },
      onError: (e) => this.logger.error({ err: e }, 'realtime connection failed'),
    });
    this.connections.add(connection);
    this.metrics.openConnections.inc({ transport: connection.transport });
    void connection.start();
    return connection;
  }

  /**
   * Shutdown: new connections get 503; every open one gets `stream.draining` with a retry_ms spread
   * uniformly over the drain window, so clients come back over that window rather than all at once.
   */
  drain(): void {
    this.drainingSince ??= Date.now();
    for (const connection of [...this.connections]) {
      connection.terminate('stream.draining', { retry_ms: Math.round(Math.random() * this.options.drainWindowMs) });
    }
  }
}
