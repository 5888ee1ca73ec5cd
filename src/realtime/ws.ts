// WebSocket transport: a thin Wire over a `ws` socket, with close codes for the terminal events,
// and a JSON codec for surfaces whose messages are JSON objects.
import { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocket } from 'ws';
import type { EventRecord } from '../events/index.js';
import { cachedFrames } from './frame-cache.js';
import type { Codec, TerminalType, Wire } from './types.js';
import { FrameBatch } from './write-batch.js';
import { sharedTextFrame, textFrame } from './prepared-frames.js';

/** Close codes sent after a terminal message (4000-4999 are application codes). */
export const WS_CLOSE_CODES: Readonly<Record<TerminalType, number>> = {
  'stream.expired': 4401,
  'stream.unauthorized': 4403,
  'stream.stale_resume': 4409,
  'stream.overflow': 4408,
  'stream.draining': 1012,
};

/**
 * `stream` is the socket the upgrade handed to `ws`. Event frames are written to it directly, batched
 * per turn; control frames (ping, close) still go through `ws`, after what is queued.
 */
export function wsWire(socket: WebSocket, stream: Duplex): Wire {
  const batch = new FrameBatch(
    (bytes) => {
      if (socket.readyState === WebSocket.OPEN && stream.writable) stream.write(bytes);
    },
    () => socket.bufferedAmount,
  );
  // Bytes to a vanished peer drain into the kernel at once, so only what it sends back proves it is there.
  let heardAt = Date.now();
  const heard = () => {
    heardAt = Date.now();
  };
  socket.on('pong', heard);
  socket.on('ping', heard);
  socket.on('message', heard);
  return {
    transport: 'ws',
    write: (frame) => batch.push(typeof frame === 'string' ? textFrame(Buffer.from(frame)) : sharedTextFrame(frame)),
    bufferedBytes: () => batch.queued(),
    ping: () => socket.ping(),
    lastHeardAt: () => heardAt,
    end: (terminal) => {
      batch.flush();
      socket.close(terminal ? WS_CLOSE_CODES[terminal] : 1000, terminal ?? 'closing');
    },
    destroy: () => {
      batch.discard();
      socket.terminate();
    },
    reset: () => {
      batch.discard();
      if (stream instanceof Socket && !stream.destroyed) stream.resetAndDestroy();
      else socket.terminate();
    },
    onClose: (listener) => void socket.once('close', listener),
  };
}

/** JSON messages shaped per surface; terminal messages are `{type, ...data}`; keep-alive is a ping frame. */
export function jsonWsCodec(shape: (e: EventRecord) => Readonly<Record<string, unknown>> | undefined): Codec {
  return {
    event: cachedFrames((e) => {
      const body = shape(e);
      return body === undefined ? undefined : JSON.stringify(body);
    }),
    terminal: (type, data) => JSON.stringify({ type, ...data }),
    heartbeat: () => undefined,
  };
}
