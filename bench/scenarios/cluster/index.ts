// cluster: scaled mode (PostgreSQL + Redis) with 3 Capstan nodes against 1 node in the same run:
// deliveries per second at the maximum publish rate and publish-to-receive latency at a fixed rate,
// subscribers spread evenly over the nodes, events published through the first node.
import { randomBytes } from 'node:crypto';
import { capstanSource } from '../../lib/capstan-source.js';
import { fmt, round, startCapstanProcess, type CapstanProcess } from '../../lib/capstan-process.js';
import { allStats, awaitDeliveries, latencySummary, makeHubFixture, phaseTotals } from '../../lib/hub-fixture.js';
import { LoadClients, sourceBlock } from '../../lib/load-clients.js';
import { hardFdLimit, ProcessGroup } from '../../lib/processes.js';
import { createScaledStorage, REDIS_URL } from '../../lib/scaled-storage.js';
import { Publisher } from '../../lib/publisher.js';
import { markdownTable } from '../../lib/report.js';
import type { Scenario, ScenarioContext } from '../../lib/scenario.js';
import { barChartSvg } from '../../lib/svg.js';
import type { RunningTarget } from '../../lib/targets.js';
import { dependent, readOptions, revision, whole, type OptionSpecs } from '../../lib/options.js';

interface ClusterRun {
  nodes: number;
  subscribers: number;
  connected: number;
  connectMs: number;
  error?: string;
  max?: { events: number; delivered: number; expected: number; seconds: number; deliveriesPerSec: number; nodesCpuPct: number; cpuUsPerDelivery: number };
  fixed?: { rate: number; delivered: number; expected: number; latency: ReturnType<typeof latencySummary>; nodesCpuPct: number };
}

