// The benchmark harness itself: the latency histogram, the BENCHMARKS.md section update, and tiny
// runs of the realtime scenarios end to end (real Capstan, real baselines, real load-client processes).
// Only counts and shapes are asserted, never timings: the machine is shared.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Histogram } from '../../bench/lib/histogram.js';
import { machineInfo } from '../../bench/lib/machine.js';
import { updateBenchmarksMd } from '../../bench/lib/report.js';
import type { Scenario, ScenarioContext } from '../../bench/lib/scenario.js';
import { idle } from '../../bench/scenarios/idle/index.js';
import { resumeStorm } from '../../bench/scenarios/resume-storm/index.js';
import { sseFanout } from '../../bench/scenarios/sse-fanout/index.js';
import type { FanoutData } from '../../bench/scenarios/sse-fanout/types.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

function context(options: Record<string, string>): ScenarioContext {
  return { root, options: new Map(Object.entries(options)), machine: machineInfo(), log: () => undefined };
}

describe('latency histogram', () => {
  test('quantiles are within the bucket error, and merged histograms equal one fed every sample', () => {
    const a = new Histogram();
    const b = new Histogram();
    const all = new Histogram();
    const samples = Array.from({ length: 10_000 }, (_, i) => 0.05 + (i % 1000) * 0.37);
    samples.forEach((ms, i) => {
      (i % 2 ? a : b).recordMillis(ms);
      all.recordMillis(ms);
    });
    const merged = Histogram.from(a.toData());
    merged.merge(b.toData());
    const sorted = [...samples].sort((x, y) => x - y);
    for (const q of [0.5, 0.9, 0.99, 0.999]) {
      const exact = sorted[Math.ceil(q * sorted.length) - 1] as number;
      const got = all.quantileMillis(q) as number;
      assert.ok(Math.abs(got - exact) / exact < 0.016, `p${q * 100}: ${got} vs ${exact}`);
      assert.equal(merged.quantileMillis(q), got);
    }
    assert.equal(all.quantileMillis(1), Math.max(...samples));
    assert.equal(merged.count, samples.length);
    assert.equal(new Histogram().quantileMillis(0.5), undefined);
  });
});

describe('BENCHMARKS.md update', () => {
  test("replaces only the scenario's marked section, keeps the text around it, and appends a new one", () => {
    const dir = mkdtempSync(join(tmpdir(), 'capstan-bench-md-'));
    try {
      const path = join(dir, 'BENCHMARKS.md');
      writeFileSync(path, '# Benchmarks\n\nhand-written intro\n\n<!-- bench:demo:start -->\nold table\n<!-- bench:demo:end -->\n\nhand-written notes\n');
      const scenario: Scenario = { name: 'demo', title: 'Demo', run: async () => ({ data: {}, markdown: '', svg: '' }) };
      const meta = { command: 'npm run bench -- demo', startedAt: new Date().toISOString(), durationSec: 1, loadAtEnd: 0 };
      updateBenchmarksMd(path, dir, scenario, machineInfo(), meta, { data: {}, markdown: '| new | table |', svg: '' }, join(dir, 'results/demo.svg'));
      const text = readFileSync(path, 'utf8');
      assert.ok(text.includes('hand-written intro') && text.includes('hand-written notes'));
      assert.ok(!text.includes('old table'));
      assert.ok(text.includes('| new | table |') && text.includes('Reproduce: `npm run bench -- demo`') && text.includes('![demo](results/demo.svg)'));
      assert.match(text, /Machine: \d+ cores/);
      updateBenchmarksMd(path, dir, { ...scenario, name: 'other', title: 'Other' }, machineInfo(), meta, { data: {}, markdown: 'other table', svg: '' }, join(dir, 'other.svg'));
      const both = readFileSync(path, 'utf8');
      assert.ok(both.includes('| new | table |') && both.trimEnd().endsWith('<!-- bench:other:end -->'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('realtime scenarios, tiny and end to end', () => {
  test('sse-fanout: every server gets every event at the max rate and at each fixed rate', async () => {
    const out = await sseFanout.run(context({ subscribers: '30', targets: 'capstan,raw-sse,raw-ws,socketio', clients: '2', sources: '2', contacts: '3', 'max-deliveries': '600', 'max-seconds': '3', 'fixed-deliveries': '300,600', 'fixed-seconds': '1' }));
    const data = out.data as FanoutData;
    assert.equal(data.runs.length, 4);
    for (const r of data.runs) {
      assert.equal(r.error, undefined, `${r.target}: ${r.error}`);
      assert.equal(r.connected, 30, r.target);
      assert.ok(r.max && r.max.expected > 0 && r.max.delivered === r.max.expected, `${r.target} max rate: ${r.max?.delivered}/${r.max?.expected}`);
      // 300 and 600 deliveries/s over 30 subscribers: 10 and 20 events/s.
      assert.deepEqual(r.fixed.map((f) => f.rate), [10, 20]);
      for (const f of r.fixed) {
        assert.ok(f.expected > 0 && f.delivered === f.expected, `${r.target} at ${f.rate}/s: ${f.delivered}/${f.expected}`);
        assert.equal(f.latencyMs.samples, f.delivered);
      }
    }
    assert.match(out.markdown, /### Ratios/);
    assert.match(out.markdown, /\| Capstan \(hub SSE\) \| 30 \|/);
    assert.match(out.svg, /^<svg/);
  });

  test('resume-storm: every client catches up on exactly its backlog', async () => {
    const out = await resumeStorm.run(context({ 'clients-total': '40', backlog: '30', clients: '2', contacts: '4' }));
    const { result } = out.data as { result: { connected: number; delivered: number; expected: number; noLoss: boolean; minPerClient: number; maxPerClient: number } };
    assert.equal(result.connected, 40);
    assert.equal(result.expected, 40 * 30);
    assert.equal(result.delivered, result.expected);
    assert.equal(result.noLoss, true);
    assert.deepEqual([result.minPerClient, result.maxPerClient], [30, 30]);
  });

  test('idle: half SSE and half WebSocket stay open through the rest window, with RSS per connection', async () => {
    const out = await idle.run(context({ connections: '40', clients: '2', contacts: '4', 'rest-seconds': '1' }));
    const { runs } = out.data as { runs: { nodes: number; total: number; sse?: { ok: number }; ws?: { ok: number }; openAtEnd?: number; kbPerConnection?: { all?: number }; error?: string }[] };
    assert.equal(runs.length, 1, 'one embedded node holds 40');
    const [run] = runs;
    assert.ok(run);
    assert.equal(run.error, undefined, run.error);
    assert.deepEqual([run.nodes, run.total, run.sse?.ok, run.ws?.ok, run.openAtEnd], [1, 40, 20, 20, 40]);
    assert.equal(typeof run.kbPerConnection?.all, 'number');
    assert.match(out.markdown, /\| 1 \| embedded \(SQLite\) \| 40 \|/);
  });
});
