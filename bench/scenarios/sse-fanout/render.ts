// Tables and chart for sse-fanout.
import { markdownTable } from '../../lib/report.js';
import { barChartSvg } from '../../lib/svg.js';
import { TARGET_LABELS, TARGET_NAMES, type TargetName } from '../../lib/targets.js';
import type { FanoutData, RunResult } from './types.js';

const int = (v: number | undefined) => (v === undefined ? '–' : Math.round(v).toLocaleString('en-US'));
const ms = (v: number | undefined) => (v === undefined ? '–' : v < 10 ? v.toFixed(2) : v.toFixed(1));
const pct = (v: number | undefined) => (v === undefined ? '–' : `${Math.round(v)} %`);
const ratio = (a: number | undefined, b: number | undefined) => (a === undefined || b === undefined || b === 0 ? '–' : `${(a / b).toFixed(2)}×`);
const label = (t: TargetName) => TARGET_LABELS[t];
const us = (v: number | undefined) => (v === undefined ? '–' : v.toFixed(1));
const cpuSplit = (user: number | undefined, sys: number | undefined) => (user === undefined || sys === undefined ? '–' : `${(user + sys).toFixed(1)} (${user.toFixed(1)} + ${sys.toFixed(1)})`);
const writes = (v: number | undefined) => (v === undefined ? '–' : v < 0.1 ? v.toFixed(3) : v.toFixed(2));

function delivered(d: number, expected: number): string {
  if (expected === 0) return '–';
  const share = (d / expected) * 100;
  return share >= 99.995 ? '100 %' : `${share.toFixed(2)} %`;
}

function find(data: FanoutData, target: TargetName, n: number): RunResult | undefined {
  return data.runs.find((r) => r.target === target && r.subscribers === n);
}

