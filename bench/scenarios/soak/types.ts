// The soak's numbers: one entry per measured window, and the run's totals (what the JSON file holds).
import type { Violation, ViolationKind } from '../../clients/protocol.js';
import type { LatencySummary } from '../sse-fanout/types.js';
import type { Settings } from './settings.js';

/** A latency summary as sse-fanout reports it, without the mean. */
export type Quantiles = Omit<LatencySummary, 'mean'>;

export interface SoakWindow {
  /** `soak` while publishing; `catch-up` from the last of those until every subscriber had every event (with the last publishes when the run's length is not a whole number of windows). */
  readonly kind: 'soak' | 'catch-up';
  /** Seconds since the first publish. */
  readonly fromSec: number;
  readonly toSec: number;
  /** Events accepted in the window, and since the start. */
  readonly published: number;
  readonly publishedTotal: number;
  /** Events of the sequence received by all subscribers together (live and replayed). */
  readonly delivered: number;
  readonly deliveriesPerSec: number;
  /** Publish-to-receive, for events published while the subscriber was connected. */
  readonly liveMs: Quantiles;
  /** The same for events a reconnected subscriber got by replay (published while it was away). */
  readonly replayedMs: Quantiles;
  /** From a cut (or a stream the server ended) to the reconnected stream's 200. */
  readonly downtimeMs: Quantiles;
  readonly cuts: number;
  readonly serverCuts: number;
  readonly serverEnded: number;
  readonly reconnects: number;
  readonly reconnectFailures: number;
  /** Subscribers with an open stream when the window closed. */
  readonly connected: number;
  /** Events published that the furthest-behind subscriber had not yet received, when the window closed. */
  readonly lagEvents: number;
  readonly violations: number;
  /** Percent of one core; CPU time (user + system, from /proc) over the window. */
  readonly serverCpuPct: number | undefined;
  readonly serverCpuUsPerDelivery: number | undefined;
  readonly serverRssMB: number;
  /** RSS above the empty server, per connected subscriber. */
  readonly rssKBPerConnection: number | undefined;
  /** The node's own figures (GET /admin/v1/nodes): V8 heap in use (of the RSS), event-loop delay p99 over its last 5 s sample, and its open connections. */
  readonly heapUsedMB: number | undefined;
  readonly eventLoopDelayMs: number | undefined;
  readonly serverConnections: number | undefined;
  readonly clientsCpuPct: number | undefined;
}

export interface SoakResult {
  readonly connected: number;
  readonly connectFailed: number;
  readonly connectErrors: readonly string[];
  readonly connectMs: number;
  readonly warmup: { readonly published: number; readonly minPerSubscriber: number };
  /** Events of the sequence in the log (numbers 0 … published − 1). */
  readonly published: number;
  readonly publishSeconds: number;
  readonly publishRetries: number;
  readonly publishErrors: readonly string[];
  /** published × connected subscribers. */
  readonly expectedDeliveries: number;
  /** Counted by the subscribers as they checked each event (a duplicate counts too). */
  readonly delivered: number;
  /** Subscribers that received every number, each once, in order. */
  readonly complete: number;
  readonly exact: boolean;
  readonly violationCounts: Readonly<Record<ViolationKind, number>>;
  /** The first few of each load client's violations, with evidence, and the subscribers still behind at the end. */
  readonly violations: readonly Violation[];
  readonly cutRounds: number;
  readonly cuts: number;
  readonly serverCutsRequested: number;
  /** Operator disconnects the server acknowledged (a stream already gone answers 404 and is not counted). */
  readonly serverCuts: number;
  readonly serverEnded: number;
  readonly reconnects: number;
  readonly reconnectFailures: number;
  readonly reconnectErrors: readonly string[];
  /** Terminal events the subscribers received, by type. */
  readonly terminals: Readonly<Record<string, number>>;
  readonly connectedAtEnd: number;
  /** From the last publish until every subscriber had every event (or the bound). */
  readonly catchUpSec: number;
  readonly liveMs: Quantiles;
  readonly replayedMs: Quantiles;
  readonly downtimeMs: Quantiles;
  readonly serverCpuPct: number | undefined;
  readonly serverCpuUsPerDelivery: number | undefined;
  readonly rssMB: { readonly empty: number; readonly connected: number; readonly firstWindow: number | undefined; readonly lastWindow: number | undefined; readonly max: number; readonly end: number };
  readonly rssKBPerConnection: number | undefined;
  readonly eventLoopDelayMs: { readonly median: number | undefined; readonly max: number | undefined };
  readonly clientsCpuPct: number | undefined;
}

export interface SoakData {
  readonly settings: Settings;
  /** The Capstan commit measured ("+dirty" when the working tree had changes). */
  readonly capstanRevision: string;
  readonly result?: SoakResult;
  readonly windows: readonly SoakWindow[];
  /** Why the run stopped before its end (a process died, publishing failed). */
  readonly error?: string;
  /** The server's last output, kept when something went wrong. */
  readonly serverOutput?: string;
}