async function runCluster(ctx: ScenarioContext, dir: string, nodes: number, subscribers: number, clientProcs: number, contacts: number): Promise<ClusterRun> {
  const result: ClusterRun = { nodes, subscribers, connected: 0, connectMs: 0 };
  const group = new ProcessGroup();
  const clients: LoadClients[] = [];
  let publisher: Publisher | undefined;
  const storage = await createScaledStorage();
  try {
    const adminToken = randomBytes(24).toString('hex');
    const env = { ...storage.env, CAPSTAN_REALTIME_MAX_STREAMS_PER_CONTACT: String(Math.ceil(subscribers / contacts) + 64) };
    const spec = (i: number) => ({ dir, name: `capstan-node-${i}`, lifetimeSec: 300, fds: subscribers + 512, adminToken, env });
    // The first node migrates the fresh database; the others then start together.
    const first = await startCapstanProcess(group, spec(0));
    const caps: CapstanProcess[] = [first, ...(await Promise.all(Array.from({ length: nodes - 1 }, (_, i) => startCapstanProcess(group, spec(i + 1)))))];
    const hub = await makeHubFixture(first, contacts);
    const per = Math.ceil(subscribers / clientProcs);
    // Each process, in each configuration, binds to addresses of its own (load-clients.ts, sourceBlock).
    const firstBlock = nodes === 1 ? 0 : clientProcs;
    for (let i = 0; i < clientProcs; i++) clients.push(new LoadClients(group, ctx.root, 1, 4, per, 300, sourceBlock(firstBlock + i, 4)));
    const conns = await Promise.all(clients.map((c, i) => c.connect(hub.subscribeOn(caps[i % nodes]?.origin ?? first.origin) as RunningTarget, Math.floor(subscribers / clientProcs) + (i < subscribers % clientProcs ? 1 : 0), 32, 15_000, 120_000)));
    result.connected = conns.reduce((n, c) => n + c.ok, 0);
    result.connectMs = Math.max(...conns.map((c) => c.ms));
    const failed = conns.reduce((n, c) => n + c.failed, 0);
    ctx.log(`  ${nodes} node(s): ${result.connected} connected in ${result.connectMs} ms${failed ? `, ${failed} failed: ${conns.flatMap((c) => c.errors).slice(0, 3).join('; ')}` : ''}`);
    if (result.connected === 0) throw new Error('no subscriber connected');
    publisher = new Publisher(hub.publishOn(first.origin), 8);
    const cpu = () => caps.reduce((s, c) => s + c.usage().cpuSec, 0);

    const warm = await publisher.fixedRate(() => 'w', 10, 5, 8, 5_000);
    await awaitDeliveries(clients, 'w', warm.accepted * result.connected, 2_000, 10_000);

    const count = Math.max(20, Math.round(150_000 / subscribers));
    const c0 = cpu();
    const max = await publisher.maxRate('m', count, 8, 6_000);
    const mt = phaseTotals(await awaitDeliveries(clients, 'm', max.accepted * result.connected, 3_000, 30_000), 'm');
    const window = (mt.lastAt - max.startedAt) / 1000;
    const mc = cpu() - c0;
    result.max = { events: max.accepted, delivered: mt.received, expected: max.accepted * result.connected, seconds: round(window, 3), deliveriesPerSec: Math.round(mt.received / window), nodesCpuPct: round((mc / window) * 100), cpuUsPerDelivery: round((mc / Math.max(1, mt.received)) * 1e6, 2) };
    ctx.log(`    max: ${mt.received}/${result.max.expected} delivered, ${result.max.deliveriesPerSec} deliveries/s`);

    await new Promise((r) => setTimeout(r, 500));
    const rate = Math.min(1000, Math.max(1, Math.floor(10_000 / subscribers)));
    const warmCount = rate;
    const c1 = cpu();
    const t1 = Date.now();
    const fixed = await publisher.fixedRate((i) => (i < warmCount ? 'fw' : 'f'), rate, warmCount + rate * 4, 256, 10_000);
    const fexp = (fixed.acceptedByPhase.f ?? 0) * result.connected;
    const ft = phaseTotals(await awaitDeliveries(clients, 'f', fexp, 3_000, 30_000), 'f');
    result.fixed = { rate, delivered: ft.received, expected: fexp, latency: latencySummary(ft.latency), nodesCpuPct: round(((cpu() - c1) / ((Date.now() - t1) / 1000)) * 100) };
    ctx.log(`    fixed ${rate}/s: ${ft.received}/${fexp}, p50 ${result.fixed.latency.p50} ms, p99 ${result.fixed.latency.p99} ms`);
    const closed = (await allStats(clients)).reduce((n, s) => n + s.closed, 0);
    if (closed) ctx.log(`    ${closed} streams closed during the run`);
  } catch (e) {
    result.error = e instanceof Error ? e.message.slice(0, 1500) : String(e);
    ctx.log(`  ${nodes} node(s) failed: ${result.error}`);
  } finally {
    await publisher?.close().catch(() => undefined);
    await Promise.all(clients.map((c) => c.stop().catch(() => undefined)));
    await group.stopAll(3_000);
    group.dispose();
    await storage.drop();
  }
  return result;
}

const CLUSTER_OPTIONS = {
  subscribers: dependent(() => whole(1500, 1, Math.max(1, hardFdLimit() - 512), `the descriptor hard limit here is ${hardFdLimit()}`)),
  clients: whole(3, 1, 64),
  contacts: whole(60, 1, 10_000),
  'capstan-rev': revision(),
} satisfies OptionSpecs;

