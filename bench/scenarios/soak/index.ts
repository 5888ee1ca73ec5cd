// soak: N hub SSE subscribers held for minutes while events are published at a steady rate; every few
// seconds a fraction of them are cut (the socket reset, no close handshake) and a few have their
// stream ended by the server, and each reconnects with Last-Event-ID as a browser EventSource would.
// Every subscriber checks, as events arrive, that it gets each published event exactly once and in
// order across its reconnects; each window measures delivery rate, latency, the server's CPU, memory
// and event loop. Any breach of exact delivery fails the run, after its report is written.
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ResumeSpec } from '../../clients/protocol.js';
import { capstanSource } from '../../lib/capstan-source.js';
import { profileFlags, startCapstanProcess, type CapstanProcess } from '../../lib/capstan-process.js';
import { wallClockMs } from '../../lib/clock.js';
import { awaitDeliveries, makeHubFixture, phaseTotals } from '../../lib/hub-fixture.js';
import { LoadClients } from '../../lib/load-clients.js';
import { ProcessGroup } from '../../lib/processes.js';
import { Publisher, type SequenceResult } from '../../lib/publisher.js';
import type { Scenario, ScenarioContext } from '../../lib/scenario.js';
import { treeRssBytes } from '../../lib/server-meter.js';
import { renderMarkdown, renderSvg } from './render.js';
import { boundSec, settingsFrom, SOAK_OPTIONS, type Settings } from './settings.js';
import { serverCutRound } from './operator-cuts.js';
import { failureOf, summarize } from './result.js';
import type { SoakData, SoakResult, SoakWindow } from './types.js';
import { WindowMeter } from './windows.js';

/** The phase of the checked sequence in the payloads; the warm-up's events are another. */
const PHASE = 'k';
const WARMUP = 'w';
/** How long one publish may be retried (a stalled server) before the run gives up. */
const PUBLISH_RETRY_MS = 30_000;
/** After the last publish: wait for every subscriber to have every event, while progress is made, within a bound. */
const CATCH_UP_QUIET_MS = 15_000;
const CATCH_UP_LIMIT_MS = 90_000;
/**
 * Subscribers reconnect as an EventSource does: an attempt waits for its answer (a minute here, as long
 * as TCP would in a browser), and a failed one is tried again after Capstan's `retry:` hint (3 s by
 * default). A client that gave up sooner and retried faster would pile dead connections into the
 * server's accept queue whenever the box is busy, and measure its own retry storm.
 */
const RECONNECT_TIMEOUT_MS = 60_000;
const RETRY_MS = 3_000;

const mb = (bytes: number) => Math.round((bytes / 2 ** 20) * 10) / 10;

/** The next time after `now` on the grid t0 + k × period: a round the harness was too busy to start on time is skipped, not run late in a burst. */
const nextOnGrid = (t0: number, period: number, now: number) => t0 + period * (Math.floor((now - t0) / period) + 1);

function describeWindow(w: SoakWindow): string {
  return `${w.kind} ${w.fromSec}–${w.toSec} s: ${w.published} published (${w.publishedTotal} in all), ${w.deliveriesPerSec.toLocaleString('en-US')} deliveries/s, live p50 ${w.liveMs.p50 ?? '–'} ms p99 ${w.liveMs.p99 ?? '–'} ms max ${w.liveMs.max ?? '–'} ms; cuts ${w.cuts}+${w.serverCuts}, reconnects ${w.reconnects}${w.reconnectFailures ? ` (${w.reconnectFailures} failed)` : ''}, ${w.connected} connected, lag ${w.lagEvents}; server ${w.serverCpuPct ?? '–'} % CPU, ${w.serverCpuUsPerDelivery ?? '–'} µs/delivery, ${w.serverRssMB} MB (heap ${w.heapUsedMB ?? '–'}), loop p99 ${w.eventLoopDelayMs ?? '–'} ms; violations ${w.violations}`;
}

