// idle: many open connections, half hub SSE and half documents WebSocket (/ws/status), or all of one
// kind with --kinds, nothing published: the servers' RSS per connection and their CPU at rest
// (heartbeats only). One embedded node holds as many as its descriptor limit allows; when that is
// fewer than asked for, the fewest scaled-mode nodes (PostgreSQL + Redis) that hold them all run next,
// in the same run.
import { capstanSource } from '../../lib/capstan-source.js';
import { fmt, makeOrg, profileFlags, round, startCapstanProcess, type CapstanProcess } from '../../lib/capstan-process.js';
import { allStats, makeHubFixture } from '../../lib/hub-fixture.js';
import { LoadClients, sourceBlock, type ConnectSummary } from '../../lib/load-clients.js';
import { hardFdLimit, ProcessGroup } from '../../lib/processes.js';
import { markdownTable } from '../../lib/report.js';
import { createScaledStorage, type ScaledStorage } from '../../lib/scaled-storage.js';
import type { Scenario, ScenarioContext } from '../../lib/scenario.js';
import { barChartSvg } from '../../lib/svg.js';
import type { RunningTarget } from '../../lib/targets.js';
import { dependent, flag, names, num, readOptions, revision, whole, type OptionSpecs } from '../../lib/options.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Descriptors a node keeps for itself (listening socket, storage, logs, Redis, PostgreSQL pool, ...). */
const NODE_OWN_FDS = 600;

/** The kinds of connection a run holds, in the order they connect. */
const KINDS = ['sse', 'ws'] as const;
type Kind = (typeof KINDS)[number];

interface Settings {
  readonly wanted: number;
  readonly procs: number;
  readonly contacts: number;
  readonly restSec: number;
  readonly fdLimit: number;
  /** Both (half each, SSE first) or one kind for every connection. */
  readonly kinds: readonly Kind[];
}

interface IdleRun {
  readonly nodes: number;
  readonly mode: 'embedded (SQLite)' | 'scaled (PostgreSQL + Redis)';
  readonly total: number;
  sse?: ConnectSummary;
  ws?: ConnectSummary;
  openAtEnd?: number;
  closedDuringRest?: number;
  /** Summed over the nodes. */
  rssMB?: { base: number; afterSse: number; afterAll: number; restMin: number; restMedian: number; restMax: number; end: number };
  /** `all` is the median over the rest window; `restRange` its lowest and highest sample. */
  kbPerConnection?: { sse: number | undefined; ws: number | undefined; all: number | undefined; restRange: [number | undefined, number | undefined]; allIncludingBase: number | undefined };
  serverCpuPctAtRest?: number;
  clientsCpuPctAtRest?: number;
  error?: string;
}

const mb = (b: number) => round(b / 2 ** 20);
const kb = (b: number, n: number) => (n > 0 ? round(b / 1024 / n, 2) : undefined);

function sumConnects(r: readonly ConnectSummary[]): ConnectSummary {
  return { ok: r.reduce((n, x) => n + x.ok, 0), failed: r.reduce((n, x) => n + x.failed, 0), errors: r.flatMap((x) => x.errors).slice(0, 3), ms: Math.max(0, ...r.map((x) => x.ms)) };
}

