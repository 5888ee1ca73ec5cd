// The soak's verdict: the run's totals from what it gathered, and what makes it fail.
import type { VerifyReply, Violation, ViolationKind } from '../../clients/protocol.js';
import type { ConnectSummary } from '../../lib/load-clients.js';
import type { SequenceResult } from '../../lib/publisher.js';
import type { SoakData, SoakResult, SoakWindow } from './types.js';
import { quantiles, type WindowMeter } from './windows.js';

const mb = (bytes: number) => Math.round((bytes / 2 ** 20) * 10) / 10;

/** What a finished run gathered. */
export interface RunFacts {
  readonly conn: ConnectSummary;
  readonly warm: SoakResult['warmup'];
  readonly pub: SequenceResult;
  readonly meter: WindowMeter;
  /** Each load client's answer, after the catch-up, to "who lacks some of the events published?" */
  readonly verify: readonly VerifyReply[];
  readonly windows: readonly SoakWindow[];
  readonly cutRounds: number;
  readonly cuts: number;
  readonly serverCutsRequested: number;
  readonly serverCuts: number;
  readonly catchUpSec: number;
  /** The server's RSS empty, with every subscriber connected, and at the end. */
  readonly rssBytes: { readonly empty: number; readonly connected: number; readonly end: number };
  readonly clientsCpuPct: number;
}

export function summarize(f: RunFacts): SoakResult {
  const { conn, meter, verify, windows } = f;
  const samples = meter.latest;
  const sum = (g: (x: (typeof samples)[number]) => number) => samples.reduce((n, x) => n + g(x), 0);
  const complete = verify.reduce((n, r) => n + r.complete, 0);
  // The clients count gaps, duplicates and reorderings as they happen; what is still missing at the end, the verify says.
  const counts: Record<ViolationKind, number> = { gap: 0, duplicate: 0, 'out-of-order': 0, 'missing-at-end': conn.ok - complete };
  for (const sample of samples) for (const [k, n] of Object.entries(sample.violationCounts) as [ViolationKind, number][]) if (k !== 'missing-at-end') counts[k] += n;
  const violations: Violation[] = [...samples.flatMap((x) => x.violations), ...verify.flatMap((r) => r.behind)];
  const terminals: Record<string, number> = {};
  for (const sample of samples) for (const [k, n] of Object.entries(sample.terminals)) terminals[k] = (terminals[k] ?? 0) + n;
  const soakWindows = windows.filter((w) => w.kind === 'soak');
  const loops = windows.map((w) => w.eventLoopDelayMs).filter((v): v is number => v !== undefined).sort((a, b) => a - b);
  const server = meter.serverTotals();
  return {
    connected: conn.ok,
    connectFailed: conn.failed,
    connectErrors: conn.errors,
    connectMs: conn.ms,
    warmup: f.warm,
    published: f.pub.accepted,
    publishSeconds: Math.round((f.pub.endedAt - f.pub.startedAt) / 100) / 10,
    publishRetries: f.pub.retries,
    publishErrors: f.pub.errors,
    expectedDeliveries: f.pub.accepted * conn.ok,
    delivered: meter.delivered,
    complete,
    exact: Object.values(counts).every((n) => n === 0) && complete === conn.ok,
    violationCounts: counts,
    violations,
    cutRounds: f.cutRounds,
    cuts: f.cuts,
    serverCutsRequested: f.serverCutsRequested,
    serverCuts: f.serverCuts,
    serverEnded: sum((x) => x.serverEnded),
    reconnects: sum((x) => x.reconnects),
    reconnectFailures: sum((x) => x.reconnectFailures),
    reconnectErrors: [...new Set(samples.flatMap((x) => x.reconnectErrors))].slice(0, 5),
    terminals,
    connectedAtEnd: verify.reduce((n, r) => n + r.connected, 0),
    catchUpSec: f.catchUpSec,
    liveMs: quantiles(meter.live),
    replayedMs: quantiles(meter.replayed),
    downtimeMs: quantiles(meter.downtime),
    serverCpuPct: server.cpuPct,
    serverCpuUsPerDelivery: server.usPerDelivery,
    rssMB: {
      empty: mb(f.rssBytes.empty),
      connected: mb(f.rssBytes.connected),
      firstWindow: soakWindows[0]?.serverRssMB,
      lastWindow: soakWindows.at(-1)?.serverRssMB,
      max: Math.max(mb(f.rssBytes.connected), ...windows.map((w) => w.serverRssMB)),
      end: mb(f.rssBytes.end),
    },
    rssKBPerConnection: conn.ok > 0 ? Math.round(((f.rssBytes.end - f.rssBytes.empty) / 1024 / conn.ok) * 100) / 100 : undefined,
    eventLoopDelayMs: { median: loops[Math.floor(loops.length / 2)], max: loops.at(-1) },
    clientsCpuPct: f.clientsCpuPct,
  };
}

/** What makes the run fail, if anything: the checks it exists for. */
export function failureOf(data: SoakData): string | undefined {
  if (data.error) return `the soak stopped: ${data.error.split('\n')[0]}`;
  const r = data.result;
  if (!r) return 'the soak produced no result';
  const problems: string[] = [];
  if (r.connectFailed > 0) problems.push(`${r.connectFailed} of ${data.settings.subscribers} subscribers never connected`);
  if (!r.exact) {
    const c = r.violationCounts;
    problems.push(`exact delivery broken: ${c.gap} gaps, ${c.duplicate} duplicates, ${c['out-of-order']} out of order, ${c['missing-at-end']} subscribers missing events at the end (first: ${JSON.stringify(r.violations[0])})`);
  }
  const ended = r.cuts + r.serverEnded;
  if (r.reconnects < ended || r.connectedAtEnd < r.connected) problems.push(`${ended - r.reconnects} of ${ended} cut or ended streams had not reconnected by the end (${r.connectedAtEnd} of ${r.connected} connected)`);
  return problems.length ? problems.join('; ') : undefined;
}
