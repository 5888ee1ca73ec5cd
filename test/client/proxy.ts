// A TCP proxy in front of a server, so a test can cut one client's connections (and only them).
import net from 'node:net';
import type { AddressInfo } from 'node:net';

export interface CutProxy {
  readonly url: string;
  /** Destroys every connection through the proxy; new ones are accepted. */
  cut(): void;
  close(): Promise<void>;
}

export function cutProxy(target: string): Promise<CutProxy> {
  const { hostname, port } = new URL(target);
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(port), hostname);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => undefined);
    }
    client.pipe(upstream).pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => {
    const address = server.address() as AddressInfo;
    resolve({
      url: `http://127.0.0.1:${address.port}`,
      cut: () => {
        for (const s of sockets) s.destroy();
      },
      close: () => new Promise((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
    });
  }));
}