async function runIdle(ctx: ScenarioContext, dir: string, s: Settings, nodes: number, total: number): Promise<IdleRun> {
  // The connections of each kind: half each, or all of the one kind.
  const share = total / s.kinds.length;
  const procsPerKind = s.procs / s.kinds.length;
  const run: IdleRun = { nodes, mode: nodes === 1 ? 'embedded (SQLite)' : 'scaled (PostgreSQL + Redis)', total };
  const group = new ProcessGroup();
  const clients: LoadClients[] = [];
  let storage: ScaledStorage | undefined;
  try {
    storage = nodes > 1 ? await createScaledStorage() : undefined;
    const perNode = Math.ceil(total / nodes);
    const spec = (i: number) => ({ dir, name: `capstan-node-${i}`, lifetimeSec: 400, nodeFlags: profileFlags(ctx.root, ctx.options.has('profile')), fds: perNode + NODE_OWN_FDS, env: { ...storage?.env, CAPSTAN_REALTIME_MAX_STREAMS_PER_CONTACT: String(Math.ceil(share / s.contacts) + 64), CAPSTAN_REALTIME_MAX_STREAMS_PER_KEY: String(share + 64), CAPSTAN_REALTIME_MAX_CONNECTIONS_PER_NODE: String(perNode + 64) } });
    // The first node migrates the storage; the others then start together.
    const first = await startCapstanProcess(group, spec(0));
    const caps: CapstanProcess[] = [first, ...(await Promise.all(Array.from({ length: nodes - 1 }, (_, i) => startCapstanProcess(group, { ...spec(i + 1), adminToken: first.adminToken }))))];
    const hub = await makeHubFixture(first, s.contacts);
    const org = await makeOrg(first, 'bench docs');
    const tok = await fetch(`${first.origin}/ws/token`, { method: 'POST', headers: { 'capout-api-key': org.apiKey } });
    const rt = ((await tok.json()) as { token: string }).token;
    const node = (i: number) => caps[i % nodes] ?? first;
    const wsOn = (origin: string) => ({ subscribe: { kind: 'ws' as const, url: `${origin.replace('http', 'ws')}/ws/status?token=${rt}&recent=10`, eventName: 'status' } });
    const per = Math.ceil(share / procsPerKind);
    // Each process, in each run, binds to addresses of its own (load-clients.ts, sourceBlock).
    const firstBlock = nodes === 1 ? 0 : s.procs;
    for (let i = 0; i < s.procs; i++) clients.push(new LoadClients(group, ctx.root, 1, 4, per, 400, sourceBlock(firstBlock + i, 4)));
    await sleep(2000);
    const rss = () => caps.reduce((n, c) => n + c.usage().rssBytes, 0);
    const cpu = () => caps.reduce((n, c) => n + c.usage().cpuSec, 0);
    const rssBase = rss();
    ctx.log(`  ${nodes} node(s), RSS before connections: ${mb(rssBase)} MB`);
    // Process i of each kind's processes connects to node i mod N, so every node holds its share of
    // each kind.
    const connectAll = (set: LoadClients[], target: (origin: string) => Pick<RunningTarget, 'subscribe'>) =>
      Promise.all(set.map((c, i) => c.connect(target(node(i).origin) as RunningTarget, Math.floor(share / set.length) + (i < share % set.length ? 1 : 0), 64, 20_000, 180_000))).then(sumConnects);
    const kindClients = (k: Kind) => clients.slice(s.kinds.indexOf(k) * procsPerKind, (s.kinds.indexOf(k) + 1) * procsPerKind);
    const none: ConnectSummary = { ok: 0, failed: 0, errors: [], ms: 0 };
    const sse = s.kinds.includes('sse') ? await connectAll(kindClients('sse'), (origin) => hub.subscribeOn(origin)) : none;
    if (s.kinds.includes('sse')) {
      ctx.log(`  SSE: ${sse.ok} open, ${sse.failed} failed ${sse.errors.join('; ')} (${sse.ms} ms)`);
      await sleep(3000);
    }
    const rssSse = rss();
    const ws = s.kinds.includes('ws') ? await connectAll(kindClients('ws'), wsOn) : none;
    if (s.kinds.includes('ws')) ctx.log(`  WS: ${ws.ok} open, ${ws.failed} failed ${ws.errors.join('; ')} (${ws.ms} ms)`);
    await sleep(5000);
    const rssAll = rss();
    const cpu0 = cpu();
    const clientCpu0 = clients.reduce((n, c) => n + c.cpuSec(), 0);
    // RSS moves with the collector (V8 grows its young generation under a connect storm and gives it
    // back later), so the figure is the median of one sample a second over the rest window.
    const samples: number[] = [];
    for (let t = 0; t < s.restSec; t++) {
      await sleep(1000);
      samples.push(rss());
    }
    samples.sort((x, y) => x - y);
    const rssMedian = samples[Math.floor(samples.length / 2)] ?? rssAll;
    const cpuRest = cpu() - cpu0;
    const clientCpu = clients.reduce((n, c) => n + c.cpuSec(), 0) - clientCpu0;
    const rssEnd = rss();
    const stats = await allStats(clients);
    Object.assign(run, {
      ...(s.kinds.includes('sse') ? { sse } : {}),
      ...(s.kinds.includes('ws') ? { ws } : {}),
      openAtEnd: stats.reduce((n, st) => n + st.open, 0),
      closedDuringRest: stats.reduce((n, st) => n + st.closed, 0),
      rssMB: { base: mb(rssBase), afterSse: mb(rssSse), afterAll: mb(rssAll), restMin: mb(samples[0] ?? rssAll), restMedian: mb(rssMedian), restMax: mb(samples.at(-1) ?? rssAll), end: mb(rssEnd) },
      kbPerConnection: {
        sse: s.kinds.includes('sse') ? kb(rssSse - rssBase, sse.ok) : undefined,
        ws: s.kinds.includes('ws') ? kb(rssAll - rssSse, ws.ok) : undefined,
        all: kb(rssMedian - rssBase, sse.ok + ws.ok),
        restRange: [kb((samples[0] ?? rssAll) - rssBase, sse.ok + ws.ok), kb((samples.at(-1) ?? rssAll) - rssBase, sse.ok + ws.ok)],
        allIncludingBase: kb(rssMedian, sse.ok + ws.ok),
      },
      serverCpuPctAtRest: round((cpuRest / s.restSec) * 100, 2),
      clientsCpuPctAtRest: round((clientCpu / s.restSec) * 100, 2),
    });
    ctx.log(`  at rest ${s.restSec} s: ${run.openAtEnd} open, ${run.closedDuringRest} closed, CPU ${run.serverCpuPctAtRest} %, RSS ${mb(rssEnd)} MB`);
  } catch (e) {
    run.error = e instanceof Error ? e.message.slice(0, 1500) : String(e);
    ctx.log(`  ${nodes} node(s) failed: ${run.error}`);
  } finally {
    await Promise.all(clients.map((c) => c.stop().catch(() => undefined)));
    await group.stopAll(3_000);
    group.dispose();
    await storage?.drop();
  }
  return run;
}

