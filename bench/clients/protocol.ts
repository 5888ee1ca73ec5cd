// Messages between the harness and its load-client processes (over the child-process IPC channel).
import type { HistogramData } from '../lib/histogram.js';

export type ClientKind = 'sse' | 'ws' | 'socketio';

export type PayloadField = 'data' | 'name';

/** What a benchmark event carries in its data: the phase, a sequence number and the send time. */
export interface BenchPayload {
  readonly p: string;
  readonly s: number;
  /** Send time, ms on the shared wall clock (bench/lib/clock.ts). */
  readonly t: number;
}

export type ToClient =
  | {
      readonly cmd: 'connect';
      readonly kind: ClientKind;
      readonly url: string;
      /** Request headers, one set per connection in turn (say, one contact token each). */
      readonly headerSets?: readonly Readonly<Record<string, string>>[];
      readonly count: number;
      /** Local addresses to spread connections over, round robin. */
      readonly sources: readonly string[];
      /** Connection attempts in flight at once. */
      readonly concurrency: number;
      readonly timeoutMs: number;
      /** Event name to listen for (Socket.IO). */
      readonly eventName: string;
      /**
       * Where a ws message carries the payload: its `data` (the default), or its `name` as JSON text (a
       * Capstan organizer file_updated event: the publisher renames a file to the payload).
       */
      readonly payloadIn?: PayloadField;
      /** Replaces `{connection}` in the URL, followed by the connection's index: a unique id per connection. */
      readonly connectionPrefix?: string;
    }
  | { readonly cmd: 'stats' }
  | { readonly cmd: 'exit' };

export interface PhaseStats {
  readonly received: number;
  readonly firstAt: number;
  readonly lastAt: number;
  /** Fewest and most events of this phase any open connection got. */
  readonly minPerConnection: number;
  readonly maxPerConnection: number;
  readonly latency: HistogramData;
}

export type FromClient =
  | { readonly type: 'connected'; readonly ok: number; readonly failed: number; readonly errors: readonly string[]; readonly ms: number }
  | { readonly type: 'stats'; readonly open: number; readonly closed: number; readonly phases: Readonly<Record<string, PhaseStats>> };
