// idle: many open connections, half hub SSE and half documents WebSocket (/ws/status), nothing
// published: the server's RSS per connection and its CPU at rest (heartbeats only).
import { capstanSource } from '../../lib/capstan-source.js';
import { fmt, makeOrg, round, startCapstanProcess } from '../../lib/capstan-process.js';
import { allStats, makeHubFixture } from '../../lib/hub-fixture.js';
import { LoadClients } from '../../lib/load-clients.js';
import { hardFdLimit, ProcessGroup } from '../../lib/processes.js';
import { markdownTable } from '../../lib/report.js';
import type { Scenario } from '../../lib/scenario.js';
import { barChartSvg } from '../../lib/svg.js';
import type { RunningTarget } from '../../lib/targets.js';
import { num } from '../documents/index.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export const idle: Scenario = {
  name: 'idle',
  title: 'Idle connections: RSS per connection and CPU at rest (half SSE, half WebSocket)',
  async run(ctx) {
    const fdLimit = hardFdLimit();
    // The server holds every connection in one process: its descriptors bound N (plus ~500 for itself).
    const wanted = num(ctx.options, 'connections', 20_000);
    const total = Math.min(wanted, Math.floor((fdLimit - 600) / 2) * 2);
    const half = total / 2;
    const procs = num(ctx.options, 'clients', 8);
    const contacts = num(ctx.options, 'contacts', 100);
    const restSec = num(ctx.options, 'rest-seconds', 30);
    const source = capstanSource(ctx.root, ctx.options.get('capstan-rev'));
    const group = new ProcessGroup();
    const clients: LoadClients[] = [];
    try {
      ctx.log(`Capstan ${source.revision}; ${total} connections (fd hard limit ${fdLimit})`);
      const cap = await startCapstanProcess(group, { dir: source.dir, lifetimeSec: 400, fds: total + 500, env: { CAPSTAN_REALTIME_MAX_STREAMS_PER_CONTACT: String(Math.ceil(half / contacts) + 64) } });
      const hub = await makeHubFixture(cap, contacts);
      const org = await makeOrg(cap, 'bench docs');
      const tok = await fetch(`${cap.origin}/ws/token`, { method: 'POST', headers: { 'capout-api-key': org.apiKey } });
      const rt = ((await tok.json()) as { token: string }).token;
      const wsTarget = { subscribe: { kind: 'ws' as const, url: `${cap.origin.replace('http', 'ws')}/ws/status?token=${rt}&recent=10`, eventName: 'status' } };
      const per = Math.ceil(half / (procs / 2));
      for (let i = 0; i < procs; i++) clients.push(new LoadClients(group, ctx.root, 1, 4, per, 400));
      // Different source addresses for the SSE and the WS processes.
      await sleep(2000);
      const rssBase = cap.usage().rssBytes;
      ctx.log(`server RSS before connections: ${round(rssBase / 2 ** 20)} MB`);
      const sseClients = clients.slice(0, procs / 2);
      const wsClients = clients.slice(procs / 2);
      const connectAll = async (set: LoadClients[], target: Pick<RunningTarget, 'subscribe'>) => {
        const r = await Promise.all(set.map((c, i) => c.connect(target as RunningTarget, Math.floor(half / set.length) + (i < half % set.length ? 1 : 0), 64, 20_000, 180_000)));
        return { ok: r.reduce((n, x) => n + x.ok, 0), failed: r.reduce((n, x) => n + x.failed, 0), errors: r.flatMap((x) => x.errors).slice(0, 3), ms: Math.max(...r.map((x) => x.ms)) };
      };
      const sse = await connectAll(sseClients, hub.subscribeOn(cap.origin));
      ctx.log(`  SSE: ${sse.ok} open, ${sse.failed} failed ${sse.errors.join('; ')} (${sse.ms} ms)`);
      await sleep(3000);
      const rssSse = cap.usage().rssBytes;
      const ws = await connectAll(wsClients, wsTarget);
      ctx.log(`  WS: ${ws.ok} open, ${ws.failed} failed ${ws.errors.join('; ')} (${ws.ms} ms)`);
      await sleep(5000);
      // GC settles between samples; take RSS at the end of the rest window too.
      const rssAll = cap.usage().rssBytes;
      const cpu0 = cap.usage().cpuSec;
      const clientCpu0 = clients.reduce((s, c) => s + c.cpuSec(), 0);
      await sleep(restSec * 1000);
      const cpuRest = cap.usage().cpuSec - cpu0;
      const clientCpu = clients.reduce((s, c) => s + c.cpuSec(), 0) - clientCpu0;
      const rssEnd = cap.usage().rssBytes;
      const stats = await allStats(clients);
      const open = stats.reduce((n, s) => n + s.open, 0);
      const closed = stats.reduce((n, s) => n + s.closed, 0);
      ctx.log(`  at rest ${restSec} s: ${open} open, ${closed} closed, CPU ${round((cpuRest / restSec) * 100, 2)} %, RSS ${round(rssEnd / 2 ** 20)} MB`);
      const mb = (b: number) => round(b / 2 ** 20);
      const kb = (b: number, n: number) => (n > 0 ? round(b / 1024 / n, 2) : undefined);
      const result = {
        requested: wanted,
        total,
        fdLimit,
        sse: { ok: sse.ok, failed: sse.failed, errors: sse.errors, connectMs: sse.ms },
        ws: { ok: ws.ok, failed: ws.failed, errors: ws.errors, connectMs: ws.ms },
        openAtEnd: open,
        closedDuringRest: closed,
        rssMB: { base: mb(rssBase), afterSse: mb(rssSse), afterAll: mb(rssAll), end: mb(rssEnd) },
        kbPerConnection: { sse: kb(rssSse - rssBase, sse.ok), ws: kb(rssAll - rssSse, ws.ok), all: kb(rssEnd - rssBase, sse.ok + ws.ok), allIncludingBase: kb(rssEnd, sse.ok + ws.ok) },
        restSeconds: restSec,
        serverCpuPctAtRest: round((cpuRest / restSec) * 100, 2),
        clientsCpuPctAtRest: round((clientCpu / restSec) * 100, 2),
      };
      await Promise.all(clients.map((c) => c.stop()));
      await cap.stop();
      const markdown = [
        `Capstan ${source.revision}: the real CLI on a fresh data directory (SQLite), default heartbeats (25 s). The server holds every connection in one process, so its descriptor hard limit (${fmt(fdLimit, 0)}) bounds N: ${fmt(total, 0)} connections${wanted > total ? ` (${fmt(wanted, 0)} were asked for; ${fmt(fdLimit, 0)} descriptors minus what the server needs for itself leaves ${fmt(total, 0)})` : ''}. Half are hub SSE streams (\`/realtime/events\`, ${contacts} contacts), held by ${procs / 2} load-client processes; half are documents WebSockets (\`/ws/status?token=rt_…&recent=10\`), held by ${procs / 2} more; each process uses 4 loopback source addresses. RSS is the server's resident set from /proc: before any connection, after the SSE half (+3 s), after the WS half (+5 s) and after ${restSec} s at rest, during which nothing is published and the server's CPU is measured.`,
        '',
        markdownTable(['connections', 'SSE open', 'WS open', 'failed', 'still open after rest', 'RSS MB: empty → SSE → all → end', 'KB / SSE conn', 'KB / WS conn', 'KB / conn (end − empty)', 'server CPU at rest (% of a core)'], [[fmt(total, 0), fmt(sse.ok, 0), fmt(ws.ok, 0), fmt(sse.failed + ws.failed, 0), fmt(open, 0), `${fmt(result.rssMB.base)} → ${fmt(result.rssMB.afterSse)} → ${fmt(result.rssMB.afterAll)} → ${fmt(result.rssMB.end)}`, fmt(result.kbPerConnection.sse, 1), fmt(result.kbPerConnection.ws, 1), `**${fmt(result.kbPerConnection.all, 1)}**`, `**${fmt(result.serverCpuPctAtRest, 2)} %**`]]),
        '',
        `Target (issue 9): at most 15 KB RSS per idle connection at 20,000. No baseline in this scenario. Reading: Capstan holds ${fmt(sse.ok + ws.ok, 0)} idle connections at ${fmt(result.kbPerConnection.all, 1)} KB each above an empty server (${fmt(result.kbPerConnection.allIncludingBase, 1)} KB counting the whole process), using ${fmt(result.serverCpuPctAtRest, 2)} % of a core at rest.`,
      ].join('\n');
      const svg = barChartSvg('idle', [{ title: 'Server RSS per idle connection', unit: 'KB', series: ['KB / connection'], groups: [{ label: 'SSE', values: [result.kbPerConnection.sse] }, { label: 'WebSocket', values: [result.kbPerConnection.ws] }, { label: 'all (end − empty)', values: [result.kbPerConnection.all] }] }]);
      return { data: { capstanRevision: source.revision, settings: { wanted, total, procs, contacts, restSec }, result }, markdown, svg };
    } finally {
      await Promise.all(clients.map((c) => c.stop().catch(() => undefined)));
      await group.stopAll(2_000);
      group.dispose();
      source.dispose();
    }
  },
};
