// WebSocket transport: a thin Wire over a `ws` socket, with close codes for the terminal events,
// and a JSON codec for surfaces whose messages are JSON objects.
import { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocket } from 'ws';
import type { EventRecord } from '../events/index.js';
import { cachedFrames } from './frame-cache.js';
import type { Codec, Frame, TerminalType, Wire } from './types.js';
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

/** What a WebSocket wire is built on: the upgrade as the HTTP layer accepted it. */
export interface WsUpgrade {
  readonly socket: WebSocket;
  /** The socket the upgrade handed to `ws`. */
  readonly stream: Duplex;
  /** When the peer last sent anything: bytes to a vanished peer drain into the kernel at once, so only what it sends back proves it is there. */
  lastHeardAt(): number;
  /** Gives the upgrade what to flush before a close it makes itself (the message rate's 1008). */
  flushBeforeClose?(queue: { flush(): void }): void;
}

/**
 * Event frames are written to the upgrade's stream directly, batched per turn; control frames (ping,
 * close) still go through `ws`, after what is queued. A class rather than an object of closures: a
 * wire lives as long as its connection, and its methods need not be allocated per connection.
 */
class WsWire implements Wire {
  readonly transport = 'ws';
  private readonly ws: WebSocket;
  private readonly stream: Duplex;
  private readonly upgrade: WsUpgrade;
  private readonly batch: FrameBatch;

  constructor(upgrade: WsUpgrade) {
    this.upgrade = upgrade;
    this.ws = upgrade.socket;
    this.stream = upgrade.stream;
    this.batch = new FrameBatch(this);
    // Replies this turn queued go out ahead of a close the upgrade makes, not dropped behind it.
    upgrade.flushBeforeClose?.(this.batch);
  }

  write(frame: Frame): void {
    this.batch.push(typeof frame === 'string' ? textFrame(Buffer.from(frame)) : sharedTextFrame(frame));
  }

  bufferedBytes(): number {
    return this.batch.queued();
  }

  flush(): void {
    this.batch.flush();
  }

  ping(): void {
    this.ws.ping();
  }

  lastHeardAt(): number {
    return this.upgrade.lastHeardAt();
  }

  end(terminal?: TerminalType): void {
    this.batch.flush();
    this.ws.close(terminal ? WS_CLOSE_CODES[terminal] : 1000, terminal ?? 'closing');
  }

  destroy(): void {
    this.batch.discard();
    this.ws.terminate();
  }

  reset(): void {
    this.batch.discard();
    if (this.stream instanceof Socket && !this.stream.destroyed) this.stream.resetAndDestroy();
    else this.ws.terminate();
  }

  onClose(listener: () => void): void {
    this.ws.on('close', listener);
  }

  sendBatch(bytes: Buffer): void {
    if (this.ws.readyState === WebSocket.OPEN && this.stream.writable) this.stream.write(bytes);
  }

  transportQueued(): number {
    return this.ws.bufferedAmount;
  }
}

export function wsWire(upgrade: WsUpgrade): Wire {
  return new WsWire(upgrade);
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
