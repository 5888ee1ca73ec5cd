// WebSocket transport: a thin Wire over a `ws` socket, with close codes for the terminal events,
// and a JSON codec for surfaces whose messages are JSON objects.
import type { WebSocket } from 'ws';
import type { EventRecord } from '../events/index.js';
import { cachedFrames } from './frame-cache.js';
import type { Codec, TerminalType, Wire } from './types.js';

/** Close codes sent after a terminal message (4000-4999 are application codes). */
export const WS_CLOSE_CODES: Readonly<Record<TerminalType, number>> = {
  'stream.expired': 4401,
  'stream.unauthorized': 4403,
  'stream.stale_resume': 4409,
  'stream.overflow': 4408,
  'stream.draining': 1012,
};

export function wsWire(socket: WebSocket): Wire {
  return {
    transport: 'ws',
    // Frames are JSON text; cached Buffers must still go out as text frames.
    write: (frame) => socket.send(frame, { binary: false }),
    bufferedBytes: () => socket.bufferedAmount,
    ping: () => socket.ping(),
    end: (terminal) => socket.close(terminal ? WS_CLOSE_CODES[terminal] : 1000, terminal ?? 'closing'),
    destroy: () => socket.terminate(),
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
