// Server-Sent Events transport: a thin Wire over a hijacked Fastify reply, and the SSE frame codecs.
import type { FastifyReply } from 'fastify';
import type { EventRecord } from '../events/index.js';
import { cachedFrames } from './frame-cache.js';
import type { Codec, TerminalType, Wire } from './types.js';
import { sharedHttpChunk } from './prepared-frames.js';
import { FrameBatch } from './write-batch.js';

/** Hijacks the reply, sends the stream headers and the reconnect hint, and returns the wire. */
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
  res.socket?.setKeepAlive(true);
  res.write(`retry: ${retryMs}\n\n`);
  // Batches go straight to the socket, framed as the response's own body chunks (an HTTP/1.0 client
  // gets the raw bytes): one write per batch instead of four through ServerResponse, and the framed
  // bytes of a fan-out are shared by every connection. What the response itself writes (headers, the
  // retry hint, the final chunk on end) goes to the same socket queue, so the order holds. A response
  // still waiting for its socket (behind a pipelined request) writes through ServerResponse instead.
  const socket = res.socket;
  // A reset or aborted connection ends this stream alone; nothing written to a hijacked reply may
  // raise an error nobody listens to.
  res.on('error', () => res.destroy());
  socket?.on('error', () => res.destroy());
  const chunked = res.chunkedEncoding;
  const batch = new FrameBatch(
    (bytes) => {
      if (res.writableEnded || res.destroyed) return;
      if (!socket) res.write(bytes);
      else if (socket.writable) socket.write(chunked ? sharedHttpChunk(bytes) : bytes);
    },
    () => res.writableLength + (socket?.writableLength ?? 0),
  );
  return {
    transport: 'sse',
    socket: socket ?? undefined,
    write: (frame) => batch.push(typeof frame === 'string' ? Buffer.from(frame) : frame),
    bufferedBytes: () => batch.queued(),
    // A terminal event ends the TCP connection too, not just the response, as the contract says.
    end: () => {
      batch.flush();
      // The response detaches from its socket when it finishes, so hold on to the socket first.
      const held = res.socket ?? socket;
      res.once('finish', () => held?.end());
      res.end();
    },
    destroy: () => {
      batch.discard();
      res.destroy();
    },
    // A client that left while its stream was being admitted has already closed the response; its
    // connection must still end, and give back the slots it took.
    onClose: (listener) => (res.destroyed ? queueMicrotask(listener) : void res.once('close', listener)),
  };
}

/**
 * A terminal event that asks the client to wait (draining) also sets `retry:`: a browser EventSource
 * reads nothing else, so that is how its reconnects spread over the drain window.
 */
function retryLine(type: TerminalType, data: Readonly<Record<string, unknown>>): string {
  return type === 'stream.draining' && typeof data.retry_ms === 'number' ? `retry: ${data.retry_ms}\n` : '';
}

function dataLines(json: string): string {
  // JSON.stringify never emits raw newlines, so one data line per frame is enough.
  return `data: ${json}\n`;
}

/** Frames with `event:` names (the hub stream): `id`, `event`, `data`. */
export function namedSseCodec(): Codec {
  return {
    event: cachedFrames((e) => `id: ${e.id}\nevent: ${e.type}\n${dataLines(JSON.stringify(e.data))}\n`),
    terminal: (type: TerminalType, data) => `${retryLine(type, data)}event: ${type}\n${dataLines(JSON.stringify(data))}\n`,
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
    terminal: (type: TerminalType, data) => retryLine(type, data) + dataLines(JSON.stringify({ type, ...data })) + '\n',
    heartbeat: () => ': heartbeat\n\n',
  };
}

/** A frame for state that is not a logged event (snapshots): no id, so it never becomes a cursor. */
export function sseDataFrame(body: Readonly<Record<string, unknown>>): string {
  return dataLines(JSON.stringify(body)) + '\n';
}
