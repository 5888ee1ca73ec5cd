// resume-storm: N hub SSE clients connect at once, each with a Last-Event-ID 1,000 events back: time
// until every one has caught up, and a check that each got exactly those 1,000 events.
import { capstanSource } from '../../lib/capstan-source.js';
import { fmt, round, startCapstanProcess } from '../../lib/capstan-process.js';
import { awaitDeliveries, makeHubFixture, phaseTotals } from '../../lib/hub-fixture.js';
import { LoadClients } from '../../lib/load-clients.js';
import { hardFdLimit, ProcessGroup } from '../../lib/processes.js';
import { Publisher } from '../../lib/publisher.js';
import { markdownTable } from '../../lib/report.js';
import type { Scenario } from '../../lib/scenario.js';
import { barChartSvg } from '../../lib/svg.js';
import type { RunningTarget } from '../../lib/targets.js';
import { dependent, readOptions, revision, whole, type OptionSpecs } from '../../lib/options.js';

const RESUME_STORM_OPTIONS = {
  // Capstan holds every client's socket: more than the descriptor limit allows is refused before the run
  // (the default is lowered to it), not measured at a smaller count.
  'clients-total': dependent(() => {
    const max = Math.max(1, hardFdLimit() - 512);
    return whole(Math.min(5000, max), 1, max, `the descriptor hard limit here is ${hardFdLimit()}`);
  }),
  // Published one at a time, within the minute the scenario allows for it.
  backlog: whole(1000, 1, 20_000, 'events published one at a time before the storm, within a minute'),
  clients: whole(4, 1, 64),
  contacts: whole(50, 1, 10_000),
  'capstan-rev': revision(),
} satisfies OptionSpecs;