async function runSoak(ctx: ScenarioContext, s: Settings, dir: string, windows: SoakWindow[]): Promise<{ result: SoakResult } | { error: string; serverOutput?: string }> {
  const group = new ProcessGroup();
  const lifetimeSec = boundSec(s);
  let cap: CapstanProcess | undefined;
  let clients: LoadClients | undefined;
  let publisher: Publisher | undefined;
  try {
    const perContact = Math.ceil(s.subscribers / s.contacts);
    cap = await startCapstanProcess(group, {
      dir,
      lifetimeSec,
      fds: s.subscribers + 1024,
      nodeFlags: profileFlags(ctx.root, s.profile),
      // Load clients hand tokens out round robin per process, so a contact may get a few more than its share.
      env: { CAPSTAN_REALTIME_MAX_STREAMS_PER_CONTACT: String(perContact + 64), CAPSTAN_REALTIME_MAX_CONNECTIONS_PER_NODE: String(s.subscribers + 512) },
    });
    // Tokens outlive the run: a stream must not end with stream.expired half way.
    const hub = await makeHubFixture(cap, s.contacts, lifetimeSec + 600);
    const serverPid = cap.child.nodePid();
    const rssEmpty = treeRssBytes(serverPid);
    clients = new LoadClients(group, ctx.root, s.clientProcesses, s.sourcesPerProcess, Math.ceil(s.subscribers / s.clientProcesses), lifetimeSec);
    const resume: ResumeSpec = { phase: PHASE, reconnectWithinMs: s.reconnectWithinSec * 1000, reconnectTimeoutMs: RECONNECT_TIMEOUT_MS, retryMs: RETRY_MS, firstAttempts: 5 };
    const conn = await clients.connect(hub.subscribeOn(cap.origin), s.subscribers, s.connectConcurrency, 15_000, 300_000, resume);
    ctx.log(`${conn.ok} subscribers connected in ${conn.ms} ms${conn.failed ? `, ${conn.failed} failed (${conn.errors.join('; ')})` : ''}`);
    if (conn.ok === 0) throw new Error('no subscriber connected');
    publisher = new Publisher(hub.publishOn(cap.origin), 2);

    // Warm-up: every subscription is live before the sequence starts, or its first numbers would be missed.
    const warm = await publisher.fixedRate(() => WARMUP, 10, 10, 4, 10_000);
    const warmTotals = phaseTotals(await awaitDeliveries([clients], WARMUP, warm.accepted * conn.ok, 5_000, 60_000), WARMUP);
    if (warm.accepted === 0 || warmTotals.minPerConnection < warm.accepted) throw new Error(`warm-up: ${warm.accepted} events published (${warm.errors.join('; ')}), the least any subscriber got is ${warmTotals.minPerConnection}`);
    await clients.sample();
    const rssConnected = treeRssBytes(serverPid);
    ctx.log(`warm-up done; server RSS ${mb(rssEmpty)} MB empty, ${mb(rssConnected)} MB with ${conn.ok} subscribers`);

    // The soak: the sequence publishes in the background while cut rounds and windows follow the clock.
    const t0 = wallClockMs();
    const durationMs = s.minutes * 60_000;
    const meter = new WindowMeter(t0, serverPid, clients, cap, rssEmpty);
    const clientCpu0 = clients.cpuSec();
    let published = 0;
    let publishing: SequenceResult | Error | undefined;
    const sequence = publisher
      .inSequence(PHASE, s.rate, durationMs, { keyPrefix: `soak-${randomBytes(6).toString('hex')}`, retryLimitMs: PUBLISH_RETRY_MS, onAccepted: (seq) => (published = seq + 1) })
      .then(
        (r) => (publishing = r),
        (e: unknown) => (publishing = e instanceof Error ? e : new Error(String(e))),
      );
    // Wakes the loop early only when publishing gave up.
    const failed = new Promise<void>((resolve) => void sequence.then(() => publishing instanceof Error && resolve()));
    const end = t0 + durationMs;
    const cutMs = s.cutEverySec * 1000;
    const sampleMs = s.sampleEverySec * 1000;
    // Cut rounds fall strictly inside the run, windows close up to its end.
    let nextCut = s.cutFraction > 0 || s.serverCuts > 0 ? t0 + cutMs : Infinity;
    let nextSample = t0 + sampleMs;
    let cutRounds = 0;
    let cuts = 0;
    let serverCuts = 0;
    let serverCutsRequested = 0;
    // Operator disconnects run beside the loop (their admin calls open new connections, which a busy
    // server accepts slowly); a round whose predecessor's are still going has none.
    let serverRound: Promise<void> | undefined;
    while (!(publishing instanceof Error)) {
      const cutDue = nextCut < end;
      const sampleDue = nextSample <= end;
      if (!cutDue && !sampleDue) break;
      await Promise.race([sleep(Math.max(0, Math.min(cutDue ? nextCut : Infinity, sampleDue ? nextSample : Infinity) - wallClockMs())), failed]);
      const now = wallClockMs();
      if (cutDue && now >= nextCut) {
        cutRounds++;
        cuts += await clients.cut(Math.round(s.cutFraction * conn.ok));
        if (s.serverCuts > 0 && !serverRound) {
          serverCutsRequested += s.serverCuts;
          serverRound = serverCutRound(cap, s.serverCuts, ctx.log).then((n) => {
            serverCuts += n;
            meter.noteServerCuts(n);
            serverRound = undefined;
          });
        }
        nextCut = nextOnGrid(t0, cutMs, wallClockMs());
      }
      if (sampleDue && now >= nextSample) {
        const w = await meter.take('soak', published);
        windows.push(w);
        ctx.log(describeWindow(w));
        nextSample = nextOnGrid(t0, sampleMs, wallClockMs());
      }
    }
    await sequence;
    await serverRound;
    const pub = publishing as SequenceResult | Error | undefined;
    if (pub === undefined || pub instanceof Error) throw pub ?? new Error('publishing did not finish');
    const total = pub.accepted;

    // Catch-up: the last cut subscribers reconnect and replay; every subscriber must end with every event.
    const catchFrom = wallClockMs();
    let lastProgress = '';
    let lastChange = catchFrom;
    for (;;) {
      const v = await clients.verify(total);
      const complete = v.reduce((n, r) => n + r.complete, 0);
      const connected = v.reduce((n, r) => n + r.connected, 0);
      if (complete === conn.ok && connected === conn.ok) break;
      const now = wallClockMs();
      const progress = `${complete}/${connected}`;
      if (progress !== lastProgress) [lastProgress, lastChange] = [progress, now];
      if (now - lastChange > CATCH_UP_QUIET_MS || now - catchFrom > CATCH_UP_LIMIT_MS) break;
      await sleep(250);
    }
    const catchUpSec = Math.round((wallClockMs() - catchFrom) / 100) / 10;
    const last = await meter.take('catch-up', total);
    windows.push(last);
    ctx.log(describeWindow(last));
    const clientsCpuPct = Math.round(((clients.cpuSec() - clientCpu0) / ((wallClockMs() - t0) / 1000)) * 1000) / 10;
    const verify = await clients.verify(total);
    const rssEnd = treeRssBytes(serverPid);

    const result = summarize({ conn, warm: { published: warm.accepted, minPerSubscriber: warmTotals.minPerConnection }, pub, meter, verify, windows, cutRounds, cuts, serverCutsRequested, serverCuts, catchUpSec, rssBytes: { empty: rssEmpty, connected: rssConnected, end: rssEnd }, clientsCpuPct });
    return { result };
  } catch (e) {
    const error = e instanceof Error ? e.message.slice(0, 2000) : String(e);
    ctx.log(`failed: ${error}`);
    return { error, serverOutput: cap?.child.output() };
  } finally {
    await publisher?.close().catch(() => undefined);
    await clients?.stop().catch(() => undefined);
    await cap?.stop().catch(() => undefined);
    await group.stopAll(2_000);
    group.dispose();
  }
}

export const soak: Scenario = {
  name: 'soak',
  title: 'Soak: hub SSE subscribers cut and resumed for minutes, with exact delivery checked while measuring',
  options: SOAK_OPTIONS,
  validate(options) {
    settingsFrom(options);
  },
  durationBoundMs(options) {
    return boundSec(settingsFrom(options)) * 1000;
  },
  async run(ctx) {
    const settings = settingsFrom(ctx.options);
    const source = capstanSource(ctx.root, settings.capstanRev);
    const windows: SoakWindow[] = [];
    let data: SoakData;
    try {
      ctx.log(`Capstan ${source.revision}; ${settings.subscribers} subscribers, ${settings.minutes} min at ${settings.rate} events/s, cutting ${settings.cutFraction * 100} % (+${settings.serverCuts} by the server) every ${settings.cutEverySec} s`);
      const outcome = await runSoak(ctx, settings, source.dir, windows);
      data = { settings, capstanRevision: source.revision, windows, ...outcome };
    } finally {
      source.dispose();
    }
    const failure = failureOf(data);
    return { data, markdown: renderMarkdown(data, failure), svg: renderSvg(data), ...(failure ? { failure } : {}) };
  },
};
