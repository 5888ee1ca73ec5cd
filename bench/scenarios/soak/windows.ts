// One measured window of the soak from what the load clients, /proc and the node itself report when
// it closes; and the run's totals (latency merged over every window) for the summary.
import type { SoakSample } from '../../clients/protocol.js';
import type { CapstanProcess } from '../../lib/capstan-process.js';
import { wallClockMs } from '../../lib/clock.js';
import { Histogram } from '../../lib/histogram.js';
import type { LoadClients } from '../../lib/load-clients.js';
import { serverMeter, treeRssBytes, type ServerCost } from '../../lib/server-meter.js';
import { within } from '../../lib/within.js';
import type { Quantiles, SoakWindow } from './types.js';

const round = (v: number, digits = 1) => Math.round(v * 10 ** digits) / 10 ** digits;
const mb = (bytes: number) => round(bytes / 2 ** 20);

export function quantiles(h: Histogram): Quantiles {
  const q = (x: number) => {
    const v = h.quantileMillis(x);
    return v === undefined ? undefined : round(v, 2);
  };
  return { samples: h.count, p50: q(0.5), p90: q(0.9), p99: q(0.99), p999: q(0.999), max: q(1) };
}

const cpuPct = (c: ServerCost) => (c.seconds > 0 ? round(((c.userSec + c.sysSec) / c.seconds) * 100) : undefined);
const usPer = (c: ServerCost, deliveries: number) => (deliveries > 0 ? round(((c.userSec + c.sysSec) / deliveries) * 1e6, 2) : undefined);

/** A number at `path` inside a JSON value, if there is one. */
function numberAt(value: unknown, ...path: (string | number)[]): number | undefined {
  let v = value;
  for (const key of path) v = typeof v === 'object' && v !== null ? (v as Record<string | number, unknown>)[key] : undefined;
  return typeof v === 'number' ? v : undefined;
}

/** Load clients answer a sample at once unless the box is starved; past this the run stops. */
const SAMPLE_TIMEOUT_MS = 30_000;
/** The node's own figures are left out of a window when it has not answered by then (a new connection may wait in a long accept queue). */
const NODE_HEALTH_MS = 3_000;

interface NodeHealth {
  readonly eventLoopDelayMs: number | undefined;
  readonly heapUsedBytes: number | undefined;
  readonly connections: number | undefined;
}

/** The node's event-loop delay (p99 over its last 5 s sample), V8 heap in use and open connections, from GET /admin/v1/nodes. */
async function nodeHealth(cap: Pick<CapstanProcess, 'admin'>): Promise<NodeHealth> {
  try {
    const stats = (await within(cap.admin('GET', '/nodes'), NODE_HEALTH_MS)) as unknown;
    const at = (...path: string[]) => numberAt(stats, 'data', 0, 'stats', ...path);
    return { eventLoopDelayMs: at('event_loop_delay_ms'), heapUsedBytes: at('heap_used_bytes'), connections: at('connections', 'total') };
  } catch {
    return { eventLoopDelayMs: undefined, heapUsedBytes: undefined, connections: undefined };
  }
}

interface Running {
  cuts: number;
  serverEnded: number;
  reconnects: number;
  reconnectFailures: number;
  violations: number;
}

const sumOf = (samples: readonly SoakSample[], f: (s: SoakSample) => number) => samples.reduce((n, s) => n + f(s), 0);

export class WindowMeter {
  readonly live = new Histogram();
  readonly replayed = new Histogram();
  readonly downtime = new Histogram();
  delivered = 0;
  /** The latest sample of each load client: their running totals and evidence. */
  latest: readonly SoakSample[] = [];
  private running: Running = { cuts: 0, serverEnded: 0, reconnects: 0, reconnectFailures: 0, violations: 0 };
  private server: () => ServerCost;
  private readonly whole: () => ServerCost;
  private clientCpu: number;
  private from: number;
  private serverCuts = 0;
  private publishedBefore = 0;

