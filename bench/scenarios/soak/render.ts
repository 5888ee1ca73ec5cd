// Tables and chart for the soak.
import { markdownTable } from '../../lib/report.js';
import { lineChartSvg } from '../../lib/svg.js';
import type { SoakData, SoakResult, SoakWindow } from './types.js';

/** Longer runs show consecutive windows grouped, so the table stays readable; the JSON keeps every window. */
const MAX_ROWS = 20;

const int = (v: number | undefined) => (v === undefined ? '–' : Math.round(v).toLocaleString('en-US'));
const dec = (v: number | undefined, digits = 1) => (v === undefined || !Number.isFinite(v) ? '–' : v.toLocaleString('en-US', { maximumFractionDigits: digits }));
const ms = (v: number | undefined) => (v === undefined ? '–' : v < 10 ? v.toFixed(2) : v.toFixed(1));
const sum = (ws: readonly SoakWindow[], f: (w: SoakWindow) => number) => ws.reduce((n, w) => n + f(w), 0);
const defined = (vs: readonly (number | undefined)[]) => vs.filter((v): v is number => v !== undefined);
const maxOf = (vs: readonly (number | undefined)[]) => (defined(vs).length ? Math.max(...defined(vs)) : undefined);
const minOf = (vs: readonly (number | undefined)[]) => (defined(vs).length ? Math.min(...defined(vs)) : undefined);

function median(vs: readonly (number | undefined)[]): number | undefined {
  const d = [...defined(vs)].sort((a, b) => a - b);
  return d[Math.floor(d.length / 2)];
}

/** A mean weighted by `weight` (say, µs per delivery over windows weighted by their deliveries). */
function weighted(ws: readonly SoakWindow[], value: (w: SoakWindow) => number | undefined, weight: (w: SoakWindow) => number): number | undefined {
  let num = 0;
  let den = 0;
  for (const w of ws) {
    const v = value(w);
    if (v === undefined) continue;
    num += v * weight(w);
    den += weight(w);
  }
  return den > 0 ? num / den : undefined;
}

function row(ws: readonly SoakWindow[]): string[] {
  const first = ws[0] as SoakWindow;
  const last = ws.at(-1) as SoakWindow;
  const seconds = last.toSec - first.fromSec;
  return [
    `${first.kind === 'catch-up' ? 'catch-up ' : ''}${dec(first.fromSec, 0)}–${dec(last.toSec, 0)}`,
    int(sum(ws, (w) => w.published)),
    int(seconds > 0 ? sum(ws, (w) => w.delivered) / seconds : undefined),
    ms(median(ws.map((w) => w.liveMs.p50))),
    ms(maxOf(ws.map((w) => w.liveMs.p99))),
    ms(maxOf(ws.map((w) => w.liveMs.max))),
    int(sum(ws, (w) => w.replayedMs.samples)),
    `${int(sum(ws, (w) => w.cuts))} + ${int(sum(ws, (w) => w.serverCuts))}`,
    `${int(sum(ws, (w) => w.reconnects))}${sum(ws, (w) => w.reconnectFailures) ? ` (${int(sum(ws, (w) => w.reconnectFailures))} failed)` : ''}`,
    int(minOf(ws.map((w) => w.connected))),
    int(maxOf(ws.map((w) => w.lagEvents))),
    dec(weighted(ws, (w) => w.serverCpuPct, (w) => w.toSec - w.fromSec)),
    dec(weighted(ws, (w) => w.serverCpuUsPerDelivery, (w) => w.delivered), 2),
    dec(last.serverRssMB),
    dec(last.heapUsedMB),
    dec(last.rssKBPerConnection),
    ms(maxOf(ws.map((w) => w.eventLoopDelayMs))),
    sum(ws, (w) => w.violations) ? `**${int(sum(ws, (w) => w.violations))}**` : '0',
  ];
}

/** Consecutive soak windows in at most MAX_ROWS groups, and the catch-up window on its own. */
function groups(windows: readonly SoakWindow[]): SoakWindow[][] {
  const soak = windows.filter((w) => w.kind === 'soak');
  const per = Math.max(1, Math.ceil(soak.length / MAX_ROWS));
  const out: SoakWindow[][] = [];
  for (let i = 0; i < soak.length; i += per) out.push(soak.slice(i, i + per));
  const tail = windows.filter((w) => w.kind === 'catch-up');
  if (tail.length) out.push(tail);
  return out;
}