export function renderMarkdown(data: FanoutData): string {
  const s = data.settings;
  const out: string[] = [];
  const nchan = data.nchan;
  out.push(
    `Each server runs as its own process; ${s.clientProcesses} load-client processes hold the subscribers (each over ${s.sourcesPerProcess} loopback source addresses, each server's clients on addresses the one before did not use) and the harness publishes over keep-alive HTTP (${s.publishConnections} connections). ` +
      `Capstan (${data.capstanRevision}) is the real CLI on a fresh data directory (SQLite, events appended before delivery), its subscribers spread over ${s.contacts} hub contacts; it writes what a connection queued during one event-loop turn in one write. ` +
      'The Node baselines have no auth, no log and no queue limit; the naive ones write each event to each connection as it comes, the batched one (the honest Node ceiling) joins what was published while its pass was pending into one write per connection, and yields to the event loop every 10 ms of a pass, as Capstan does. ' +
      (nchan
        ? nchan.ok
          ? `Nchan is nginx ${nchan.version} with its pub/sub module, a C server: its own nginx process (own config and prefix, no access log) with one publisher and one EventSource subscriber endpoint on one channel, run with 1 worker and with ${data.cores ?? 'one per core'} workers (one per core, \`reuseport\`); the publisher posts the payload as the message body and the clients read it from Nchan's \`data:\` line. `
          : `Nchan was not measured: ${nchan.reason}. `
        : '') +
      `**Max rate**: ${s.maxDeliveries.toLocaleString('en-US')} / subscribers events (bounded also by ${s.maxSeconds} s), published as fast as the server answers; deliveries/s runs from the first publish to the last delivery. ` +
      `**Latency**: publish-to-receive (the publisher stamps the event just before sending the request; clients compare with the same machine clock) over ${s.fixedSeconds} s after a ${s.warmupSeconds} s warm-up, ` +
      `in one phase per target rate of ${s.fixedDeliveriesPerSec.map((d) => d.toLocaleString('en-US')).join(' and ')} deliveries/s, i.e. that ÷ N events/s (at most 1,000): ` +
      `${Object.entries(data.fixedRates).map(([n, r]) => `${r.join(' and ')} events/s for ${Number(n).toLocaleString('en-US')} subscribers`).join(', ')}. ` +
      '1,000 events/s to every one of N subscribers is N × 1,000 deliveries/s (10 million at 10,000 subscribers): far more than any of these servers delivers on this machine at the maximum rate (see the first table), so it cannot be held as a fixed rate here.',
  );
  if (s.targets.includes('capstan-ws')) {
    out.push(
      '',
      `**${label('capstan-ws')}**: the same Capstan process and steps on its WebSocket transport. Of Capstan's two sockets only the organizer one (\`/api/v1/ws/{client_id}?token=<organization API key>\`) hands one event to every connection: each gets every organizer event of the organization. ` +
        'The documents socket (`/ws/status`) forwards only `document.status` events of the documents it follows (named, or the latest N with `recent=`), and a document changes status only while it is processed, so each event there would be an upload and its processing; hub events (the SSE row) reach no socket. ' +
        'So each published event is a rename of one file (`PATCH /api/v1/files/{id}` with the organization key: a read, an update and the durable event append in one transaction, where the hub publish is the append alone) whose new name is the benchmark payload as JSON text; every socket gets it as the `name` of a `file_updated` message (about twice the hub message: the old name rides along as `previousName`). ' +
        'Each connection has its own client_id, all on the one key (its stream budget raised to the subscriber count); the load clients are the same `ws` clients as for raw ws.',
    );
  }
  out.push('', `Targets (\`--targets=\`, all by default): ${TARGET_NAMES.map((t) => `\`${t}\``).join(', ')}; \`nchan\` and \`nchan-workers\` run \`bench/setup/install-nchan.sh\` first, which installs the Debian packages nginx and libnginx-mod-nchan when missing (as root, keeping the system's nginx service from starting), and otherwise leaves those rows "not measured" with the reason. Options out of range, and options the scenario does not take, stop the harness with exit code 2 before anything starts.`);
  out.push(
    '',
    'Wall-clock rates depend on what else the machine is doing: when the server stays well under 100 % of a core per process during the max-rate phase, it was waiting for a CPU, not out of work. ' +
      "**Server CPU µs / delivery** (CPU time of the server's processes from /proc, nginx's master and all its workers together, over the max-rate phase, divided by deliveries; user and system time also apart) is steadier on a shared machine and is the fairer comparison of the servers' own cost. " +
      "**Writes / delivery**: the write system calls the server's processes made over the max-rate phase (`syscw` in /proc/<pid>/io: write, writev, pwrite and sendfile, not send or sendmsg), divided by deliveries: 1 is one write per event per connection, below 1 several events left in one write. It counts every write, so also each publish's HTTP answer and, for Capstan, its SQLite appends.",
  );
  out.push('', '### Deliveries per second at the maximum publish rate', '');
  out.push(
    markdownTable(
      ['server', 'subscribers', 'connected', 'events', 'publishes/s accepted', 'deliveries/s', 'delivered', 'server CPU µs / delivery', 'user µs', 'system µs', 'writes / delivery', 'server CPU (% of a core)', 'clients CPU (% of a core)', 'server RSS MB'],
      data.runs.map((r) =>
        r.notMeasured !== undefined
          ? [label(r.target), int(r.subscribers), '–', '–', '–', `not measured: ${r.notMeasured}`, '–', '–', '–', '–', '–', '–', '–', '–']
          : [label(r.target), int(r.subscribers), int(r.connected), int(r.max?.publish.accepted), int(r.max?.eventsPerSec), r.max?.deliveriesPerSec === undefined ? '–' : `**${int(r.max.deliveriesPerSec)}**`, r.max ? delivered(r.max.delivered, r.max.expected) : '–', r.max?.serverCpuUsPerDelivery === undefined ? '–' : `**${r.max.serverCpuUsPerDelivery.toFixed(1)}**`, us(r.max?.serverUserUsPerDelivery), us(r.max?.serverSysUsPerDelivery), writes(r.max?.writesPerDelivery), pct(r.max?.serverCpuPct), pct(r.max?.clientsCpuPct), int(r.max?.serverRssMB)],
      ),
    ),
  );
  const measured = data.runs.filter((r) => r.notMeasured === undefined);
  out.push('', '### Connects', '');
  out.push(
    (s.connectWarmup > 0
      ? `First each server takes up to ${int(s.connectWarmup)} connections (at most its run's subscribers; \`--connect-warmup\`), its first since it started, and lets them go: they also run its code for the first time, which a server that has been up for a while has compiled and optimised (Capstan's are on hub contacts of their own, so the timed connects still verify every contact's token and load its membership). Their columns are the cold figures, what a freshly started server meets (a reconnect storm after a restart). Then all subscribers connect at once`
      : 'All subscribers connect at once, the server\'s first connections since it started (`--connect-warmup=0`),') +
      ' each load client opening its share, at most `--connect-concurrency` at a time. The clients and the server share the cores, so the time also carries what the clients spend; the server CPU per connection (its processes over the connect phase, divided by the connections made) is its own cost.',
    '',
    markdownTable(
      ['server', 'subscribers', ...(s.connectWarmup > 0 ? ['warm-up: connected', 'warm-up: seconds', 'warm-up: server CPU µs per connection (user + system)'] : []), 'connected', 'seconds', 'server CPU µs per connection (user + system)', 'server CPU (% of a core)', 'clients CPU (% of a core)'],
      measured.map((r) => [
        label(r.target),
        int(r.subscribers),
        ...(s.connectWarmup > 0 ? [int(r.connectWarmup?.connected), r.connectWarmup ? (r.connectWarmup.ms / 1000).toFixed(1) : '–', cpuSplit(r.connectWarmup?.serverUserUs, r.connectWarmup?.serverSysUs)] : []),
        int(r.connected),
        (r.connectMs / 1000).toFixed(1),
        cpuSplit(r.connectServerUserUs, r.connectServerSysUs),
        pct(r.connectServerCpuPct),
        pct(r.connectClientsCpuPct),
      ]),
    ),
  );
  out.push('', '### Publish-to-receive latency at fixed rates', '');
  out.push(
    markdownTable(
      ['server', 'subscribers', 'target deliveries/s', 'rate (events/s)', 'deliveries/s', 'delivered', 'p50 ms', 'p90 ms', 'p99 ms', 'p99.9 ms', 'max ms', 'server CPU (% of a core)', 'server CPU µs per delivery (user + system)', 'writes per delivery'],
      s.fixedDeliveriesPerSec.flatMap((_, i) =>
        measured.map((r) => {
          const f = r.fixed[i];
          const l = f?.latencyMs;
          return [label(r.target), int(r.subscribers), int(f?.targetDeliveriesPerSec ?? s.fixedDeliveriesPerSec[i]), int(f?.rate), int(f?.deliveriesPerSec), f ? delivered(f.delivered, f.expected) : '–', ms(l?.p50), ms(l?.p90), l?.p99 === undefined ? '–' : `**${ms(l.p99)}**`, ms(l?.p999), ms(l?.max), pct(f?.serverCpuPct), cpuSplit(f?.serverUserUsPerDelivery, f?.serverSysUsPerDelivery), writes(f?.writesPerDelivery)];
        }),
      ),
    ),
  );
  out.push('', '### Ratios', '');
  out.push(
    markdownTable(
      [
        'subscribers',
        'deliveries/s: Capstan ÷ batched raw SSE (ceiling)',
        'CPU efficiency: batched raw SSE µs ÷ Capstan µs',
        'Capstan ÷ naive raw SSE',
        'Capstan ÷ raw ws',
        'Capstan ÷ Socket.IO',
        'CPU efficiency: raw SSE µs ÷ Capstan µs',
        'raw ws ÷ Capstan',
        'Socket.IO ÷ Capstan',
        ...s.fixedDeliveriesPerSec.flatMap((d) => [`p99 at ${int(d)}/s: Capstan ÷ raw SSE`, `Capstan ÷ Socket.IO`]),
      ],
      s.subscribers.map((n) => {
        const c = find(data, 'capstan', n);
        const sse = find(data, 'raw-sse', n);
        const batched = find(data, 'raw-sse-batched', n);
        const ws = find(data, 'raw-ws', n);
        const io = find(data, 'socketio', n);
        return [
          int(n),
          ratio(c?.max?.deliveriesPerSec, batched?.max?.deliveriesPerSec),
          ratio(batched?.max?.serverCpuUsPerDelivery, c?.max?.serverCpuUsPerDelivery),
          ratio(c?.max?.deliveriesPerSec, sse?.max?.deliveriesPerSec),
          ratio(c?.max?.deliveriesPerSec, ws?.max?.deliveriesPerSec),
          ratio(c?.max?.deliveriesPerSec, io?.max?.deliveriesPerSec),
          ratio(sse?.max?.serverCpuUsPerDelivery, c?.max?.serverCpuUsPerDelivery),
          ratio(ws?.max?.serverCpuUsPerDelivery, c?.max?.serverCpuUsPerDelivery),
          ratio(io?.max?.serverCpuUsPerDelivery, c?.max?.serverCpuUsPerDelivery),
          ...s.fixedDeliveriesPerSec.flatMap((_, i) => [ratio(c?.fixed[i]?.latencyMs.p99, sse?.fixed[i]?.latencyMs.p99), ratio(c?.fixed[i]?.latencyMs.p99, io?.fixed[i]?.latencyMs.p99)]),
        ];
      }),
    ),
  );
  if (s.targets.includes('capstan-ws')) {
    out.push('', '### Capstan over WebSocket', '');
    out.push(
      markdownTable(
        [
          'subscribers',
          'deliveries/s: Capstan ws ÷ raw ws',
          'CPU efficiency: raw ws µs ÷ Capstan ws µs',
          'deliveries/s: Capstan ws ÷ batched raw SSE (ceiling)',
          'CPU efficiency: batched raw SSE µs ÷ Capstan ws µs',
          'deliveries/s: Capstan ws ÷ Capstan SSE',
          'CPU efficiency: Capstan SSE µs ÷ Capstan ws µs',
          ...s.fixedDeliveriesPerSec.map((d) => `p99 at ${int(d)}/s: Capstan ws ÷ raw ws`),
        ],
        s.subscribers.map((n) => {
          const cws = find(data, 'capstan-ws', n);
          const c = find(data, 'capstan', n);
          const ws = find(data, 'raw-ws', n);
          const batched = find(data, 'raw-sse-batched', n);
          return [
            int(n),
            ratio(cws?.max?.deliveriesPerSec, ws?.max?.deliveriesPerSec),
            ratio(ws?.max?.serverCpuUsPerDelivery, cws?.max?.serverCpuUsPerDelivery),
            ratio(cws?.max?.deliveriesPerSec, batched?.max?.deliveriesPerSec),
            ratio(batched?.max?.serverCpuUsPerDelivery, cws?.max?.serverCpuUsPerDelivery),
            ratio(cws?.max?.deliveriesPerSec, c?.max?.deliveriesPerSec),
            ratio(c?.max?.serverCpuUsPerDelivery, cws?.max?.serverCpuUsPerDelivery),
            ...s.fixedDeliveriesPerSec.map((_, i) => ratio(cws?.fixed[i]?.latencyMs.p99, ws?.fixed[i]?.latencyMs.p99)),
          ];
        }),
      ),
    );
  }
  if (s.targets.some((t) => t === 'nchan' || t === 'nchan-workers')) {
    const workers = `${data.cores ?? 'N'} workers`;
    out.push('', '### Against Nchan (C, nginx)', '');
    out.push(
      markdownTable(
        ['subscribers', 'deliveries/s: Capstan ÷ Nchan 1 worker', 'CPU efficiency: Nchan 1 worker µs ÷ Capstan µs', `deliveries/s: Capstan ÷ Nchan ${workers}`, `CPU efficiency: Nchan ${workers} µs ÷ Capstan µs`, 'deliveries/s: batched raw SSE ÷ Nchan 1 worker', 'CPU efficiency: Nchan 1 worker µs ÷ batched raw SSE µs'],
        s.subscribers.map((n) => {
          const c = find(data, 'capstan', n);
          const one = find(data, 'nchan', n);
          const many = find(data, 'nchan-workers', n);
          const batched = find(data, 'raw-sse-batched', n);
          return [
            int(n),
            ratio(c?.max?.deliveriesPerSec, one?.max?.deliveriesPerSec),
            ratio(one?.max?.serverCpuUsPerDelivery, c?.max?.serverCpuUsPerDelivery),
            ratio(c?.max?.deliveriesPerSec, many?.max?.deliveriesPerSec),
            ratio(many?.max?.serverCpuUsPerDelivery, c?.max?.serverCpuUsPerDelivery),
            ratio(batched?.max?.deliveriesPerSec, one?.max?.deliveriesPerSec),
            ratio(one?.max?.serverCpuUsPerDelivery, batched?.max?.serverCpuUsPerDelivery),
          ];
        }),
      ),
    );
  }
  const notes = data.runs.flatMap((r) => {
    const lines: string[] = [];
    if (r.notMeasured !== undefined) lines.push(`- ${label(r.target)} @ ${int(r.subscribers)}: not measured — ${r.notMeasured}`);
    if (r.error) lines.push(`- ${label(r.target)} @ ${int(r.subscribers)}: run failed — ${r.error.split('\n')[0]}`);
    if (r.connectFailed) lines.push(`- ${label(r.target)} @ ${int(r.subscribers)}: ${int(r.connectFailed)} connections failed (${r.connectErrors.join('; ')})`);
    if (r.closedDuringRun) lines.push(`- ${label(r.target)} @ ${int(r.subscribers)}: ${int(r.closedDuringRun)} connections closed during the run`);
    return lines;
  });
  if (notes.length) out.push('', 'Notes:', '', ...notes);
  return out.join('\n');
}

