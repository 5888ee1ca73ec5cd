// A frame-level SSE client over node:http, for tests that check status codes, headers and exact frames.
import http from 'node:http';

export interface SseFrame {
  readonly id?: string;
  readonly event?: string;
  readonly data?: string;
  readonly retry?: number;
  /** Text of a comment line (": heartbeat" → "heartbeat"). */
  readonly comment?: string;
}

export interface SseStream {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  /** The error body when status is not 200. */
  readonly body: string;
  /** Resolves with the next frame matching `pred`, or rejects after `timeoutMs` or when the stream ends. */
  next(pred?: (f: SseFrame) => boolean, timeoutMs?: number): Promise<SseFrame>;
  /** Frames received so far (events, comments, retry). */
  readonly frames: SseFrame[];
  readonly ended: Promise<void>;
  close(): void;
}

export interface OpenOptions {
  readonly token?: string;
  readonly lastEventId?: string;
  readonly headers?: Record<string, string>;
}

/** One SSE frame (a blank-line-separated block) as fields; undefined for an empty block. */
export function parseFrame(block: string): SseFrame | undefined {
  const frame: { id?: string; event?: string; data?: string; retry?: number; comment?: string } = {};
  let any = false;
  for (const line of block.split('\n')) {
    if (line === '') continue;
    any = true;
    if (line.startsWith(':')) {
      frame.comment = line.slice(1).trim();
      continue;
    }
    const i = line.indexOf(':');
    const field = i < 0 ? line : line.slice(0, i);
    const value = i < 0 ? '' : line.slice(i + 1).replace(/^ /, '');
    if (field === 'id') frame.id = value;
    else if (field === 'event') frame.event = value;
    else if (field === 'data') frame.data = frame.data === undefined ? value : `${frame.data}\n${value}`;
    else if (field === 'retry') frame.retry = Number(value);
  }
  return any ? frame : undefined;
}

export function openSse(url: string, options: OpenOptions = {}): Promise<SseStream> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { accept: 'text/event-stream', ...options.headers };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    if (options.lastEventId) headers['last-event-id'] = options.lastEventId;
    const req = http.get(url, { headers, agent: false }, (res) => {
      const frames: SseFrame[] = [];
      const consumed = new Set<SseFrame>();
      type Waiter = { pred: (f: SseFrame) => boolean; resolve: (f: SseFrame) => void; reject: (e: Error) => void; timer: NodeJS.Timeout };
      const waiters = new Set<Waiter>();
      let buffer = '';
      let body = '';
      let done = false;
      let endedResolve: () => void = () => undefined;
      const ended = new Promise<void>((r) => (endedResolve = r));
      const offer = (frame: SseFrame) => {
        for (const w of waiters) {
          if (!consumed.has(frame) && w.pred(frame)) {
            consumed.add(frame);
            waiters.delete(w);
            clearTimeout(w.timer);
            w.resolve(frame);
          }
        }
      };
      const finish = () => {
        if (done) return;
        done = true;
        endedResolve();
        for (const w of waiters) {
          clearTimeout(w.timer);
          w.reject(new Error(`stream ended; last frames ${JSON.stringify(frames.slice(-3))}`));
        }
        waiters.clear();
      };
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        if (res.statusCode !== 200) {
          body += chunk;
          return;
        }
        buffer += chunk;
        let idx: number;
        while ((idx = buffer.indexOf('\n\n')) >= 0) {
          const frame = parseFrame(buffer.slice(0, idx));
          buffer = buffer.slice(idx + 2);
          if (frame) {
            frames.push(frame);
            offer(frame);
          }
        }
      });
      res.on('end', finish);
      res.on('close', finish);
      res.on('error', finish);
      const stream: SseStream = {
        status: res.statusCode ?? 0,
        headers: res.headers,
        get body() {
          return body;
        },
        frames,
        ended,
        next(pred = () => true, timeoutMs = 10_000) {
          const found = frames.find((f) => !consumed.has(f) && pred(f));
          if (found) {
            consumed.add(found);
            return Promise.resolve(found);
          }
          if (done) return Promise.reject(new Error('stream ended'));
          return new Promise((res2, rej) => {
            const w: Waiter = {
              pred,
              resolve: res2,
              reject: rej,
              timer: setTimeout(() => {
                waiters.delete(w);
                rej(new Error(`no matching frame within ${timeoutMs} ms; last frames ${JSON.stringify(frames.slice(-3))}`));
              }, timeoutMs),
            };
            waiters.add(w);
          });
        },
        close() {
          req.destroy();
          res.destroy();
        },
      };
      if (res.statusCode !== 200) res.on('end', () => resolve(stream));
      else resolve(stream);
    });
    req.on('error', reject);
  });
}

/** Events (frames with an id or event name) received so far. */
export const eventsOf = (s: SseStream): SseFrame[] => s.frames.filter((f) => f.event !== undefined || f.id !== undefined);