export const cluster: Scenario = {
  name: 'cluster',
  title: 'Scaled mode: 3 nodes against 1 node (PostgreSQL + Redis)',
  options: CLUSTER_OPTIONS,
  async run(ctx) {
    const { subscribers, clients: clientProcs, contacts, 'capstan-rev': rev } = readOptions(CLUSTER_OPTIONS, ctx.options);
    const source = capstanSource(ctx.root, rev);
    const runs: ClusterRun[] = [];
    try {
      ctx.log(`Capstan ${source.revision}`);
      for (const nodes of [1, 3]) runs.push(await runCluster(ctx, source.dir, nodes, subscribers, clientProcs, contacts));
    } finally {
      source.dispose();
    }
    const one = runs[0];
    const three = runs[1];
    const ratio = (a?: number, b?: number) => (a !== undefined && b !== undefined && b > 0 ? `${(a / b).toFixed(2)}×` : 'n/a');
    const markdown = [
      `Capstan ${source.revision}, real CLI processes in scaled mode: storage on this machine's PostgreSQL (a fresh database per configuration, dropped at the end), the bus on Redis at 127.0.0.1:6379 (a fresh key prefix per configuration), blobs on each node's local disk (hub events use no blobs). The same steps run with 1 node and with 3 nodes, in the same run. ${fmt(subscribers, 0)} hub SSE subscribers (${contacts} contacts) are held by ${clientProcs} load-client processes, process *i* connecting to node *i* mod N, so with 3 nodes each node holds a third; events are published through node 1's admin API over 8 keep-alive connections (with 3 nodes, two thirds of the deliveries cross Redis). **Max rate**: ${Math.max(20, Math.round(150_000 / subscribers))} events as fast as node 1 accepts them; deliveries/s from the first publish to the last delivery. **Latency**: publish-to-receive over 4 s at ${Math.min(1000, Math.floor(10_000 / subscribers))} events/s after a 1 s warm-up. All nodes, PostgreSQL, Redis and the clients share the same 2 cores.`,
      '',
      markdownTable(['nodes', 'subscribers', 'connected', 'events', 'delivered', 'deliveries/s', 'nodes CPU µs / delivery', 'nodes CPU (% of a core)', 'fixed rate delivered', 'p50 ms', 'p99 ms', 'p99.9 ms', 'max ms'], runs.map((r) => [String(r.nodes), fmt(r.subscribers, 0), fmt(r.connected, 0), fmt(r.max?.events, 0), r.max ? `${fmt((r.max.delivered / Math.max(1, r.max.expected)) * 100)} %` : (r.error ?? 'n/a').slice(0, 80), `**${fmt(r.max?.deliveriesPerSec, 0)}**`, fmt(r.max?.cpuUsPerDelivery, 1), `${fmt(r.max?.nodesCpuPct)} %`, r.fixed ? `${fmt((r.fixed.delivered / Math.max(1, r.fixed.expected)) * 100)} %` : 'n/a', fmt(r.fixed?.latency.p50, 1), `**${fmt(r.fixed?.latency.p99, 1)}**`, fmt(r.fixed?.latency.p999, 1), fmt(r.fixed?.latency.max, 1)])),
      '',
      `Ratios, 3 nodes ÷ 1 node: deliveries/s **${ratio(three?.max?.deliveriesPerSec, one?.max?.deliveriesPerSec)}**, p99 **${ratio(three?.fixed?.latency.p99, one?.fixed?.latency.p99)}**, CPU per delivery ${ratio(three?.max?.cpuUsPerDelivery, one?.max?.cpuUsPerDelivery)}.`,
      '',
      `Reading: on one 2-core box more nodes cannot add CPU, so this measures the cost of crossing Redis rather than scale-out; 3 nodes deliver ${ratio(three?.max?.deliveriesPerSec, one?.max?.deliveriesPerSec)} the rate of 1 node, with p99 ${ratio(three?.fixed?.latency.p99, one?.fixed?.latency.p99)} of it.`,
    ].join('\n');
    const svg = barChartSvg('cluster', [
      { title: 'Deliveries/s at the maximum rate', unit: 'deliveries/s', series: ['1 node', '3 nodes'], groups: [{ label: `${fmt(subscribers, 0)} subscribers`, values: [one?.max?.deliveriesPerSec, three?.max?.deliveriesPerSec] }] },
      { title: 'p99 publish-to-receive', unit: 'ms', series: ['1 node', '3 nodes'], groups: [{ label: `${fmt(subscribers, 0)} subscribers`, values: [one?.fixed?.latency.p99, three?.fixed?.latency.p99] }] },
    ]);
    return { data: { capstanRevision: source.revision, settings: { subscribers, clientProcs, contacts, redis: REDIS_URL }, runs }, markdown, svg };
  },
};
