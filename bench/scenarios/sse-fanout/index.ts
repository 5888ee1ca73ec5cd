// sse-fanout: N subscribers held by load-client processes; one publisher over keep-alive HTTP.
// Measures deliveries per second when publishing as fast as the server accepts (a bounded count), and
// publish-to-receive latency at a fixed rate. Capstan and the baselines run through the same steps.
import { setTimeout as sleep } from 'node:timers/promises';
import { profileFlags } from '../../lib/capstan-process.js';
import { capstanSource } from '../../lib/capstan-source.js';
import { awaitDeliveries, phaseTotals } from '../../lib/hub-fixture.js';
import { wallClockMs } from '../../lib/clock.js';
import { Histogram } from '../../lib/histogram.js';
import { LOAD_CLIENT_OPTIONS, LoadClients, sourceBlock } from '../../lib/load-clients.js';
import { nchanAvailability, type NchanAvailability } from '../../lib/nchan.js';
import { dependent, flag, names, num, nums, readOptions, revision, whole, type OptionSpecs } from '../../lib/options.js';
import { hardFdLimit, ProcessGroup } from '../../lib/processes.js';
import { Publisher, type PublishResult } from '../../lib/publisher.js';
import type { Scenario, ScenarioContext } from '../../lib/scenario.js';
import { serverMeter, treeRssBytes, type ServerCost } from '../../lib/server-meter.js';
import { isNchan, startTarget, TARGET_NAMES, type RunningTarget, type TargetName } from '../../lib/targets.js';
import { renderMarkdown, renderSvg } from './render.js';
import type { ConnectFigures, FanoutData, FixedResult, LatencySummary, RunResult, Settings } from './types.js';

/** All of them: the Nchan rows say "not measured" (and why) where nginx and its module cannot be installed. */
const DEFAULT_TARGETS = TARGET_NAMES;

/** The largest of 1, 2, 5 × 10^k not above v. */
function niceFloor(v: number): number {
  const p = 10 ** Math.floor(Math.log10(Math.max(1, v)));
  return [5, 2, 1].map((m) => m * p).find((c) => c <= v) ?? 1;
}

// Each server and load client gets its connections plus a margin of descriptors, within the hard limit.
const maxSubscribers = () => Math.max(1, hardFdLimit() - 512);

export const FANOUT_OPTIONS = {
  subscribers: dependent(() => nums([100, 1000, 5000, 10_000], { integer: true, min: 1, max: maxSubscribers(), why: `the descriptor hard limit here is ${hardFdLimit()}` })),
  targets: names(TARGET_NAMES, DEFAULT_TARGETS),
  ...LOAD_CLIENT_OPTIONS,
  'connect-warmup': dependent(() => whole(2000, 0, maxSubscribers(), `the descriptor hard limit here is ${hardFdLimit()}`)),
  'publish-connections': whole(8, 1, 1024),
  'max-deliveries': whole(600_000, 1, 1e9),
  'max-seconds': num(6, { max: 600 }),
  // A phase publishes at least one event a second, which to N subscribers is N deliveries/s: a lower
  // target would be measured at N while the table showed the target. So every subscriber count's
  // phases start at its N: given, a lower target is refused; by default, the lowest is raised to it.
  'fixed-deliveries': dependent((before) => {
    const slowest = Math.max(...(before.subscribers as number[]));
    const fallback = [...new Set([10_000, 100_000].map((d) => Math.max(d, slowest)))];
    return nums(fallback, { min: slowest, max: 1e9, why: `one event a second to each of ${slowest} subscribers is the slowest phase` });
  }),
  'fixed-seconds': num(4, { max: 600 }),
  profile: flag(),
  'capstan-rev': revision(),
} satisfies OptionSpecs;

