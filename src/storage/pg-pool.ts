// The PostgreSQL connection pool, with every wait on the server bounded: a server that stops answering
// (stopped, a partition that drops packets) fails queries after a bound, as if it were away, instead of
// holding every request that touches it for as long as the outage lasts.
import type { PostgresCursor, PostgresPool, PostgresPoolClient, PostgresQueryResult } from 'kysely';
import type Pg from 'pg';
import { pgDriver } from './pg-driver.js';
import { isQueryTimeout } from './unavailable.js';

export interface PostgresBounds {
  /** Opening a connection, and waiting for one of the pool's to come free. */
  readonly databaseConnectTimeoutMs: number;
  /** One query: PostgreSQL cancels it after this long; a server that does not answer at all, a moment later. */
  readonly databaseQueryTimeoutMs: number;
}

/** The configuration's defaults (CAPSTAN_DATABASE_CONNECT_TIMEOUT_MS, CAPSTAN_DATABASE_QUERY_TIMEOUT_MS). */
export const DEFAULT_POSTGRES_BOUNDS: PostgresBounds = { databaseConnectTimeoutMs: 5_000, databaseQueryTimeoutMs: 15_000 };

/** How long the client waits past statement_timeout for the server's own cancel, which keeps the connection. */
const CANCEL_GRACE_MS = 1_000;
/** Idle time before the kernel probes a connection: a peer gone without a word (a partition) is noticed. */
const KEEPALIVE_DELAY_MS = 10_000;

/** A connection that notices a server gone quiet: connecting is bounded, and idle sockets are probed. */
export function clientConfig(databaseUrl: string, bounds: PostgresBounds): Pg.ClientConfig {
  return { connectionString: databaseUrl, connectionTimeoutMillis: bounds.databaseConnectTimeoutMs, keepAlive: true, keepAliveInitialDelayMillis: KEEPALIVE_DELAY_MS };
}

/**
 * `bounded: false` is for work that may legitimately run long (migrations, and waiting for another node's
 * migrations): connecting is still bounded, a query is not.
 */
export function poolConfig(databaseUrl: string, bounds: PostgresBounds, max: number, bounded = true): Pg.PoolConfig {
  return {
    ...clientConfig(databaseUrl, bounds),
    max,
    // A node frozen inside a transaction (a stop signal, a stalled VM) would hold its locks — a
    // topic's row among them — until its TCP connection times out; PostgreSQL ends it after 10 s.
    idle_in_transaction_session_timeout: 10_000,
    ...(bounded ? { statement_timeout: bounds.databaseQueryTimeoutMs, query_timeout: bounds.databaseQueryTimeoutMs + CANCEL_GRACE_MS } : {}),
  };
}

export function createPool(config: Pg.PoolConfig): Pg.Pool {
  const pool = new (pgDriver().Pool)(config);
  // A client losing its server (a restart, a failover) must not crash the process: an idle one is
  // reported by the pool, a checked-out one (inside a transaction, between two queries) by the
  // client itself; either way the query in flight or the next one fails, and the pool drops it.
  pool.on('error', () => undefined);
  pool.on('connect', (client) => client.on('error', () => undefined));
  return pool;
}

/**
 * What Kysely is given: the pool, except that a client on which a query timed out is never reused. The
 * driver leaves such a query pending (the server may still answer it), so the client's next query —
 * the transaction's rollback, or the next request's — would queue behind it: from the timeout on, its
 * queries fail at once with the same error, and it is released with that error, which destroys it
 * (the server then ends its session, rolling back whatever it held).
 */
export class GuardedPool implements PostgresPool {
  readonly #guards = new WeakMap<Pg.PoolClient, GuardedClient>();

  constructor(readonly pool: Pg.Pool) {}

  async connect(): Promise<PostgresPoolClient> {
    const client = await this.pool.connect();
    let guard = this.#guards.get(client);
    if (!guard) {
      guard = new GuardedClient(client);
      this.#guards.set(client, guard);
    }
    return guard;
  }

  end(): Promise<void> {
    return this.pool.end();
  }

  /** True when the server answers `select 1` within `timeoutMs`, waiting for a free connection included. */
  async probe(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<undefined>((resolve) => {
      timer = setTimeout(resolve, timeoutMs, undefined);
    });
    const checkout = this.pool.connect();
    try {
      const client = await Promise.race([checkout, late]);
      if (!client) {
        checkout.then((c) => c.release(), () => undefined);
        return false;
      }
      try {
        // A server that answers but takes no writes (a standby after a failover, a primary set
        // read-only, default_transaction_read_only) fails every write: not ready either.
        const result = await client.query<{ read_only: string }>({ text: "select current_setting('transaction_read_only') as read_only", query_timeout: Math.max(1, deadline - Date.now()) } as Pg.QueryConfig);
        client.release();
        return result.rows[0]?.read_only === 'off';
      } catch (e) {
        client.release(e instanceof Error ? e : new Error(String(e)));
        return false;
      }
    } catch {
      return false;
    } finally {
      clearTimeout(timer);
    }
  }
}

class GuardedClient implements PostgresPoolClient {
  #timedOut: Error | undefined;

  constructor(private readonly client: Pg.PoolClient) {}

  query<R>(sql: string, parameters: ReadonlyArray<unknown>): Promise<PostgresQueryResult<R>>;
  query<R>(cursor: PostgresCursor<R>): PostgresCursor<R>;
  query<R>(sql: string | PostgresCursor<R>, parameters?: ReadonlyArray<unknown>): Promise<PostgresQueryResult<R>> | PostgresCursor<R> {
    // Kysely streams through a cursor only when one is configured, and none is.
    if (typeof sql !== 'string') throw new Error('cursors are not supported');
    if (this.#timedOut) return Promise.reject(this.#timedOut);
    const result = this.client.query(sql, parameters as unknown[]) as unknown as Promise<PostgresQueryResult<R>>;
    result.catch((e: unknown) => {
      if (isQueryTimeout(e)) this.#timedOut = e as Error;
    });
    return result;
  }

  release(): void {
    const timedOut = this.#timedOut;
    this.#timedOut = undefined;
    this.client.release(timedOut);
  }
}
