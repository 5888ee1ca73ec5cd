// The sse-fanout scenario's settings and the numbers each run produces (what the JSON file holds).
import type { NchanAvailability } from '../../lib/nchan.js';
import type { TargetName } from '../../lib/targets.js';

export interface Settings {
  readonly subscribers: readonly number[];
  readonly targets: readonly TargetName[];
  readonly clientProcesses: number;
  /** Loopback source addresses per load-client process. */
  readonly sourcesPerProcess: number;
  /** Capstan: contacts sharing the streams (each holds subscribers / contacts of them). */
  readonly contacts: number;
  readonly connectConcurrency: number;
  /**
   * Connections each server takes and lets go before the timed connects: its first after starting,
   * which also run its code for the first time (Capstan's on contacts of their own). 0: the timed
   * connects are the server's first.
   */
  readonly connectWarmup: number;
  /** Keep-alive connections (and requests in flight) of the publisher. */
  readonly publishConnections: number;
  /** The max-rate phase publishes max-deliveries / subscribers events (20 … 5,000) … */
  readonly maxDeliveries: number;
  /** … or stops publishing after this long. */
  readonly maxSeconds: number;
  /** One fixed-rate phase per entry, each publishing min(1,000, entry / subscribers) events per second. */
  readonly fixedDeliveriesPerSec: readonly number[];
  readonly fixedSeconds: number;
  readonly warmupSeconds: number;
  /** Capstan runs with --cpu-prof into bench/results/profiles/. */
  readonly profile: boolean;
  /** Measure this git revision of Capstan instead of the working tree. */
  readonly capstanRev: string | undefined;
}

export interface LatencySummary {
  readonly samples: number;
  readonly p50: number | undefined;
  readonly p90: number | undefined;
  readonly p99: number | undefined;
  readonly p999: number | undefined;
  readonly max: number | undefined;
  readonly mean: number | undefined;
}

export interface PublishSummary {
  readonly attempted: number;
  readonly accepted: number;
  readonly failed: number;
  readonly skipped: number;
  readonly seconds: number | undefined;
  readonly errors: readonly string[];
}

/** A batch of connects: how many, how long, and the server's CPU per connection. */
export interface ConnectFigures {
  readonly connected: number;
  readonly failed: number;
  readonly ms: number;
  readonly serverUserUs: number | undefined;
  readonly serverSysUs: number | undefined;
}

export interface RunResult {
  readonly target: TargetName;
  readonly subscribers: number;
  readonly clientProcesses: number;
  connected: number;
  connectFailed: number;
  connectMs: number;
  connectErrors: readonly string[];
  /** Server CPU per connection while the subscribers connect (whole process tree), user and system apart. */
  connectServerUserUs?: number | undefined;
  connectServerSysUs?: number | undefined;
  /** Server and load clients' CPU over the connects, in percent of one core. */
  connectServerCpuPct?: number | undefined;
  connectClientsCpuPct?: number | undefined;
  /** The warm-up's connects (`Settings.connectWarmup`): the server's first after it started. */
  connectWarmup?: ConnectFigures | undefined;
  /** Server RSS with every subscriber connected, before any event. */
  idleRssMB?: number | undefined;
  warmup?: { readonly published: number; readonly delivered: number; readonly expected: number; readonly minPerConnection: number };
  max?: {
    readonly publish: PublishSummary;
    /** Publishes accepted per second. */
    readonly eventsPerSec: number | undefined;
    readonly delivered: number;
    readonly expected: number;
    /** From the first publish to the last delivery. */
    readonly seconds: number | undefined;
    readonly deliveriesPerSec: number | undefined;
    /** Percent of one core. */
    readonly serverCpuPct: number | undefined;
    /** Server CPU time (user + system, whole process tree) per delivery, from the first publish to the last delivery. */
    readonly serverCpuUsPerDelivery: number | undefined;
    readonly serverUserUsPerDelivery: number | undefined;
    readonly serverSysUsPerDelivery: number | undefined;
    /** Write system calls of the server's processes over the phase (syscw of /proc/<pid>/io). */
    readonly serverWrites: number | undefined;
    readonly writesPerDelivery: number | undefined;
    /** Processes in the server's tree (nginx: master and workers). */
    readonly serverProcesses: number;
    readonly clientsCpuPct: number | undefined;
    readonly serverRssMB: number | undefined;
  };
  /** One per fixed rate, in the order of the settings. */
  fixed: FixedResult[];
  /** Connections that ended before the run did (e.g. closed as too slow). */
  closedDuringRun: number;
  /** The server's last output, kept when a publish failed. */
  serverOutput?: string;
  error?: string;
  /** Why this target was not run at all (say, nginx with the Nchan module could not be installed). */
  notMeasured?: string;
}

export interface FixedResult {
  /** The deliveries per second this phase aimed at (the setting it came from). */
  readonly targetDeliveriesPerSec: number;
  readonly rate: number;
  readonly seconds: number;
  readonly publish: PublishSummary;
  readonly delivered: number;
  readonly expected: number;
  readonly deliveriesPerSec: number;
  readonly latencyMs: LatencySummary;
  readonly serverCpuPct: number | undefined;
  /** Server CPU per delivery over the phase, its warm-up second included (with its deliveries). */
  readonly serverUserUsPerDelivery?: number | undefined;
  readonly serverSysUsPerDelivery?: number | undefined;
  readonly writesPerDelivery?: number | undefined;
  readonly clientsCpuPct: number | undefined;
  readonly serverRssMB: number | undefined;
}

export interface FanoutData {
  readonly settings: Settings;
  /** The Capstan commit measured ("+dirty" when the working tree had changes). */
  readonly capstanRevision: string;
  /** What the Nchan setup found, when an Nchan target was selected. */
  readonly nchan?: NchanAvailability | undefined;
  /** Cores of the machine (the worker count of nchan-workers). */
  readonly cores?: number;
  /** Events per second of each latency phase, by subscriber count. */
  readonly fixedRates: Readonly<Record<number, readonly number[]>>;
  readonly runs: readonly RunResult[];
}