/** The scenario's settings from its options; a value out of range throws BenchOptionError. */
export function settingsFrom(options: ReadonlyMap<string, string>): Settings {
  const o = readOptions(FANOUT_OPTIONS, options);
  return {
    subscribers: o.subscribers,
    targets: o.targets,
    clientProcesses: o.clients,
    sourcesPerProcess: o.sources,
    contacts: o.contacts,
    connectConcurrency: o['connect-concurrency'],
    connectWarmup: o['connect-warmup'],
    publishConnections: o['publish-connections'],
    maxDeliveries: o['max-deliveries'],
    maxSeconds: o['max-seconds'],
    fixedDeliveriesPerSec: o['fixed-deliveries'],
    fixedSeconds: o['fixed-seconds'],
    warmupSeconds: 1,
    profile: o.profile,
    capstanRev: o['capstan-rev'],
  };
}

/** Events per second for a latency phase aiming at `deliveriesPerSec`: at most 1,000. */
export function fixedRateFor(subscribers: number, deliveriesPerSec: number): number {
  return Math.min(1000, niceFloor(deliveriesPerSec / subscribers));
}

function maxCountFor(subscribers: number, s: Settings): number {
  return Math.max(20, Math.min(5000, Math.round(s.maxDeliveries / subscribers)));
}

function summarize(h: Histogram): LatencySummary {
  const q = (x: number) => round(h.quantileMillis(x));
  return { samples: h.count, p50: q(0.5), p90: q(0.9), p99: q(0.99), p999: q(0.999), max: q(1), mean: round(h.meanMillis()) };
}

function round(v: number | undefined, digits = 3): number | undefined {
  return v === undefined ? undefined : Math.round(v * 10 ** digits) / 10 ** digits;
}

/** CPU used by the clients since the meter started: seconds, and percent of one core. */
function cpuMeter(read: () => number) {
  const c0 = read();
  const t0 = wallClockMs();
  return () => {
    const sec = read() - c0;
    return { sec, pct: round((sec / ((wallClockMs() - t0) / 1000)) * 100, 1) };
  };
}

/** Server CPU microseconds per delivery: steadier than wall-clock rates on a shared machine. */
const perDelivery = (cpuSec: number, delivered: number) => (delivered > 0 ? round((cpuSec / delivered) * 1e6, 2) : undefined);

const cpuPct = (cost: ServerCost) => (cost.seconds > 0 ? round(((cost.userSec + cost.sysSec) / cost.seconds) * 100, 1) : undefined);

/** A row for a target that was not run, and why (say, a package that could not be installed). */
export function notMeasured(target: TargetName, subscribers: number, s: Settings, reason: string): RunResult {
  return { target, subscribers, clientProcesses: s.clientProcesses, connected: 0, connectFailed: 0, connectMs: 0, connectErrors: [], fixed: [], closedDuringRun: 0, notMeasured: reason };
}

function publishSummary(r: PublishResult) {
  return { attempted: r.attempted, accepted: r.accepted, failed: r.failed, skipped: r.skipped, seconds: round((r.endedAt - r.startedAt) / 1000), errors: r.errors };
}

/**
 * The server's first connects after it started, taken and let go before the timed ones: they also run
 * its code for the first time (a Node server compiles and optimises what it runs first), which a
 * server that has been up for a while has done. On load-client processes and source addresses of
 * their own; returns a second after those processes exit and their connections close.
 */
async function warmUpConnects(ctx: ScenarioContext, s: Settings, group: ProcessGroup, target: RunningTarget, serverPid: number | undefined, count: number, block: number): Promise<ConnectFigures> {
  const size = s.clientProcesses * s.sourcesPerProcess;
  const clients = new LoadClients(group, ctx.root, s.clientProcesses, s.sourcesPerProcess, Math.ceil(count / s.clientProcesses), 120, sourceBlock(block, size));
  try {
    const meter = serverMeter(serverPid);
    const conn = await clients.connect({ subscribe: target.warmupSubscribe ?? target.subscribe }, count, s.connectConcurrency, 15_000, 120_000, undefined, 'w');
    const cost = meter();
    return { connected: conn.ok, failed: conn.failed, ms: conn.ms, serverUserUs: perDelivery(cost.userSec, conn.ok), serverSysUs: perDelivery(cost.sysSec, conn.ok) };
  } finally {
    await clients.stop();
    // The server sees each close (the client's FIN) and releases the connection at once; this leaves it
    // time to, so that the timed connects find every slot and descriptor free.
    await sleep(1000);
  }
}

