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
      /** SSE only: each connection is a subscriber that resumes after a cut and checks what it receives (the soak). */
      readonly resume?: ResumeSpec;
    }
  | { readonly cmd: 'stats' }
  /** Cut this many of the open resuming subscribers, picked at random (the socket reset, no close handshake); each reconnects on its own. */
  | { readonly cmd: 'cut'; readonly count: number }
  /** The soak's counters; the per-window ones start again from zero. */
  | { readonly cmd: 'sample' }
  /** Which subscribers have not yet received events 0 … total − 1. */
  | { readonly cmd: 'verify'; readonly total: number }
  | { readonly cmd: 'exit' };

export interface ResumeSpec {
  /** The payload phase whose sequence numbers (`s`: 0, 1, 2, …) every subscriber must receive exactly once, in order. */
  readonly phase: string;
  /** After a cut or a stream the server ended, a subscriber waits a random 0 … this many ms, then reconnects with Last-Event-ID. */
  readonly reconnectWithinMs: number;
  /** A reconnect waits this long for its 200 before it gives up on the attempt (a browser waits as long as TCP does). */
  readonly reconnectTimeoutMs: number;
  /** A failed attempt (refused, not 200, or timed out) is tried again after this long. */
  readonly retryMs: number;
  /** Attempts a subscriber gets to open its first connection before it counts as failed. */
  readonly firstAttempts: number;
}

export type ViolationKind = 'gap' | 'duplicate' | 'out-of-order' | 'missing-at-end';

/** One breach of exact delivery, with what a reader needs to find it. */
export interface Violation {
  readonly subscriber: string;
  readonly kind: ViolationKind;
  /** The sequence number the subscriber was waiting for. */
  readonly expected: number;
  /** The one it got instead (none for missing-at-end). */
  readonly got?: number;
  /** The id of the event that broke the sequence, and the Last-Event-ID its connection resumed from. */
  readonly eventId?: string;
  readonly resumedFrom?: string;
  /** Wall-clock ms (bench/lib/clock.ts). */
  readonly at: number;
}

/** A soak client's counters: window ones since the last sample, the rest since the start. */
export interface SoakSample {
  readonly type: 'sample';
  readonly at: number;
  /** Window: events of the checked phase received (live and replayed). */
  readonly delivered: number;
  /** Window: publish-to-receive latency of events published while the subscriber was connected. */
  readonly live: HistogramData;
  /** Window: the same for events replayed after a reconnect (published while it was away). */
  readonly replayed: HistogramData;
  /** Window: from a cut or a server-ended stream to the reconnected stream's 200. */
  readonly downtime: HistogramData;
  readonly subscribers: number;
  readonly connected: number;
  readonly cuts: number;
  /** Streams the server ended (a terminal event, or the connection closed under them). */
  readonly serverEnded: number;
  readonly reconnects: number;
  readonly reconnectFailures: number;
  readonly reconnectErrors: readonly string[];
  /** Terminal events received, by type. */
  readonly terminals: Readonly<Record<string, number>>;
  /** Lowest and highest next expected sequence number over the subscribers. */
  readonly minNext: number;
  readonly maxNext: number;
  readonly violationCounts: Readonly<Record<ViolationKind, number>>;
  /** The first few, with evidence. */
  readonly violations: readonly Violation[];
}

export interface VerifyReply {
  readonly type: 'verify';
  readonly subscribers: number;
  /** Subscribers that have received 0 … total − 1. */
  readonly complete: number;
  readonly connected: number;
  /** The first few that have not, as missing-at-end violations. */
  readonly behind: readonly Violation[];
}

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
  | { readonly type: 'stats'; readonly open: number; readonly closed: number; readonly phases: Readonly<Record<string, PhaseStats>> }
  | { readonly type: 'cut'; readonly cut: number }
  | SoakSample
  | VerifyReply;
