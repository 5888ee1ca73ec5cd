// A TCP proxy a test can freeze: while frozen it stops forwarding bytes in either direction but closes
// nothing, as a stopped server or a partition that drops packets looks from the client's side. While
// dropping it reads and discards them instead: what was sent then is lost for good, not late.
import { connect, createServer, type Socket } from 'node:net';

export interface FreezableProxy {
  /** Where to connect instead of the target. */
  readonly port: number;
  freeze(): void;
  /** Discards every byte from now on, both ways, still closing nothing. */
  drop(): void;
  /** What the clients sent since drop() was called, as text (Redis commands are readable). */
  dropped(): string;
  /** Forwards again after freeze() or drop(). */
  thaw(): void;
  close(): Promise<void>;
}

export async function startFreezableProxy(target: { host: string; port: number }): Promise<FreezableProxy> {
  let frozen = false;
  let dropping = false;
  let discarded = '';
  const sockets = new Set<Socket>();
  const track = (s: Socket) => {
    sockets.add(s);
    s.on('error', () => undefined);
    s.on('close', () => sockets.delete(s));
  };
  const server = createServer((client) => {
    const upstream = connect(target.port, target.host);
    track(client);
    track(upstream);
    // By hand rather than pipe(): pipe() resumes a source on its own, and a frozen one must stay paused.
    client.on('data', (chunk: Buffer) => {
      if (dropping) discarded += chunk.toString('latin1');
      else upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      if (!dropping) client.write(chunk);
    });
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
    if (frozen) {
      client.pause();
      upstream.pause();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the proxy has no port');
  return {
    port: address.port,
    freeze() {
      frozen = true;
      for (const s of sockets) s.pause();
    },
    drop() {
      dropping = true;
      discarded = '';
    },
    dropped: () => discarded,
    thaw() {
      frozen = false;
      dropping = false;
      for (const s of sockets) s.resume();
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
