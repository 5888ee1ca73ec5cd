// The soak's short profile, end to end: the real Capstan CLI, 500 hub subscribers in two load-client
// processes, 30 s of publishing with 5 % of them cut every 3 s and a few streams ended by the server.
// It asserts what the soak exists for: exact delivery held, every cut reconnected, and the report has
// its measured windows. It calls the scenario directly, so nothing is written to bench/results or
// BENCHMARKS.md. Counts and shapes only, never timings: the machine is shared.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { machineInfo } from '../../bench/lib/machine.js';
import { soak } from '../../bench/scenarios/soak/index.js';
import { renderMarkdown } from '../../bench/scenarios/soak/render.js';
import { failureOf } from '../../bench/scenarios/soak/result.js';
import type { SoakData } from '../../bench/scenarios/soak/types.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

const options = { subscribers: '500', minutes: '0.5', rate: '5', 'cut-every': '3', 'cut-fraction': '0.05', 'server-cuts': '3', 'sample-every': '5', clients: '2', sources: '2', contacts: '10' };

test('the README gives this run as a command', () => {
  const command = ['npm run bench -- soak', ...Object.entries(options).map(([key, value]) => `--${key}=${value}`)].join(' ');
  assert.ok(readFileSync(join(root, 'README.md'), 'utf8').includes(`\`${command}\``), command);
});

test('soak, short: 500 subscribers cut every 3 s for 30 s each get every event once, in order', async () => {
  const out = await soak.run({ root, options: new Map(Object.entries(options)), machine: machineInfo(), log: () => undefined });
  const data = out.data as SoakData;
  const r = data.result;
  assert.equal(data.error, undefined, `${data.error}\n${data.serverOutput ?? ''}`);
  assert.ok(r);
  assert.equal(out.failure, undefined, out.failure);

  // Exact delivery: every subscriber got all 150 numbers (30 s at 5/s), once each, in order.
  assert.equal(r.connected, 500);
  assert.equal(r.published, 150);
  assert.deepEqual(r.violationCounts, { gap: 0, duplicate: 0, 'out-of-order': 0, 'missing-at-end': 0 });
  assert.deepEqual(r.violations, []);
  assert.equal(r.complete, 500);
  assert.equal(r.delivered, r.expectedDeliveries);
  assert.equal(r.exact, true);

  // Cuts: up to 9 rounds (at 3, 6, … 27 s; a round the harness was too busy to start on time is skipped),
  // 25 subscribers each and 3 more by the server; every one reconnected.
  assert.ok(r.cutRounds >= 1 && r.cutRounds <= 9, `${r.cutRounds} cut rounds`);
  assert.equal(r.cuts, r.cutRounds * 25);
  // An operator disconnect can race a client cut of the same stream (then the client counts a cut), so at most.
  assert.ok(r.serverEnded > 0 && r.serverEnded <= r.serverCuts, `${r.serverEnded} ended by the server, ${r.serverCuts} disconnects acknowledged`);
  assert.deepEqual(r.terminals, { 'stream.unauthorized': r.serverEnded }, 'each stream the server ended said why');
  assert.equal(r.reconnects, r.cuts + r.serverEnded);
  assert.equal(r.connectedAtEnd, 500);
  assert.equal(r.downtimeMs.samples, r.reconnects);

  // The measured windows: up to six of 5 s while publishing (fewer, longer ones on a starved box), then the catch-up.
  const windows = data.windows.filter((w) => w.kind === 'soak');
  assert.ok(windows.length >= 1 && windows.length <= 6, `${windows.length} windows`);
  assert.equal(data.windows.length, windows.length + 1);
  assert.equal(data.windows.at(-1)?.kind, 'catch-up');
  for (const w of windows) {
    assert.ok(w.delivered > 0 && w.liveMs.samples > 0 && w.liveMs.p99 !== undefined, JSON.stringify(w));
    assert.ok(w.serverRssMB > 0 && w.serverCpuPct !== undefined, JSON.stringify(w));
  }
  assert.equal(windows.reduce((n, w) => n + w.cuts, 0) + (data.windows.at(-1)?.cuts ?? 0), r.cuts);
  assert.ok(windows.some((w) => w.eventLoopDelayMs !== undefined), 'the node reports its event-loop delay');
  assert.match(out.markdown, /### Windows/);
  assert.match(out.markdown, new RegExp(`\\| 500 \\| 0\\.5 \\| 5 \\| 150 \\| 75,000 \\(75,000\\) \\| \\*\\*yes\\*\\* \\| 0 / 0 / 0 / 0 \\| ${r.cutRounds} \\|`));
  assert.equal(out.markdown.match(/^\| \d+–\d+ \|/gm)?.length, windows.length, 'one row per window');
  assert.match(out.markdown, /^\| catch-up /m);
  assert.match(out.markdown, /Reading: over 0\.5 min at 5 events\/s, each of the 500 subscribers received all 150 events exactly once and in order/);
  assert.match(out.svg, /^<svg/);

  // The same report with one violation fails the run, and shows the evidence.
  const broken: SoakData = { ...data, result: { ...r, exact: false, violationCounts: { ...r.violationCounts, gap: 1 }, violations: [{ subscriber: 'c1-42', kind: 'gap', expected: 17, got: 18, eventId: 'e18', resumedFrom: 'e16', at: 0 }] } };
  const failure = failureOf(broken);
  assert.match(failure ?? '', /^exact delivery broken: 1 gaps, 0 duplicates, 0 out of order, 0 subscribers missing events at the end/);
  const md = renderMarkdown(broken, failure);
  assert.match(md, /\*\*NO\*\*/);
  assert.match(md, /- c1-42: gap, expected 17, got 18 \(event e18\), resumed from e16/);
  assert.match(md, /\*\*FAILED\*\*: exact delivery broken/);
});
