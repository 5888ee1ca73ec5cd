// The contracts between the connection core and its transports: a Wire moves bytes, a Codec shapes
// events for one surface's wire format, an Access decides what a connection may see.
import type { Socket } from 'node:net';
import type { EventRecord } from '../events/index.js';

export type TerminalType = 'stream.expired' | 'stream.unauthorized' | 'stream.draining' | 'stream.stale_resume' | 'stream.overflow';

export interface Wire {
  readonly transport: 'sse' | 'ws';
  /** Queues a frame; the core checks bufferedBytes() against its bound before each write. */
  write(frame: Frame): void;
  /** Bytes the client has not taken: this turn's frames not yet handed to the transport, and what the transport holds. */
  bufferedBytes(): number;
  /** Hands this turn's frames to the transport now rather than at the end of the turn. */
  flush(): void;
  /** A transport-level keep-alive (WebSocket ping) for codecs without a heartbeat frame. */
  ping?(): void;
  /** When the peer last sent anything (a pong answers each ping): transports whose peer can answer. */
  lastHeardAt?(): number;
  /** The TCP socket under a stream whose peer cannot answer (SSE): the kernel tells whether it acknowledges. */
  readonly socket?: Socket;
  /** Closes after what is written has been flushed; `terminal` tells a transport which close code to use. */
  end(terminal?: TerminalType): void;
  /** Drops the connection at once. */
  destroy(): void;
  /**
   * Drops it with a TCP reset, discarding what the kernel still holds for a peer that does not read
   * (a plain close leaves those bytes to an orphaned socket that resends them for minutes).
   */
  reset?(): void;
  onClose(listener: () => void): void;
}

/** Event frames are encoded once per event and shared by every connection, so they are bytes. */
export type Frame = string | Buffer;

export interface Codec {
  /** The frame for an event, or undefined when this surface does not show it. */
  event(event: EventRecord): Frame | undefined;
  terminal(type: TerminalType, data: Readonly<Record<string, unknown>>): string;
  /** The heartbeat frame, or undefined when the transport pings instead. */
  heartbeat(): string | undefined;
}

export interface Access {
  allows(event: EventRecord): boolean;
  /**
   * Accesses with the same key see the same events — apart from those `personal` names — so their
   * connections share one delivery. Without a key an Access shares only with itself (it may hold state).
   */
  readonly scopeKey?: string;
  /** Events whose visibility depends on who the member is (a direct message): each member's own access decides. */
  personal?(event: EventRecord): boolean;
}

export interface ConnectionLease {
  release(): void;
}

/** Counts open connections per key, cluster-wide in scaled mode. */
export interface ConnectionLimiter {
  acquire(key: string, max: number): Promise<ConnectionLease | undefined>;
  count(key: string): Promise<number>;
}

/** The surfaces that open realtime connections. */
export type RealtimeSurface = 'documents' | 'organizer' | 'videos' | 'hub' | 'admin';

export interface ConnectionLabel {
  readonly surface: RealtimeSurface;
  /** `<kind>:<id>` of what the stream was opened with (`org_key:key_…`, `contact:ct_…`, `console`…): never a secret. */
  readonly credential: string;
  readonly orgId: string | null;
  /** The client's address (behind a trusted proxy, the one it forwarded). */
  readonly remoteAddress: string;
}

/** One open connection as the operators' list shows it. */
export interface OpenConnection {
  readonly id: string;
  readonly surface: RealtimeSurface | 'unknown';
  readonly transport: 'sse' | 'ws';
  readonly orgId: string | null;
  readonly credential: string;
  readonly topic: string;
  readonly remoteAddress: string;
  /** Epoch ms it opened. */
  readonly since: number;
  readonly bytesQueued: number;
  readonly eventsSent: number;
}