/** Who holds what: half and half, or every connection of one kind. */
function held(s: Settings): string {
  const sse = `hub SSE streams (\`/realtime/events\`, ${s.contacts} contacts)`;
  const ws = 'documents WebSockets (`/ws/status?token=rt_…&recent=10`)';
  if (s.kinds.length === 2) return `Half the connections are ${sse}, held by ${s.procs / 2} load-client processes; half are ${ws}, held by ${s.procs / 2} more`;
  const one = s.kinds[0] === 'sse' ? `a hub SSE stream (\`/realtime/events\`, ${s.contacts} contacts)` : 'a documents WebSocket (`/ws/status?token=rt_…&recent=10`)';
  return `Every connection is ${one}, with \`--kinds=${s.kinds[0]}\`, held by ${s.procs} load-client processes`;
}

function render(revision: string, s: Settings, runs: readonly IdleRun[]): string {
  const oneNodeMax = Math.floor((s.fdLimit - NODE_OWN_FDS) / 2) * 2;
  const rows = runs.map((r) => [
    String(r.nodes),
    r.mode,
    fmt(r.total, 0),
    fmt(r.sse?.ok, 0),
    fmt(r.ws?.ok, 0),
    r.error ? `error: ${r.error.split('\n')[0]?.slice(0, 80)}` : fmt((r.sse?.failed ?? 0) + (r.ws?.failed ?? 0), 0),
    fmt(r.openAtEnd, 0),
    r.rssMB ? `${fmt(r.rssMB.base)} → ${fmt(r.rssMB.afterSse)} → ${fmt(r.rssMB.afterAll)} → ${fmt(r.rssMB.restMedian)} (${fmt(r.rssMB.restMin)}–${fmt(r.rssMB.restMax)})` : 'n/a',
    fmt(r.kbPerConnection?.sse, 1),
    fmt(r.kbPerConnection?.ws, 1),
    `**${fmt(r.kbPerConnection?.all, 1)}** (${fmt(r.kbPerConnection?.restRange[0], 1)}–${fmt(r.kbPerConnection?.restRange[1], 1)})`,
    `**${fmt(r.serverCpuPctAtRest, 2)} %**`,
  ]);
  const reading = runs
    .filter((r) => r.kbPerConnection)
    .map((r) => `${r.nodes === 1 ? 'one embedded node' : `${r.nodes} scaled nodes`} hold${r.nodes === 1 ? 's' : ''} ${fmt((r.sse?.ok ?? 0) + (r.ws?.ok ?? 0), 0)} idle connections at ${fmt(r.kbPerConnection?.all, 1)} KB each above empty servers (${fmt(r.kbPerConnection?.allIncludingBase, 1)} KB counting the whole process${r.nodes === 1 ? '' : 'es'}), using ${fmt(r.serverCpuPctAtRest, 2)} % of a core at rest`)
    .join('; ');
  return [
    `Capstan ${revision}: the real CLI, default heartbeats (25 s). ${held(s)}; each process uses 4 loopback source addresses of its own (the second run other ones again), and process *i* of each kind connects to node *i* mod N. ` +
      `A node holds its connections in one process, so the descriptor hard limit here (${fmt(s.fdLimit, 0)} per process, which root in this container cannot raise) lets one node hold at most ${fmt(oneNodeMax, 0)}. ` +
      `The first row is one embedded node (SQLite) with as many as fit${s.wanted > oneNodeMax ? `; the second holds all ${fmt(s.wanted, 0)} on the fewest scaled-mode nodes that fit them (a fresh PostgreSQL database and Redis prefix on this machine, tokens valid on every node)` : ''}. ` +
      `RSS is the nodes' resident set from /proc, summed: before any connection, ${s.kinds.length === 2 ? 'after the SSE half (+3 s), after the WS half (+5 s)' : `after the connects (+5 s)`}, and once a second over ${s.restSec} s at rest, during which nothing is published and the nodes' CPU is measured. ` +
      'The per-connection figure is the median of the rest samples above the empty servers, with the lowest and highest sample: RSS moves by a few KB a connection with the collector (V8 grows its young generation during a connect storm and returns it later), so one sample could land anywhere in that range.',
    '',
    markdownTable(['nodes', 'mode', 'connections', 'SSE open', 'WS open', 'failed', 'still open after rest', 'RSS MB: empty → SSE → all → at rest, median (range)', 'KB / SSE conn', 'KB / WS conn', 'KB / conn at rest − empty, median (range)', 'server CPU at rest (% of a core)'], rows),
    '',
    `Target (issue 9): at most 15 KB RSS per idle connection at ${fmt(s.wanted, 0)}. No baseline in this scenario. Reading: ${reading}.`,
  ].join('\n');
}

