// An SSE client that keeps a subscription alive through faults, as a real EventSource-style client
// does: when its connection drops (a node was killed, the stream was drained) it reconnects to any live
// node with Last-Event-ID, re-minting its credential when it expired. Everything it sees is kept —
// events, terminal events, each connection and how it ended — for the invariants to read afterwards.
import http from 'node:http';
import type { CapstanCluster } from '../cluster.js';
import { parseJson, type Json } from '../lib/json.js';
import { assertLoopback, sleep } from '../lib/net.js';
import type { Prng } from '../lib/prng.js';
import { parseFrame, type SseFrame } from '../../test/helpers/sse.js';
import { describeError } from './http.js';

export type { SseFrame };

export interface ReceivedEvent {
  readonly id: string | undefined;
  readonly event: string | undefined;
  readonly data: string;
  readonly node: string;
  /** Index into `connections`. */
  readonly connection: number;
  readonly at: number;
}

export interface TerminalEvent {
  readonly type: string;
  readonly data: Json | undefined;
  readonly node: string;
  readonly connection: number;
  readonly at: number;
}

export interface ConnectionLog {
  readonly node: string;
  readonly openedAt: number;
  readonly cursor: string | undefined;
  status: number | undefined;
  endedAt: number | undefined;
  /** How it ended: `terminal:<type>`, `closed`, `idle`, `status:<n>`, `error:<message>`, `stopped`. */
  end: string | undefined;
}

export type SubscriberEnd =
  | { readonly kind: 'terminal'; readonly type: string; readonly at: number }
  | { readonly kind: 'refused'; readonly status: number; readonly at: number }
  | { readonly kind: 'stopped'; readonly at: number };

export interface SubscriberSpec {
  readonly name: string;
  readonly cluster: CapstanCluster;
  readonly prng: Prng;
  /** Path (with query) and headers of the next connection; called before each one. */
  request(): Promise<{ path: string; headers: Record<string, string> }>;
  /** The terminal event a frame carries, if it is one (named `stream.*` events, or `data.type` on the documents stream). */
  terminalOf(frame: SseFrame): { type: string; data: Json | undefined } | undefined;
  /** A 401 or `stream.expired`: the next `request()` must bring a fresh credential. */
  credentialsExpired(): void;
  /** Answers after which a client stops for good (a banned contact gets 404). */
  refused(status: number): boolean;
  /** No byte (event or heartbeat) for this long: the connection is dead, reconnect. */
  readonly idleTimeoutMs: number;
  readonly initialCursor?: string;
  /** Node for the first connection (spreads subscribers over the nodes); later ones go anywhere. */
  readonly firstNode?: string;
}

/** The terminal events of docs/realtime.md; other `stream.*` frames (stream.subscribed) are not terminal. */
const TERMINAL_TYPES = new Set(['stream.expired', 'stream.unauthorized', 'stream.draining', 'stream.stale_resume', 'stream.overflow']);

/** Terminal events after which a client reconnects (with its cursor) rather than stopping. */
const RESUMABLE = new Set(['stream.expired', 'stream.draining', 'stream.overflow']);

export class ResilientSubscriber {
  readonly events: ReceivedEvent[] = [];
  readonly terminals: TerminalEvent[] = [];
  readonly connections: ConnectionLog[] = [];
  lastEventId: string | undefined;
  end: SubscriberEnd | undefined;
  private current: http.ClientRequest | undefined;
  private loop: Promise<void> | undefined;
  private wakers = new Set<() => void>();

  constructor(private readonly spec: SubscriberSpec) {
    this.lastEventId = spec.initialCursor;
  }

  get name(): string {
    return this.spec.name;
  }

  /** True while a connection is open with status 200. */
  get connected(): boolean {
    const last = this.connections.at(-1);
    return last !== undefined && last.status === 200 && last.endedAt === undefined;
  }

  start(): void {
    this.loop ??= this.run();
  }

  async stop(): Promise<void> {
    this.end ??= { kind: 'stopped', at: Date.now() };
    this.current?.destroy();
    this.wake();
    await this.loop;
  }