async function runOne(ctx: ScenarioContext, s: Settings, capstanDir: string, name: TargetName, subscribers: number, nchan: NchanAvailability | undefined, runIndex: number): Promise<RunResult> {
  if (isNchan(name) && !nchan?.ok) return notMeasured(name, subscribers, s, nchan?.reason ?? 'nginx with the Nchan module was not looked for');
  const result: RunResult = { target: name, subscribers, clientProcesses: s.clientProcesses, connected: 0, connectFailed: 0, connectMs: 0, connectErrors: [], fixed: [], closedDuringRun: 0 };
  const group = new ProcessGroup();
  const lifetimeSec = 300;
  let target: RunningTarget | undefined;
  let clients: LoadClients | undefined;
  let publisher: Publisher | undefined;
  try {
    // Each target's clients (its warm-up's too) bind to addresses the ones before did not use (load-clients.ts, sourceBlock).
    const firstSource = sourceBlock(2 * runIndex, s.clientProcesses * s.sourcesPerProcess);
    clients = new LoadClients(group, ctx.root, s.clientProcesses, s.sourcesPerProcess, Math.ceil(subscribers / s.clientProcesses), lifetimeSec, firstSource);
    target = await startTarget(name, group, { root: ctx.root, subscribers, lifetimeSec, contacts: s.contacts, warmupContacts: s.connectWarmup > 0 ? s.contacts : 0, capstanDir, nchan, nodeFlags: profileFlags(ctx.root, s.profile && (name === 'capstan' || name === 'capstan-ws')) });
    // The server's whole process tree: nginx's master and its workers; a Node server is one process.
    const serverPid = target.child.nodePid();
    const serverRssMB = () => round(treeRssBytes(serverPid) / 2 ** 20, 1);

    // At most as many as the run's subscribers: every server's limits (descriptors, worker connections,
    // Capstan's streams per contact) are set for those.
    const warmCount = Math.min(s.connectWarmup, subscribers);
    if (warmCount > 0) {
      const warm = (result.connectWarmup = await warmUpConnects(ctx, s, group, target, serverPid, warmCount, 2 * runIndex + 1));
      ctx.log(`  ${name} warm-up: ${warm.connected} connected in ${warm.ms} ms${warm.failed ? `, ${warm.failed} failed` : ''}, ${warm.serverUserUs} + ${warm.serverSysUs} µs user + sys per connection, then closed`);
      if (warm.connected === 0) throw new Error('no warm-up connection was made');
    }
    const connectServer = serverMeter(serverPid);
    const connectClients = cpuMeter(() => clients?.cpuSec() ?? 0);
    const conn = await clients.connect(target, subscribers, s.connectConcurrency, 15_000, 120_000);
    const connectCost = connectServer();
    Object.assign(result, {
      connected: conn.ok,
      connectFailed: conn.failed,
      connectMs: conn.ms,
      connectErrors: conn.errors,
      connectServerUserUs: perDelivery(connectCost.userSec, conn.ok),
      connectServerSysUs: perDelivery(connectCost.sysSec, conn.ok),
      connectServerCpuPct: cpuPct(connectCost),
      connectClientsCpuPct: connectClients().pct,
    });
    ctx.log(`  ${name} @ ${subscribers}: ${conn.ok} connected in ${conn.ms} ms${conn.failed ? `, ${conn.failed} failed (${conn.errors.join('; ')})` : ''}, ${result.connectServerUserUs} + ${result.connectServerSysUs} µs user + sys per connection (server ${result.connectServerCpuPct} % of a core, clients ${result.connectClientsCpuPct} %)`);
    if (conn.ok === 0) throw new Error('no subscriber connected');
    publisher = new Publisher(target.publish, s.publishConnections);
    result.idleRssMB = serverRssMB();

    // Warm-up: proves every subscription is live before anything is timed.
    const warm = await publisher.fixedRate(() => 'w', 10, 5, s.publishConnections, 5_000);
    if (warm.accepted === 0) throw new Error(`publishing failed: ${warm.errors.join('; ')}\nserver output:\n${target.child.output()}`);
    const warmTotals = phaseTotals(await awaitDeliveries([clients], 'w', warm.accepted * conn.ok, 2_000, 10_000), 'w');
    result.warmup = { published: warm.accepted, delivered: warmTotals.received, expected: warm.accepted * conn.ok, minPerConnection: warmTotals.minPerConnection };

    // Max rate: a bounded count, as fast as the server accepts publishes.
    const count = maxCountFor(subscribers, s);
    const maxServerMeter = serverMeter(serverPid);
    const clientMeter = cpuMeter(() => clients?.cpuSec() ?? 0);
    const max = await publisher.maxRate('m', count, s.publishConnections, s.maxSeconds * 1000);
    const maxExpected = max.accepted * conn.ok;
    const maxTotals = phaseTotals(await awaitDeliveries([clients], 'm', maxExpected, 3_000, 30_000), 'm');
    const window = (maxTotals.lastAt - max.startedAt) / 1000;
    const maxServer = maxServerMeter();
    result.max = {
      publish: publishSummary(max),
      eventsPerSec: round(max.accepted / ((max.endedAt - max.startedAt) / 1000), 1),
      delivered: maxTotals.received,
      expected: maxExpected,
      seconds: round(window),
      deliveriesPerSec: window > 0 ? Math.round(maxTotals.received / window) : undefined,
      serverCpuPct: cpuPct(maxServer),
      serverCpuUsPerDelivery: perDelivery(maxServer.userSec + maxServer.sysSec, maxTotals.received),
      serverUserUsPerDelivery: perDelivery(maxServer.userSec, maxTotals.received),
      serverSysUsPerDelivery: perDelivery(maxServer.sysSec, maxTotals.received),
      serverWrites: maxServer.writes,
      writesPerDelivery: maxServer.writes === undefined || maxTotals.received === 0 ? undefined : round(maxServer.writes / maxTotals.received, 4),
      serverProcesses: maxServer.processes,
      clientsCpuPct: clientMeter().pct,
      serverRssMB: serverRssMB(),
    };
    ctx.log(`    max rate: ${max.accepted} events, ${result.max.delivered}/${maxExpected} delivered, ${result.max.deliveriesPerSec} deliveries/s, ${result.max.serverUserUsPerDelivery} + ${result.max.serverSysUsPerDelivery} µs user + sys and ${result.max.writesPerDelivery} writes per delivery`);

    // Fixed rates: the latency figures. Each phase's first second warms up and is left out.
    let failedPublishes = max.failed;
    let finalStats: Awaited<ReturnType<typeof awaitDeliveries>> = [];
    for (const [i, target] of s.fixedDeliveriesPerSec.entries()) {
      await sleep(500);
      const rate = fixedRateFor(subscribers, target);
      const phase = `f${i}`;
      const warmCount = Math.round(rate * s.warmupSeconds);
      const total = warmCount + Math.round(rate * s.fixedSeconds);
      const fixedServer = serverMeter(serverPid);
      const fixedClients = cpuMeter(() => clients?.cpuSec() ?? 0);
      const fixed = await publisher.fixedRate((k) => (k < warmCount ? `${phase}w` : phase), rate, total, 256, (s.warmupSeconds + s.fixedSeconds) * 1000 + 5_000);
      const fixedExpected = (fixed.acceptedByPhase[phase] ?? 0) * conn.ok;
      finalStats = await awaitDeliveries([clients], phase, fixedExpected, 3_000, 30_000);
      const fixedTotals = phaseTotals(finalStats, phase);
      const fixedCost = fixedServer();
      // The meter ran through the phase's warm-up second too, so its deliveries count as well.
      const metered = fixedTotals.received + phaseTotals(finalStats, `${phase}w`).received;
      const entry: FixedResult = {
        targetDeliveriesPerSec: target,
        rate,
        seconds: s.fixedSeconds,
        publish: publishSummary(fixed),
        delivered: fixedTotals.received,
        expected: fixedExpected,
        deliveriesPerSec: Math.round(fixedTotals.received / s.fixedSeconds),
        latencyMs: summarize(fixedTotals.latency),
        serverCpuPct: cpuPct(fixedCost),
        serverUserUsPerDelivery: perDelivery(fixedCost.userSec, metered),
        serverSysUsPerDelivery: perDelivery(fixedCost.sysSec, metered),
        writesPerDelivery: fixedCost.writes === undefined || metered === 0 ? undefined : round(fixedCost.writes / metered, 4),
        clientsCpuPct: fixedClients().pct,
        serverRssMB: serverRssMB(),
      };
      result.fixed.push(entry);
      failedPublishes += fixed.failed;
      ctx.log(`    fixed ${rate}/s: ${fixedTotals.received}/${fixedExpected} delivered, p50 ${entry.latencyMs.p50} ms, p99 ${entry.latencyMs.p99} ms, ${entry.serverUserUsPerDelivery} + ${entry.serverSysUsPerDelivery} µs user + sys and ${entry.writesPerDelivery} writes per delivery`);
    }
    result.closedDuringRun = finalStats.reduce((n, st) => n + st.closed, 0);
    const lost = result.max.delivered < result.max.expected || result.fixed.some((f) => f.delivered < f.expected);
    if (failedPublishes > 0 || lost) result.serverOutput = target.serverLog?.() ?? target.child.output();
  } catch (e) {
    result.error = e instanceof Error ? e.message.slice(0, 2000) : String(e);
    ctx.log(`  ${name} @ ${subscribers} failed: ${result.error}`);
  } finally {
    await publisher?.close().catch(() => undefined);
    await clients?.stop().catch(() => undefined);
    await target?.stop().catch(() => undefined);
    await group.stopAll(2_000);
    group.dispose();
  }
  return result;
}