export const resumeStorm: Scenario = {
  name: 'resume-storm',
  title: 'Resume storm: clients reconnecting at once with a Last-Event-ID 1,000 events back',
  options: RESUME_STORM_OPTIONS,
  async run(ctx) {
    const fdLimit = hardFdLimit();
    const o = readOptions(RESUME_STORM_OPTIONS, ctx.options);
    const clientsTotal = o['clients-total'];
    const { backlog, clients: procs, contacts } = o;
    const source = capstanSource(ctx.root, o['capstan-rev']);
    const group = new ProcessGroup();
    let clients: LoadClients | undefined;
    let publisher: Publisher | undefined;
    try {
      ctx.log(`Capstan ${source.revision}; ${clientsTotal} clients (fd hard limit ${fdLimit})`);
      const cap = await startCapstanProcess(group, { dir: source.dir, lifetimeSec: 300, fds: clientsTotal + 512, env: { CAPSTAN_REALTIME_MAX_STREAMS_PER_CONTACT: String(Math.ceil(clientsTotal / contacts) + 64) } });
      const hub = await makeHubFixture(cap, contacts);
      // The cursor: one event, then the backlog the clients have "missed".
      const marker = await fetch(`${cap.origin}/admin/v1/hubs/${hub.hubId}/events`, { method: 'POST', headers: { authorization: `Bearer ${cap.adminToken}`, 'content-type': 'application/json' }, body: JSON.stringify({ type: 'test.ping', data: {} }) });
      const markerBody = (await marker.json()) as { id?: string };
      if (marker.status !== 202 || typeof markerBody.id !== 'string') throw new Error(`marker publish: ${marker.status} ${JSON.stringify(markerBody)}`);
      const lastEventId = markerBody.id;
      publisher = new Publisher(hub.publishOn(cap.origin), 1);
      // One connection, one request at a time: the backlog is in publish order.
      const pub = await publisher.maxRate('r', backlog, 1, 60_000);
      if (pub.accepted !== backlog) throw new Error(`published ${pub.accepted} of ${backlog}: ${pub.errors.join('; ')}`);
      ctx.log(`published ${backlog} events after ${lastEventId}`);
      const rss0 = cap.usage().rssBytes;
      clients = new LoadClients(group, ctx.root, procs, 4, Math.ceil(clientsTotal / procs), 300);
      await new Promise((r) => setTimeout(r, 1500));
      const cpu0 = cap.usage().cpuSec;
      const t0 = performance.timeOrigin + performance.now();
      const perProc = Math.ceil(clientsTotal / procs);
      // Every client of a process opens at once (concurrency = its share): a storm, not a trickle.
      const conn = await clients.connect(hub.subscribeOn(cap.origin, { 'last-event-id': lastEventId }) as RunningTarget, clientsTotal, perProc, 60_000, 120_000);
      ctx.log(`  ${conn.ok} connected (${conn.failed} failed${conn.errors.length ? `: ${conn.errors.join('; ')}` : ''}) in ${conn.ms} ms`);
      const expected = conn.ok * backlog;
      const stats = await awaitDeliveries([clients], 'r', expected, 5_000, 120_000, 100);
      const totals = phaseTotals(stats, 'r');
      const catchUpSec = (totals.lastAt - t0) / 1000;
      const cpu = cap.usage().cpuSec - cpu0;
      const closed = stats.reduce((n, s) => n + s.closed, 0);
      const result = {
        clients: clientsTotal,
        connected: conn.ok,
        connectFailed: conn.failed,
        connectErrors: conn.errors,
        connectMs: conn.ms,
        backlog,
        delivered: totals.received,
        expected,
        minPerClient: totals.minPerConnection,
        maxPerClient: totals.maxPerConnection,
        noLoss: totals.received === expected && totals.minPerConnection === backlog && totals.maxPerConnection === backlog,
        closedDuringRun: closed,
        catchUpSec: round(catchUpSec, 3),
        eventsPerSec: Math.round(totals.received / catchUpSec),
        serverCpuPct: round((cpu / catchUpSec) * 100),
        serverRssMBBefore: round(rss0 / 2 ** 20),
        serverRssMBAfter: round(cap.usage().rssBytes / 2 ** 20),
      };
      ctx.log(`  caught up in ${result.catchUpSec} s: ${result.delivered}/${expected}, per client ${result.minPerClient}–${result.maxPerClient}`);
      await clients.stop();
      await cap.stop();
      const markdown = [
        `Capstan ${source.revision}: the real CLI on a fresh data directory (SQLite event log, default replay page of 500 events), one hub, ${contacts} contacts. The harness publishes one marker event, then ${fmt(backlog, 0)} events (in order, one request at a time). Then ${fmt(clientsTotal, 0)} hub SSE clients, held by ${procs} load-client processes over 4 loopback source addresses each, all connect at once (each process opens its whole share concurrently) with \`Last-Event-ID\` = the marker's id, i.e. ${fmt(backlog, 0)} events back — the server sees exactly what a mass reconnect after an outage looks like. **Catch-up** runs from the moment the connects are sent to the last replayed event received. **No loss** means every client got exactly ${fmt(backlog, 0)} backlog events (no fewer, no duplicates).`,
        '',
        markdownTable(['clients', 'connected', 'backlog each', 'delivered', 'per client (min–max)', 'no loss', 'catch-up s', 'replayed events/s', 'server CPU (% of a core)', 'server RSS MB (before → after)'], [[fmt(clientsTotal, 0), fmt(conn.ok, 0), fmt(backlog, 0), `${fmt(totals.received, 0)} / ${fmt(expected, 0)}`, `${totals.minPerConnection}–${totals.maxPerConnection}`, result.noLoss ? '**yes**' : '**no**', `**${fmt(result.catchUpSec, 2)}**`, fmt(result.eventsPerSec, 0), `${fmt(result.serverCpuPct)} %`, `${fmt(result.serverRssMBBefore)} → ${fmt(result.serverRssMBAfter)}`]]),
        '',
        `No baseline: the raw servers keep no log and cannot resume. Reading: ${fmt(conn.ok, 0)} clients each ${fmt(backlog, 0)} events behind are all caught up ${fmt(result.catchUpSec, 1)} s after they reconnect (${fmt(result.eventsPerSec, 0)} replayed events/s), ${result.noLoss ? 'with nothing lost or duplicated' : 'but NOT every client got exactly its backlog'}.`,
      ].join('\n');
      const svg = barChartSvg('resume-storm', [{ title: 'Resume storm', unit: 'seconds', series: ['catch-up time'], groups: [{ label: `${fmt(clientsTotal, 0)} clients × ${fmt(backlog, 0)} events`, values: [result.catchUpSec] }] }]);
      return { data: { capstanRevision: source.revision, settings: { clientsTotal, backlog, procs, contacts, fdLimit }, result }, markdown, svg };
    } finally {
      await publisher?.close().catch(() => undefined);
      await clients?.stop().catch(() => undefined);
      await group.stopAll(2_000);
      group.dispose();
      source.dispose();
    }
  },
};
