// HTTP over a bare TCP socket, for requests a real client would refuse to send or would normalize
// (conflicting lengths, bad chunking, bad percent-encoding, stalled headers, trickled bodies), and
// for watching when the server closes the connection.
import net from 'node:net';

export interface RawResponse {
  readonly status: number;
  /** Header names lower-cased. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

export interface RawConnection {
  readonly socket: net.Socket;
  /** Everything received so far. */
  received(): string;
  /** Resolves with the first complete response (by Content-Length), or rejects after `timeoutMs`. */
  response(timeoutMs?: number): Promise<RawResponse>;
  /** Resolves true once the server has closed the connection, false if it is still open after `timeoutMs`. */
  closed(timeoutMs?: number): Promise<boolean>;
  write(data: string | Buffer): void;
  destroy(): void;
}

export function parseResponse(text: string): RawResponse | undefined {
  const end = text.indexOf('\r\n\r\n');
  if (end < 0) return undefined;
  const [statusLine = '', ...lines] = text.slice(0, end).split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const length = Number(headers['content-length'] ?? 0);
  const body = Buffer.from(text.slice(end + 4), 'latin1');
  if (body.length < length) return undefined;
  return { status: Number(statusLine.split(' ')[1]), headers, body: body.subarray(0, length).toString('utf8') };
}

export async function rawConnect(baseUrl: string): Promise<RawConnection> {
  const { hostname, port } = new URL(baseUrl);
  const socket = net.connect(Number(port), hostname);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  let data = '';
  let isClosed = false;
  const waiters = new Set<() => void>();
  const wake = () => {
    for (const w of waiters) w();
  };
  socket.on('data', (chunk: Buffer) => {
    data += chunk.toString('latin1');
    wake();
  });
  socket.on('error', () => undefined);
  socket.on('close', () => {
    isClosed = true;
    wake();
  });
  /** Resolves with the first defined `check()`, or settles with `onTimeout` after `timeoutMs`. */
  const until = <T>(check: () => T | undefined, timeoutMs: number, onTimeout: (resolve: (v: T) => void, reject: (e: Error) => void) => void): Promise<T> =>
    new Promise((resolve, reject) => {
      const attempt = () => {
        const value = check();
        if (value === undefined) return;
        waiters.delete(attempt);
        clearTimeout(timer);
        resolve(value);
      };
      const timer = setTimeout(() => {
        waiters.delete(attempt);
        onTimeout(resolve, reject);
      }, timeoutMs);
      waiters.add(attempt);
      attempt();
    });
  return {
    socket,
    received: () => data,
    response: (timeoutMs = 5000) =>
      until(
        () => parseResponse(data),
        timeoutMs,
        (_resolve, reject) => reject(new Error(`no complete response within ${timeoutMs} ms; received ${JSON.stringify(data.slice(0, 300))}`)),
      ),
    closed: (timeoutMs = 5000) => until<boolean>(() => (isClosed ? true : undefined), timeoutMs, (resolve) => resolve(false)),
    write: (chunk) => void socket.write(chunk),
    destroy: () => socket.destroy(),
  };
}

/** Sends `request` whole and returns the first response and whether the server then closed. */
export async function rawExchange(baseUrl: string, request: string | Buffer, options: { timeoutMs?: number; waitForClose?: boolean } = {}): Promise<RawResponse & { closed: boolean }> {
  const { timeoutMs = 5000, waitForClose = true } = options;
  const conn = await rawConnect(baseUrl);
  try {
    conn.write(request);
    const response = await conn.response(timeoutMs);
    return { ...response, closed: waitForClose ? await conn.closed(timeoutMs) : false };
  } finally {
    conn.destroy();
  }
}