export const sseFanout: Scenario = {
  name: 'sse-fanout',
  title: 'SSE fan-out: deliveries per second and publish-to-receive latency',
  options: FANOUT_OPTIONS,
  async run(ctx) {
    const settings = settingsFrom(ctx.options);
    // Installs nginx and the module when missing (and root may); a failure only marks those rows.
    const nchan = settings.targets.some(isNchan) ? nchanAvailability(ctx.root) : undefined;
    if (nchan) ctx.log(nchan.ok ? `Nchan: ${nchan.nginx} with ${nchan.module}` : `Nchan not measured: ${nchan.reason}`);
    const source = capstanSource(ctx.root, settings.capstanRev);
    const runs: RunResult[] = [];
    try {
      ctx.log(`Capstan ${source.revision}`);
      for (const subscribers of settings.subscribers) {
        for (const target of settings.targets) {
          ctx.log(`${target} with ${subscribers} subscribers`);
          runs.push(await runOne(ctx, settings, source.dir, target, subscribers, nchan, runs.length));
        }
      }
    } finally {
      source.dispose();
    }
    const data: FanoutData = { settings, capstanRevision: source.revision, nchan, cores: ctx.machine.cores, fixedRates: Object.fromEntries(settings.subscribers.map((n) => [n, settings.fixedDeliveriesPerSec.map((d) => fixedRateFor(n, d))])), runs };
    return { data, markdown: renderMarkdown(data), svg: renderSvg(data) };
  },
};