  constructor(
    private readonly t0: number,
    private readonly serverPid: number | undefined,
    private readonly clients: LoadClients,
    private readonly cap: Pick<CapstanProcess, 'admin'>,
    private readonly rssEmptyBytes: number,
  ) {
    this.server = serverMeter(serverPid);
    this.whole = serverMeter(serverPid);
    this.clientCpu = clients.cpuSec();
    this.from = wallClockMs();
  }

  /** Operator disconnects acknowledged during the current window. */
  noteServerCuts(n: number): void {
    this.serverCuts += n;
  }

  /** Closes the current window (its counters start again) and returns it. */
  async take(kind: SoakWindow['kind'], publishedTotal: number): Promise<SoakWindow> {
    const samples = await this.clients.sample(SAMPLE_TIMEOUT_MS);
    const cost = this.server();
    this.server = serverMeter(this.serverPid);
    const now = wallClockMs();
    const clientCpu = this.clients.cpuSec();
    const rss = treeRssBytes(this.serverPid);
    const node = await nodeHealth(this.cap);
    const live = new Histogram();
    const replayed = new Histogram();
    const downtime = new Histogram();
    for (const s of samples) {
      live.merge(s.live);
      replayed.merge(s.replayed);
      downtime.merge(s.downtime);
    }
    for (const [total, part] of [[this.live, live], [this.replayed, replayed], [this.downtime, downtime]] as const) total.merge(part.toData());
    const delivered = sumOf(samples, (s) => s.delivered);
    this.delivered += delivered;
    const running: Running = {
      cuts: sumOf(samples, (s) => s.cuts),
      serverEnded: sumOf(samples, (s) => s.serverEnded),
      reconnects: sumOf(samples, (s) => s.reconnects),
      reconnectFailures: sumOf(samples, (s) => s.reconnectFailures),
      violations: sumOf(samples, (s) => Object.values(s.violationCounts).reduce((a, b) => a + b, 0)),
    };
    const connected = sumOf(samples, (s) => s.connected);
    const seconds = (now - this.from) / 1000;
    const window: SoakWindow = {
      kind,
      fromSec: round((this.from - this.t0) / 1000),
      toSec: round((now - this.t0) / 1000),
      published: publishedTotal - this.publishedBefore,
      publishedTotal,
      delivered,
      deliveriesPerSec: seconds > 0 ? Math.round(delivered / seconds) : 0,
      liveMs: quantiles(live),
      replayedMs: quantiles(replayed),
      downtimeMs: quantiles(downtime),
      cuts: running.cuts - this.running.cuts,
      serverCuts: this.serverCuts,
      serverEnded: running.serverEnded - this.running.serverEnded,
      reconnects: running.reconnects - this.running.reconnects,
      reconnectFailures: running.reconnectFailures - this.running.reconnectFailures,
      connected,
      lagEvents: Math.max(0, publishedTotal - Math.min(...samples.map((s) => s.minNext))),
      violations: running.violations - this.running.violations,
      serverCpuPct: cpuPct(cost),
      serverCpuUsPerDelivery: usPer(cost, delivered),
      serverRssMB: mb(rss),
      rssKBPerConnection: connected > 0 ? round((rss - this.rssEmptyBytes) / 1024 / connected, 2) : undefined,
      heapUsedMB: node.heapUsedBytes === undefined ? undefined : mb(node.heapUsedBytes),
      eventLoopDelayMs: node.eventLoopDelayMs === undefined ? undefined : round(node.eventLoopDelayMs, 2),
      serverConnections: node.connections,
      clientsCpuPct: seconds > 0 ? round(((clientCpu - this.clientCpu) / seconds) * 100) : undefined,
    };
    this.latest = samples;
    this.running = running;
    this.clientCpu = clientCpu;
    this.from = now;
    this.serverCuts = 0;
    this.publishedBefore = publishedTotal;
    return window;
  }

  /** Server CPU over every window so far: percent of a core, and µs per delivery. */
  serverTotals(): { cpuPct: number | undefined; usPerDelivery: number | undefined } {
    const cost = this.whole();
    return { cpuPct: cpuPct(cost), usPerDelivery: usPer(cost, this.delivered) };
  }
}
