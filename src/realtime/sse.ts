// Server-Sent Events transport: a thin Wire over the socket of a hijacked Fastify reply (or, when the
// socket cannot be taken from the HTTP server, over the reply's response), and the SSE frame codecs.
import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyReply } from 'fastify';
import type { EventRecord } from '../events/index.js';
import { endOnPeerEnd } from '../http/connections.js';
import { AppError } from '../http/errors.js';
import { takeSocket } from '../http/take-socket.js';
import { cachedFrames } from './frame-cache.js';
import type { Codec, Frame, TerminalType, Wire } from './types.js';
import { sharedHttpChunk } from './prepared-frames.js';
import { FrameBatch, type BatchSink } from './write-batch.js';

/**
 * Hijacks the reply, sends the stream headers and the reconnect hint, and returns the wire. The stream
 * then owns the response's socket, taken from the HTTP server, and nothing of the request or response
 * stays in memory for its lifetime; when the socket cannot be taken, the stream writes through its
 * response instead.
 */
/**
 * A stream pipelined behind another request on its connection cannot start until that one has been
 * answered, and behind another stream never: five pipelined hub streams on one connection held a
 * contact's whole cap while only the first could be read. Such a stream is refused before it takes a
 * slot (Node gives a response queued behind another no socket until its turn).
 */
export function checkStreamAlone(res: ServerResponse): void {
  if (res.socket === null) throw new AppError('invalid_request', 'A stream needs its connection to itself: it was pipelined behind another request');
}

export function openSseWire(reply: FastifyReply, retryMs: number): Wire {
  reply.hijack();
  const res = reply.raw;
  const headers: Record<string, string | number | string[]> = {};
  for (const [name, value] of Object.entries(reply.getHeaders())) if (value !== undefined) headers[name] = value;
  res.writeHead(200, {
    ...headers,
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    'x-accel-buffering': 'no',
    // A stream ends by closing its connection (after a terminal event, too), and a pooling client
    // (undici, Node's agent) must know from the start that this connection is not coming back to it.
    connection: 'close',
  });
  res.socket?.setNoDelay(true);
  // No TCP keep-alive: a stream is never silent for longer than its heartbeat (with heartbeats off,
  // the idle timeout closes a silent one), and the stall watch (liveness.ts) ends one whose peer has
  // gone, long before the kernel's two-hour keep-alive would. Node's setKeepAlive(true) cost two system calls a stream, one of them failing
  // (TCP_KEEPIDLE of 0).
  // The head and the hint leave in one write; the response framed the hint as it will frame the rest:
  // chunks for HTTP/1.1, the raw bytes for an HTTP/1.0 client.
  res.write(`retry: ${retryMs}\n\n`);
  const socket = takeSocket(reply);
  return socket ? new SocketSseWire(socket, res.chunkedEncoding) : new ResponseSseWire(res);
}

/** The end of a chunked body (RFC 9112 §7.1). */
const LAST_CHUNK = Buffer.from('0\r\n\r\n', 'latin1');

/** Listeners shared by every stream's socket: a closure each would live as long as the stream. */
function destroyOnError(this: Socket): void {
  this.destroy();
}

/** What both SSE wires share: frames queued per turn, counted against the client's bound with the transport's. */
abstract class BatchedSseWire implements Wire, BatchSink {
  readonly transport = 'sse';
  protected readonly batch = new FrameBatch(this);

  write(frame: Frame): void {
    this.batch.push(typeof frame === 'string' ? Buffer.from(frame) : frame);
  }

  bufferedBytes(): number {
    return this.batch.queued();
  }

  flush(): void {
    this.batch.flush();
  }

  abstract end(): void;
  abstract destroy(): void;
  abstract onClose(listener: () => void): void;
  abstract sendBatch(bytes: Buffer): void;
  abstract transportQueued(): number;
}

/**
 * A stream on its own socket. Batches go straight to it, framed as the response's body chunks: one
 * write per batch, and the framed bytes of a fan-out are shared by every connection.
 */
class SocketSseWire extends BatchedSseWire {
  private ended = false;

  constructor(
    readonly socket: Socket,
    private readonly chunked: boolean,
  ) {
    super();
    // A reset or aborted connection ends this stream alone; nothing written to it may raise an error
    // nobody listens to. What the client sends is read and dropped, so its close is seen.
    socket.on('error', destroyOnError);
    socket.on('end', endOnPeerEnd);
    socket.resume();
  }