  /** Resolves true once `predicate` holds (checked on every frame and connection change), false on timeout or end. */
  async waitFor(predicate: () => boolean, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate()) {
      if (this.end !== undefined || Date.now() >= deadline) return predicate();
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          this.wakers.delete(done);
          resolve();
        };
        const timer = setTimeout(done, Math.min(250, Math.max(1, deadline - Date.now())));
        this.wakers.add(done);
      });
    }
    return true;
  }

  private wake(): void {
    const wakers = [...this.wakers];
    this.wakers.clear();
    for (const w of wakers) w();
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (this.end === undefined) {
      const urls = this.spec.cluster.liveUrls();
      if (urls.length === 0) {
        await sleep(100);
        continue;
      }
      const preferred = this.connections.length === 0 && this.spec.firstNode !== undefined ? this.spec.cluster.urlOf(this.spec.firstNode) : undefined;
      const url = preferred ?? this.spec.prng.pick(urls);
      let request: { path: string; headers: Record<string, string> };
      try {
        request = await this.spec.request();
      } catch {
        await sleep(200);
        continue;
      }
      if (this.end !== undefined) return;
      const outcome = await this.connectOnce(url, request);
      if (this.end !== undefined) return;
      if (outcome.terminal) {
        failures = 0;
        const { type, data } = outcome.terminal;
        if (type === 'stream.expired') this.spec.credentialsExpired();
        if (!RESUMABLE.has(type)) {
          this.end = { kind: 'terminal', type, at: Date.now() };
          break;
        }
        const retryMs = typeof data === 'object' && data !== null && !Array.isArray(data) && typeof data.retry_ms === 'number' ? data.retry_ms : 0;
        await sleep(Math.min(retryMs, 500));
        continue;
      }
      if (outcome.status === 200) {
        failures = 0;
        await sleep(this.spec.prng.int(50, 150));
        continue;
      }
      if (outcome.status !== undefined && this.spec.refused(outcome.status)) {
        this.end = { kind: 'refused', status: outcome.status, at: Date.now() };
        break;
      }
      if (outcome.status === 401) this.spec.credentialsExpired();
      failures++;
      await sleep(Math.min(500, 50 * 2 ** Math.min(failures, 4)) + this.spec.prng.int(0, 50));
    }
    this.wake();
  }

  private connectOnce(baseUrl: string, request: { path: string; headers: Record<string, string> }): Promise<{ status: number | undefined; terminal?: { type: string; data: Json | undefined } }> {
    assertLoopback(baseUrl);
    const node = this.spec.cluster.nodeOf(baseUrl) ?? baseUrl;
    const index = this.connections.length;
    const log: ConnectionLog = { node, openedAt: Date.now(), cursor: this.lastEventId, status: undefined, endedAt: undefined, end: undefined };
    this.connections.push(log);
    const headers: Record<string, string> = { accept: 'text/event-stream', ...request.headers };
    if (this.lastEventId !== undefined) headers['last-event-id'] = this.lastEventId;
    return new Promise((resolve) => {
      let settled = false;
      let terminal: { type: string; data: Json | undefined } | undefined;
      let idle: NodeJS.Timeout | undefined;
      const finish = (end: string) => {
        if (settled) return;
        settled = true;
        clearTimeout(idle);
        if (this.current === req) this.current = undefined;
        log.endedAt = Date.now();
        log.end = this.end?.kind === 'stopped' ? 'stopped' : end;
        this.wake();
        resolve({ status: log.status, terminal });
      };
      const req = http.get(`${baseUrl}${request.path}`, { headers, agent: false }, (res) => {
        log.status = res.statusCode ?? 0;
        this.wake();
        res.setEncoding('utf8');
        if (log.status !== 200) {
          res.resume();
          res.on('end', () => finish(`status:${log.status}`));
          res.on('error', () => finish(`status:${log.status}`));
          return;
        }
        const armIdle = () => {
          clearTimeout(idle);
          idle = setTimeout(() => {
            req.destroy();
            finish('idle');
          }, this.spec.idleTimeoutMs);
        };
        armIdle();
        let buffer = '';
        res.on('data', (chunk: string) => {
          armIdle();
          buffer += chunk;
          let cut: number;
          while ((cut = buffer.indexOf('\n\n')) >= 0) {
            const frame = parseFrame(buffer.slice(0, cut));
            buffer = buffer.slice(cut + 2);
            if (frame) this.onFrame(frame, node, index, (t) => (terminal = t));
          }
        });
        res.on('end', () => finish(terminal ? `terminal:${terminal.type}` : 'closed'));
        res.on('close', () => finish(terminal ? `terminal:${terminal.type}` : 'closed'));
        res.on('error', () => finish(terminal ? `terminal:${terminal.type}` : 'closed'));
      });
      this.current = req;
      req.on('error', (e) => finish(`error:${describeError(e)}`));
    });
  }

  private onFrame(frame: SseFrame, node: string, connection: number, setTerminal: (t: { type: string; data: Json | undefined }) => void): void {
    if (frame.data === undefined) return;
    const terminal = this.spec.terminalOf(frame);
    const at = Date.now();
    if (terminal) {
      this.terminals.push({ ...terminal, node, connection, at });
      setTerminal(terminal);
    } else {
      this.events.push({ id: frame.id, event: frame.event, data: frame.data, node, connection, at });
      if (frame.id !== undefined) this.lastEventId = frame.id;
    }
    this.wake();
  }
}

/** Named-event streams (hub, developer videos): terminal events are named and carry no id. */
export function namedTerminal(frame: SseFrame): { type: string; data: Json | undefined } | undefined {
  if (frame.id !== undefined || frame.event === undefined || !TERMINAL_TYPES.has(frame.event)) return undefined;
  return { type: frame.event, data: parseJson(frame.data ?? '') };
}

/** The documents stream: unnamed messages; a terminal one is `data: {"type":"stream.…",…}` without an id. */
export function dataTerminal(frame: SseFrame): { type: string; data: Json | undefined } | undefined {
  if (frame.id !== undefined) return undefined;
  const data = parseJson(frame.data ?? '');
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return undefined;
  const type = data.type;
  return typeof type === 'string' && TERMINAL_TYPES.has(type) ? { type, data } : undefined;
}
