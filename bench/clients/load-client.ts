// A load-client process: holds many realtime connections (SSE, ws or Socket.IO) spread over loopback
// source addresses, records publish-to-receive latency per phase, and reports to the harness over IPC.
// For the soak its SSE connections are resuming subscribers (bench/clients/resuming-subscriber.ts) that
// the harness cuts and that check exact delivery. Started by the harness under `timeout`; it also
// exits when the harness goes away.
import { io as ioClient, type ManagerOptions, type SocketOptions } from 'socket.io-client';
import { WebSocket } from 'ws';
import { wallClockMs } from '../lib/clock.js';
import { Histogram } from '../lib/histogram.js';
import type { BenchPayload, FromClient, PayloadField, PhaseStats, ToClient } from './protocol.js';
import { ResumingSubscriber } from './resuming-subscriber.js';
import { SoakTally } from './soak-tally.js';
import { SseFrames } from './sse-frames.js';
import { openSseRequest } from './sse-request.js';

interface Conn {
  readonly counts: Map<string, number>;
  open: boolean;
  close(): void;
}

interface Phase {
  received: number;
  firstAt: number;
  lastAt: number;
  readonly latency: Histogram;
}

const conns: Conn[] = [];
const phases = new Map<string, Phase>();
let closed = 0;
/** The soak's subscribers (also in `conns`) and what they count. */
const subscribers: ResumingSubscriber[] = [];
const tally = new SoakTally();

function send(message: FromClient): void {
  process.send?.(message);
}

function record(conn: Conn, payload: BenchPayload, at: number): void {
  let phase = phases.get(payload.p);
  if (!phase) phases.set(payload.p, (phase = { received: 0, firstAt: at, lastAt: at, latency: new Histogram() }));
  phase.received++;
  phase.lastAt = at;
  phase.latency.recordMillis(at - payload.t);
  conn.counts.set(payload.p, (conn.counts.get(payload.p) ?? 0) + 1);
}

function isPayload(v: unknown): v is BenchPayload {
  return typeof v === 'object' && v !== null && typeof (v as BenchPayload).t === 'number' && typeof (v as BenchPayload).p === 'string';
}

function payloadOf(text: string): BenchPayload | undefined {
  const data = parseJson(text);
  return isPayload(data) ? data : undefined;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function onClosed(conn: Conn): void {
  if (!conn.open) return;
  conn.open = false;
  closed++;
}

/** SSE over node:http: resolves once the response headers say 200. */
async function openSse(url: URL, headers: Readonly<Record<string, string>>, localAddress: string, timeoutMs: number): Promise<Conn> {
  const { req, res } = await openSseRequest(url, headers, localAddress, timeoutMs);
  const conn: Conn = { counts: new Map(), open: true, close: () => req.destroy() };
  const frames = new SseFrames();
  res.setEncoding('utf8');
  res.on('data', (chunk: string) => {
    const at = wallClockMs();
    for (const text of frames.push(chunk)) {
      // Only benchmark payloads count; a server's own events (say, a greeting) are not deliveries.
      const payload = payloadOf(text);
      if (payload) record(conn, payload, at);
    }
  });
  res.once('close', () => onClosed(conn));
  return conn;
}

/** The payload of a ws message: its `data`, or the JSON text of its `name`. */
function wsPayload(message: unknown, field: PayloadField): unknown {
  if (typeof message !== 'object' || message === null) return undefined;
  const value = (message as Record<string, unknown>)[field];
  return field === 'name' ? (typeof value === 'string' ? parseJson(value) : undefined) : value;
}

function openWs(url: string, localAddress: string, timeoutMs: number, payloadIn: PayloadField): Promise<Conn> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { localAddress, perMessageDeflate: false, handshakeTimeout: timeoutMs });
    const conn: Conn = { counts: new Map(), open: false, close: () => ws.terminate() };
    ws.once('error', reject);
    ws.once('open', () => {
      conn.open = true;
      resolve(conn);
    });
    ws.on('message', (raw: Buffer) => {
      const at = wallClockMs();
      const payload = wsPayload(parseJson(raw.toString()), payloadIn);
      if (isPayload(payload)) record(conn, payload, at);
    });
    ws.once('close', () => onClosed(conn));
  });
}