export function renderSvg(data: FanoutData): string {
  const s = data.settings;
  const series = s.targets.map(label);
  const groups = (value: (r: RunResult | undefined) => number | undefined, rateIndex?: number) =>
    s.subscribers.map((n) => ({
      label: `${n.toLocaleString('en-US')} subscribers${rateIndex === undefined ? '' : ` @ ${data.fixedRates[n]?.[rateIndex]}/s`}`,
      values: s.targets.map((t) => value(find(data, t, n))),
    }));
  return barChartSvg('SSE fan-out', [
    { title: 'Deliveries per second at max publish rate', unit: 'deliveries / s', series, groups: groups((r) => r?.max?.deliveriesPerSec) },
    { title: 'Server CPU per delivery at max rate (lower is better)', unit: 'µs of CPU / delivery', series, groups: groups((r) => r?.max?.serverCpuUsPerDelivery) },
    { title: 'Server write system calls per delivery at max rate (lower is better)', unit: 'writes / delivery', series, groups: groups((r) => r?.max?.writesPerDelivery) },
    ...s.fixedDeliveriesPerSec.map((d, i) => ({
      title: `p99 publish-to-receive latency at ${d.toLocaleString('en-US')} deliveries/s (lower is better)`,
      unit: 'ms (log scale)',
      series,
      groups: groups((r) => r?.fixed[i]?.latencyMs.p99, i),
      scale: 'log' as const,
    })),
  ]);
}