const IDLE_OPTIONS = {
  // Half the processes hold the SSE streams, half the WebSockets (all of them, with one kind).
  clients: num(8, { even: true, integer: true, min: 2, max: 64 }),
  // sse,ws: half each; sse or ws alone: every connection of that kind, to measure it apart.
  kinds: names(KINDS, KINDS),
  // Half SSE, half WebSocket; more than one node holds (its descriptor limit) go to more nodes. Each
  // load-client process holds its share within the same limit.
  connections: dependent((before) => {
    const clients = before.clients as number;
    const max = Math.min(200_000, clients * (hardFdLimit() - 512));
    return num(20_000, { even: true, integer: true, min: 2, max: max - (max % 2), why: `${clients} load clients within the descriptor hard limit of ${hardFdLimit()}` });
  }),
  contacts: whole(100, 1, 10_000),
  'rest-seconds': num(60, { min: 1, max: 600 }),
  profile: flag(),
  'capstan-rev': revision(),
} satisfies OptionSpecs;

export const idle: Scenario = {
  name: 'idle',
  title: 'Idle connections: RSS per connection and CPU at rest (SSE and WebSocket)',
  options: IDLE_OPTIONS,
  async run(ctx) {
    const o = readOptions(IDLE_OPTIONS, ctx.options);
    const s: Settings = { wanted: o.connections, procs: o.clients, contacts: o.contacts, restSec: o['rest-seconds'], fdLimit: hardFdLimit(), kinds: KINDS.filter((k) => o.kinds.includes(k)) };
    const oneNode = Math.min(s.wanted, Math.floor((s.fdLimit - NODE_OWN_FDS) / 2) * 2);
    const source = capstanSource(ctx.root, o['capstan-rev']);
    const runs: IdleRun[] = [];
    try {
      ctx.log(`Capstan ${source.revision}; ${s.wanted} connections wanted (${s.kinds.join(' and ')}), fd hard limit ${s.fdLimit}`);
      runs.push(await runIdle(ctx, source.dir, s, 1, oneNode));
      if (oneNode < s.wanted) {
        const nodes = Math.ceil(s.wanted / (s.fdLimit - NODE_OWN_FDS));
        runs.push(await runIdle(ctx, source.dir, s, Math.max(2, nodes), s.wanted));
      }
    } finally {
      source.dispose();
    }
    const svg = barChartSvg('idle', [
      {
        title: 'Server RSS per idle connection',
        unit: 'KB',
        series: runs.map((r) => `${r.nodes} node${r.nodes === 1 ? '' : 's'}, ${fmt(r.total, 0)} connections`),
        groups: ([...s.kinds, 'all'] as const).map((k) => ({ label: k === 'all' ? 'all (end − empty)' : k === 'sse' ? 'SSE' : 'WebSocket', values: runs.map((r) => r.kbPerConnection?.[k]) })),
      },
    ]);
    return { data: { capstanRevision: source.revision, settings: s, runs }, markdown: render(source.revision, s, runs), svg };
  },
};