function summary(data: SoakData, r: SoakResult): string[] {
  const s = data.settings;
  const c = r.violationCounts;
  const terminals = Object.entries(r.terminals).map(([t, n]) => `\`${t}\` × ${int(n)}`).join(', ');
  return [
    markdownTable(
      ['subscribers', 'minutes', 'events/s', 'events published', 'deliveries (expected)', 'exact delivery', 'gaps / duplicates / out of order / missing at end', 'cut rounds', 'cuts: client + server', 'reconnects (failed attempts)', 'connected at end', 'catch-up s'],
      [[
        `${int(r.connected)}${r.connectFailed ? ` (${int(r.connectFailed)} failed)` : ''}`,
        dec(s.minutes),
        dec(s.rate),
        int(r.published),
        `${int(r.delivered)} (${int(r.expectedDeliveries)})`,
        r.exact ? '**yes**' : '**NO**',
        `${int(c.gap)} / ${int(c.duplicate)} / ${int(c['out-of-order'])} / ${int(c['missing-at-end'])}`,
        int(r.cutRounds),
        `${int(r.cuts)} + ${int(r.serverCuts)}`,
        `${int(r.reconnects)} (${int(r.reconnectFailures)})`,
        int(r.connectedAtEnd),
        dec(r.catchUpSec),
      ]],
    ),
    '',
    markdownTable(
      ['live p50 ms', 'p99 ms', 'p99.9 ms', 'max ms', 'replayed events (p99 / max ms)', 'downtime p50 / max ms', 'server CPU (% of a core)', 'server CPU µs / delivery', 'server RSS MB: empty → connected → first window → last window (max)', 'KB / connection at the end', 'event-loop delay p99 ms: median window (worst)', 'clients CPU (% of a core)'],
      [[
        ms(r.liveMs.p50),
        `**${ms(r.liveMs.p99)}**`,
        ms(r.liveMs.p999),
        ms(r.liveMs.max),
        `${int(r.replayedMs.samples)} (${ms(r.replayedMs.p99)} / ${ms(r.replayedMs.max)})`,
        `${ms(r.downtimeMs.p50)} / ${ms(r.downtimeMs.max)}`,
        dec(r.serverCpuPct),
        `**${dec(r.serverCpuUsPerDelivery, 2)}**`,
        `${dec(r.rssMB.empty)} → ${dec(r.rssMB.connected)} → ${dec(r.rssMB.firstWindow)} → ${dec(r.rssMB.lastWindow)} (${dec(r.rssMB.max)})`,
        dec(r.rssKBPerConnection),
        `${ms(r.eventLoopDelayMs.median)} (${ms(r.eventLoopDelayMs.max)})`,
        dec(r.clientsCpuPct),
      ]],
    ),
    '',
    `Terminal events the subscribers received: ${terminals || 'none'}.${r.reconnectErrors.length ? ` Failed reconnect attempts said: ${r.reconnectErrors.join('; ')}.` : ''}${r.publishRetries ? ` Publishes retried: ${int(r.publishRetries)} (${r.publishErrors.join('; ')}).` : ''}`,
  ];
}

function reading(data: SoakData, r: SoakResult, failure: string | undefined): string {
  const soak = data.windows.filter((w) => w.kind === 'soak');
  const p99s = defined(soak.map((w) => w.liveMs.p99));
  const first = r.rssMB.firstWindow;
  const last = r.rssMB.lastWindow;
  const heaps = soak.map((w) => w.heapUsedMB);
  const heap = heaps[0] !== undefined && heaps.at(-1) !== undefined ? ` (V8 heap in use ${dec(heaps[0])} → ${dec(heaps.at(-1))} MB)` : '';
  const memory = first !== undefined && last !== undefined ? `server RSS ${dec(first)} MB in the first window and ${dec(last)} MB in the last (${last >= first ? '+' : ''}${dec(last - first)} MB)${heap}` : 'no window measured RSS';
  const delivery = r.exact
    ? `each of the ${int(r.connected)} subscribers received all ${int(r.published)} events exactly once and in order through ${int(r.cuts)} client cuts and ${int(r.serverCuts)} streams the server ended, every one of them reconnected (${int(r.reconnectFailures)} reconnect attempts failed and tried again)`
    : `exact delivery did **not** hold`;
  const latency = p99s.length ? `live p99 stayed between ${ms(Math.min(...p99s))} and ${ms(Math.max(...p99s))} ms from window to window` : 'no window measured latency';
  return `${failure ? `**FAILED**: ${failure}. ` : ''}Reading: over ${dec(data.settings.minutes)} min at ${dec(data.settings.rate)} events/s, ${delivery}; ${latency}; ${memory}; ${dec(r.serverCpuUsPerDelivery, 2)} µs of server CPU per delivery, event-loop delay p99 ${ms(r.eventLoopDelayMs.median)} ms in the median window.`;
}