  // A terminal event ends the TCP connection too, not just the response, as the contract says.
  end(): void {
    this.batch.flush();
    if (this.ended) return;
    this.ended = true;
    if (this.chunked && this.socket.writable) this.socket.write(LAST_CHUNK);
    this.socket.end();
  }

  destroy(): void {
    this.batch.discard();
    this.socket.destroy();
  }

  // A client that left while its stream was being admitted has already closed the socket; its
  // connection must still end, and give back the slots it took.
  onClose(listener: () => void): void {
    if (this.socket.destroyed) queueMicrotask(listener);
    else this.socket.on('close', listener);
  }

  sendBatch(bytes: Buffer): void {
    if (this.ended || !this.socket.writable) return;
    this.socket.write(this.chunked ? sharedHttpChunk(bytes) : bytes);
  }

  transportQueued(): number {
    return this.socket.writableLength;
  }
}

/**
 * A stream through its response, when its socket could not be taken (a response still waiting for its
 * socket behind a pipelined request, say): ServerResponse frames and queues what it is given.
 */
class ResponseSseWire extends BatchedSseWire {
  readonly socket: Socket | undefined;

  constructor(private readonly res: ServerResponse) {
    super();
    this.socket = res.socket ?? undefined;
    res.on('error', () => res.destroy());
    this.socket?.on('error', () => res.destroy());
  }

  end(): void {
    this.batch.flush();
    // The response detaches from its socket when it finishes, so hold on to the socket first.
    const held = this.res.socket ?? this.socket;
    this.res.once('finish', () => held?.end());
    this.res.end();
  }

  destroy(): void {
    this.batch.discard();
    this.res.destroy();
  }

  onClose(listener: () => void): void {
    if (this.res.destroyed) queueMicrotask(listener);
    else this.res.once('close', listener);
  }

  sendBatch(bytes: Buffer): void {
    if (!this.res.writableEnded && !this.res.destroyed) this.res.write(bytes);
  }

  transportQueued(): number {
    return this.res.writableLength + (this.socket?.writableLength ?? 0);
  }
}

/**
 * A terminal event that asks the client to wait (draining) also sets `retry:`: a browser EventSource
 * reads nothing else, so that is how its reconnects spread over the drain window.
 */
function retryLine(type: TerminalType, data: Readonly<Record<string, unknown>>): string {
  return type === 'stream.draining' && typeof data.retry_ms === 'number' ? `retry: ${data.retry_ms}\n` : '';
}

/**
 * Before `stream.stale_resume`, a block holding only an empty `id:`: a browser EventSource takes it
 * as its last event id, dispatching nothing, so its own reconnect sends no Last-Event-ID and starts
 * fresh (with the current state) instead of asking for the same stale cursor again and again. The
 * colon matters: @microsoft/fetch-event-source skips a field line without one. Clients that dispatch
 * only blocks with data (Capstan's SDK, most parsers) never see it.
 */
function forgetCursor(type: TerminalType): string {
  return type === 'stream.stale_resume' ? 'id:\n\n' : '';
}

function dataLines(json: string): string {
  // JSON.stringify never emits raw newlines, so one data line per frame is enough.
  return `data: ${json}\n`;
}

/** Frames with `event:` names (the hub stream): `id`, `event`, `data`. */
export function namedSseCodec(): Codec {
  return {
    event: cachedFrames((e) => `id: ${e.id}\nevent: ${e.type}\n${dataLines(JSON.stringify(e.data))}\n`),
    terminal: (type: TerminalType, data) => `${forgetCursor(type)}${retryLine(type, data)}event: ${type}\n${dataLines(JSON.stringify(data))}\n`,
    heartbeat: () => ': heartbeat\n\n',
  };
}

/**
 * Frames without `event:` names, so EventSource's `onmessage` receives them (the documents stream):
 * the type travels inside the JSON, shaped by `shape`.
 */
export function messageSseCodec(shape: (e: EventRecord) => Readonly<Record<string, unknown>> | undefined): Codec {
  return {
    event: cachedFrames((e) => {
      const body = shape(e);
      return body === undefined ? undefined : `id: ${e.id}\n${dataLines(JSON.stringify(body))}\n`;
    }),
    terminal: (type: TerminalType, data) => forgetCursor(type) + retryLine(type, data) + dataLines(JSON.stringify({ type, ...data })) + '\n',
    heartbeat: () => ': heartbeat\n\n',
  };
}

/** A frame for state that is not a logged event (snapshots): no id, so it never becomes a cursor. */
export function sseDataFrame(body: Readonly<Record<string, unknown>>): string {
  return dataLines(JSON.stringify(body)) + '\n';
}
