// LISTEN on PostgreSQL through one dedicated connection that comes back by itself after a restart or
// a network blip. Notifications are hints, never the only signal: after a reconnect the listener is
// called once, because whatever was notified meanwhile was lost.
import type Pg from 'pg';
import { pgDriver } from './pg-driver.js';
import { clientConfig, type PostgresBounds } from './pg-pool.js';

export interface Listening {
  close(): Promise<void>;
}

export function listenPostgres(databaseUrl: string, bounds: PostgresBounds, channel: string, onNotify: () => void): Listening {
  let client: Pg.Client | undefined;
  let closed = false;
  let retryMs = 100;
  let timer: NodeJS.Timeout | undefined;

  const reconnectLater = () => {
    if (closed || timer) return;
    timer = setTimeout(() => {
      timer = undefined;
      void connect();
    }, retryMs);
    timer.unref();
    retryMs = Math.min(retryMs * 2, 5_000);
  };

  async function connect(): Promise<void> {
    const pg = pgDriver();
    // Bounded connecting and keepalive: a partition ends the connection, and the reconnecting starts.
    const c = new pg.Client(clientConfig(databaseUrl, bounds));
    client = c;
    c.on('error', () => {
      void c.end().catch(() => undefined);
      reconnectLater();
    });
    c.on('end', reconnectLater);
    c.on('notification', (n) => {
      if (n.channel === channel) onNotify();
    });
    try {
      await c.connect();
      await c.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
      if (closed) return void (await c.end().catch(() => undefined));
      retryMs = 100;
      onNotify();
    } catch {
      void c.end().catch(() => undefined);
      reconnectLater();
    }
  }

  void connect();
  return {
    async close() {
      closed = true;
      clearTimeout(timer);
      await client?.end().catch(() => undefined);
    },
  };
}