export function renderMarkdown(data: SoakData, failure: string | undefined): string {
  const s = data.settings;
  const out: string[] = [
    `Capstan ${data.capstanRevision}: the real CLI on a fresh data directory (embedded SQLite), one hub, ${s.contacts} contacts. ${int(s.subscribers)} hub SSE subscribers (\`/realtime/events\`), held by ${s.clientProcesses} load-client processes over ${s.sourcesPerProcess} loopback source addresses each. ` +
      `After a warm-up that proves every stream live, the harness publishes a numbered sequence at ${dec(s.rate)} events/s for ${dec(s.minutes)} min, one request at a time, each retried under its own Idempotency-Key until accepted, so the log holds every number once and in order. ` +
      `Every ${dec(s.cutEverySec)} s a cut round resets the sockets of ${dec(s.cutFraction * 100)} % of the subscribers, picked at random (client side, an RST: no close handshake), and has the server end ${s.serverCuts} more streams (an operator disconnect, \`DELETE /admin/v1/connections/:id\`: the stream gets \`stream.unauthorized\` and closes). ` +
      `Each reconnects after a random 0–${dec(s.reconnectWithinSec)} s with \`Last-Event-ID\` = the id of the last event it received, as a browser EventSource does, and, like it, tries again after the server's \`retry:\` hint (3 s) when an attempt fails. ` +
      'Each subscriber checks every event as it arrives: the numbers must come exactly once and in order across all its reconnects (a gap, a duplicate or one out of order is counted, with the subscriber, the number it expected and the one it got), and after the last publish each must hold all of them. Any violation fails the run (exit code 1) after this report is written. ' +
      `A window closes every ${dec(s.sampleEverySec)} s: deliveries/s, live publish-to-receive latency (the publisher stamps each event; events published while a subscriber was away reach it by replay and are counted apart), server CPU and RSS from /proc, and the node's own event-loop delay p99 (\`GET /admin/v1/nodes\`, over its last 5 s sample: how much later than due its 50 ms check ran).`,
    '',
  ];
  if (data.error) out.push(`**The run stopped**: ${data.error.split('\n')[0]}`, '');
  const r = data.result;
  if (r) out.push(...summary(data, r), '');
  if (data.windows.length) {
    const grouped = groups(data.windows);
    const note = grouped.some((g) => g.length > 1 && g[0]?.kind === 'soak') ? ` Rows group ${grouped[0]?.length} consecutive windows of ${dec(s.sampleEverySec)} s: p50 is the median window's, p99 and max the worst window's, connected the lowest, lag the highest, RSS and heap the last; every window is in the JSON.` : '';
    out.push(
      `### Windows`,
      '',
      `Seconds since the first publish. **Lag**: events published that the furthest-behind subscriber had not received when the window closed (a cut one waiting to reconnect is behind by design). **Replayed**: events a reconnected subscriber got by replay.${note}`,
      '',
      markdownTable(['s', 'published', 'deliveries/s', 'live p50 ms', 'p99 ms', 'max ms', 'replayed', 'cuts: client + server', 'reconnects', 'connected', 'lag (events)', 'server CPU %', 'server µs / delivery', 'RSS MB', 'V8 heap MB', 'KB / conn', 'loop p99 ms', 'violations'], grouped.map(row)),
      '',
    );
  }
  if (r && r.violations.length) {
    out.push('### Violations (first ones, with evidence)', '');
    for (const v of r.violations.slice(0, 20)) out.push(`- ${v.subscriber}: ${v.kind}, expected ${v.expected}${v.got === undefined ? '' : `, got ${v.got}`}${v.eventId ? ` (event ${v.eventId})` : ''}${v.resumedFrom ? `, resumed from ${v.resumedFrom}` : ''}`);
    out.push('');
  }
  if (r) out.push(reading(data, r, failure));
  else if (failure) out.push(`**FAILED**: ${failure}.`);
  return out.join('\n');
}

/** Running totals over the windows (say, cuts so far). */
function running(ws: readonly SoakWindow[], f: (w: SoakWindow) => number): number[] {
  let total = 0;
  return ws.map((w) => (total += f(w)));
}

export function renderSvg(data: SoakData): string {
  // The publishing windows only: the catch-up one can last a moment, and its rates say little.
  const ws = data.windows.filter((w) => w.kind === 'soak');
  const x = ws.map((w) => w.toSec);
  const xUnit = 'seconds since the first publish';
  return lineChartSvg('soak', [
    { title: 'Deliveries per second', unit: 'deliveries/s', x, xUnit, lines: [{ name: 'all subscribers', values: ws.map((w) => w.deliveriesPerSec) }] },
    { title: 'Live publish-to-receive latency', unit: 'ms', x, xUnit, lines: [{ name: 'p50', values: ws.map((w) => w.liveMs.p50) }, { name: 'p99', values: ws.map((w) => w.liveMs.p99) }] },
    { title: 'Server memory', unit: 'MB', x, xUnit, lines: [{ name: 'RSS', values: ws.map((w) => w.serverRssMB) }, { name: 'V8 heap in use', values: ws.map((w) => w.heapUsedMB) }] },
    { title: 'Server CPU per delivery', unit: 'µs', x, xUnit, lines: [{ name: 'user + system', values: ws.map((w) => w.serverCpuUsPerDelivery) }] },
    { title: 'Event-loop delay (the node, p99)', unit: 'ms', x, xUnit, lines: [{ name: 'p99', values: ws.map((w) => w.eventLoopDelayMs) }] },
    { title: 'Streams cut and reconnected, running total', unit: 'streams', x, xUnit, lines: [{ name: 'cut (client + server)', values: running(ws, (w) => w.cuts + w.serverCuts) }, { name: 'reconnected', values: running(ws, (w) => w.reconnects) }] },
  ]);
}
