// Server-Sent Events transport: a thin Wire over a hijacked Fastify reply, and the SSE frame codecs.
import type { FastifyReply } from 'fastify';
import type { EventRecord } from '../events/index.js';
import { cachedFrames } from './frame-cache.js';
import type { Codec, TerminalType, Wire } from './types.js';
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
    connection: 'keep-alive',
  });
  res.socket?.setNoDelay(true);
  res.socket?.setKeepAlive(true);
  res.write(`retry: ${retryMs}\n\n`);
  const batch = new FrameBatch((bytes) => {
    if (!res.destroyed && !res.writableEnded) res.write(bytes);
  });
  return {
    transport: 'sse',
    write: (frame) => batch.push(typeof frame === 'string' ? Buffer.from(frame) : frame),
    bufferedBytes: () => batch.bytes + res.writableLength + (res.socket?.writableLength ?? 0),
    // A terminal event ends the TCP connection too, not just the response, as the contract says.
    end: () => {
      batch.flush();
      // The response detaches from its socket when it finishes, so hold on to the socket first.
      const socket = res.socket;
      res.once('finish', () => socket?.end());
      res.end();
    },
    destroy: () => {
      batch.discard();
      res.destroy();
    },
    onClose: (listener) => void res.once('close', listener),
  };
}

function dataLines(json: string): string {
  // JSON.stringify never emits raw newlines, so one data line per frame is enough.
  return `data: ${json}\n`;
}

/** Frames with `event:` names (the hub stream): `id`, `event`, `data`. */
export function namedSseCodec(): Codec {
  return {
    event: cachedFrames((e) => `id: ${e.id}\nevent: ${e.type}\n${dataLines(JSON.stringify(e.data))}\n`),
    terminal: (type: TerminalType, data) => `event: ${type}\n${dataLines(JSON.stringify(data))}\n`,
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
    terminal: (type: TerminalType, data) => dataLines(JSON.stringify({ type, ...data })) + '\n',
    heartbeat: () => ': heartbeat\n\n',
  };
}

/** A frame for state that is not a logged event (snapshots): no id, so it never becomes a cursor. */
export function sseDataFrame(body: Readonly<Record<string, unknown>>): string {
  return dataLines(JSON.stringify(body)) + '\n';
}
