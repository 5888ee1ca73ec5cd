// What every baseline server shares: `POST /publish {type, data}` → 202 {id}, and announcing its port
// on stdout as `LISTENING <port>` for the harness.
import type http from 'node:http';

export interface Published {
  readonly id: number;
  readonly type: string;
  readonly data: unknown;
}

let lastId = 0;

/** Reads a publish request, calls `broadcast` and answers 202 {id}; 400 on a body that is not JSON. */
export function handlePublish(req: http.IncomingMessage, res: http.ServerResponse, broadcast: (p: Published) => void): void {
  let body = '';
  req.setEncoding('utf8');
  req.on('data', (chunk: string) => (body += chunk));
  req.on('end', () => {
    let parsed: { type?: unknown; data?: unknown };
    try {
      parsed = JSON.parse(body) as { type?: unknown; data?: unknown };
    } catch {
      res.writeHead(400).end();
      return;
    }
    const id = ++lastId;
    broadcast({ id, type: typeof parsed.type === 'string' ? parsed.type : 'message', data: parsed.data ?? {} });
    res.writeHead(202, { 'content-type': 'application/json' }).end(`{"id":${id}}`);
  });
}

/**
 * Answers `GET /events` as an SSE stream and keeps it in `streams` until it closes. The baselines
 * differ only in how they write events to these streams.
 */
export function openStream(res: http.ServerResponse, streams: Set<http.ServerResponse>): void {
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive' });
  res.socket?.setNoDelay(true);
  res.write('retry: 3000\n\n');
  streams.add(res);
  res.once('close', () => streams.delete(res));
}

/** Listens on 127.0.0.1:$PORT (0 picks one) and prints `LISTENING <port>`. */
export function listen(server: http.Server): void {
  server.keepAliveTimeout = 60_000;
  server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
    const address = server.address();
    process.stdout.write(`LISTENING ${typeof address === 'object' && address ? address.port : 0}\n`);
  });
}