function openSocketIo(url: string, localAddress: string, timeoutMs: number, eventName: string): Promise<Conn> {
  return new Promise((resolve, reject) => {
    // engine.io-client hands localAddress on to ws; the typings don't list it.
    const options: Partial<ManagerOptions & SocketOptions> & { localAddress: string } = { transports: ['websocket'], forceNew: true, reconnection: false, timeout: timeoutMs, localAddress };
    const socket = ioClient(url, options);
    const conn: Conn = { counts: new Map(), open: false, close: () => socket.disconnect() };
    socket.once('connect_error', (e: Error) => {
      socket.disconnect();
      reject(e);
    });
    socket.once('connect', () => {
      conn.open = true;
      resolve(conn);
    });
    socket.on(eventName, (data: unknown) => {
      if (isPayload(data)) record(conn, data, wallClockMs());
    });
    socket.once('disconnect', () => onClosed(conn));
  });
}

async function connect(cmd: Extract<ToClient, { cmd: 'connect' }>): Promise<void> {
  const started = Date.now();
  const errors: string[] = [];
  let ok = 0;
  let failed = 0;
  let next = 0;
  const url = new URL(cmd.url);
  const urlOf = (i: number) => (cmd.url.includes('{connection}') ? cmd.url.replaceAll('{connection}', `${cmd.connectionPrefix ?? ''}${i}`) : cmd.url);
  const openOne = (i: number): Promise<Conn> => {
    const source = cmd.sources[i % cmd.sources.length] ?? '127.0.0.1';
    const headers = cmd.headerSets?.[i % cmd.headerSets.length] ?? {};
    if (cmd.kind === 'sse' && cmd.resume) {
      const subscriber = new ResumingSubscriber(`${cmd.connectionPrefix ?? ''}${i}`, { url, headers, localAddress: source, timeoutMs: cmd.timeoutMs }, cmd.resume, tally, payloadOf, (payload, at) => record(subscriber, payload, at));
      subscribers.push(subscriber);
      return subscriber.start();
    }
    if (cmd.kind === 'sse') return openSse(url, headers, source, cmd.timeoutMs);
    if (cmd.kind === 'ws') return openWs(urlOf(i), source, cmd.timeoutMs, cmd.payloadIn ?? 'data');
    return openSocketIo(cmd.url, source, cmd.timeoutMs, cmd.eventName);
  };
  // Bounded by the count: each worker takes the next index until none are left.
  const worker = async () => {
    while (next < cmd.count) {
      const i = next++;
      try {
        conns.push(await openOne(i));
        ok++;
      } catch (e) {
        failed++;
        if (errors.length < 5) errors.push(e instanceof Error ? e.message : String(e));
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(cmd.concurrency, cmd.count) }, worker));
  send({ type: 'connected', ok, failed, errors, ms: Date.now() - started });
}

function stats(): void {
  const out: Record<string, PhaseStats> = {};
  for (const [name, phase] of phases) {
    let min = Infinity;
    let max = 0;
    for (const c of conns) {
      const n = c.counts.get(name) ?? 0;
      if (n < min) min = n;
      if (n > max) max = n;
    }
    out[name] = { received: phase.received, firstAt: phase.firstAt, lastAt: phase.lastAt, minPerConnection: conns.length ? min : 0, maxPerConnection: max, latency: phase.latency.toData() };
  }
  send({ type: 'stats', open: conns.length - closed, closed, phases: out });
}

/** Cuts `count` subscribers picked at random among the open ones (fewer when fewer are open). */
function cut(count: number): number {
  const open = subscribers.filter((s) => s.open);
  const want = Math.min(open.length, count);
  for (let i = 0; i < want; i++) {
    const j = i + Math.floor(Math.random() * (open.length - i));
    const picked = open[j] as ResumingSubscriber;
    open[j] = open[i] as ResumingSubscriber;
    open[i] = picked;
    picked.cut();
  }
  return want;
}

function exit(): void {
  for (const c of conns) c.close();
  process.exit(0);
}

process.on('message', (message: ToClient) => {
  if (message.cmd === 'connect') void connect(message);
  else if (message.cmd === 'stats') stats();
  else if (message.cmd === 'cut') send({ type: 'cut', cut: cut(message.count) });
  else if (message.cmd === 'sample') send(tally.sample(subscribers));
  else if (message.cmd === 'verify') send(tally.verify(subscribers, message.total));
  else exit();
});
process.on('disconnect', exit);
