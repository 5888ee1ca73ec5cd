// Tiny runs of the realtime scenarios end to end: real Capstan, real baselines, real load-client
// processes. They take a minute or more on a quiet machine, so the test command runs this file with the
// long files' bound. Only counts and shapes are asserted, never timings: the machine is shared.
import assert from 'node:assert/strict';
import { dirname, resolve } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { machineInfo } from '../../bench/lib/machine.js';
import type { ScenarioContext } from '../../bench/lib/scenario.js';
import { idle } from '../../bench/scenarios/idle/index.js';
import { resumeStorm } from '../../bench/scenarios/resume-storm/index.js';
import { sseFanout } from '../../bench/scenarios/sse-fanout/index.js';
import type { FanoutData } from '../../bench/scenarios/sse-fanout/types.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

function context(options: Record<string, string>): ScenarioContext {
  return { root, options: new Map(Object.entries(options)), machine: machineInfo(), log: () => undefined };
}

describe('realtime scenarios, tiny and end to end', () => {
  test('sse-fanout: every server gets every event at the max rate and at each fixed rate', async () => {
    // A warm-up of more connections than the run's subscribers takes as many as those (30).
    const out = await sseFanout.run(context({ subscribers: '30', targets: 'capstan,capstan-ws,raw-sse,raw-ws,socketio', clients: '2', sources: '2', contacts: '3', 'connect-warmup': '50', 'max-deliveries': '600', 'max-seconds': '3', 'fixed-deliveries': '300,600', 'fixed-seconds': '1' }));
    const data = out.data as FanoutData;
    assert.equal(data.runs.length, 5);
    for (const r of data.runs) {
      assert.equal(r.error, undefined, `${r.target}: ${r.error}`);
      assert.equal(r.connected, 30, r.target);
      // The server's cost of the connects, per connection, and both sides' share of the cores (30
      // connects may take less than the 10 ms /proc counts in, so zero is a reading too).
      assert.ok(r.connectServerUserUs !== undefined && r.connectServerSysUs !== undefined && r.connectServerUserUs >= 0 && r.connectServerSysUs >= 0, `${r.target} connect cost: ${r.connectServerUserUs} + ${r.connectServerSysUs}`);
      assert.ok(r.connectServerCpuPct !== undefined && r.connectClientsCpuPct !== undefined, r.target);
      // The warm-up's connections were made and let go: the timed connects still found room for all 30
      // (Capstan's streams per contact and every server's descriptors are set for 30).
      assert.equal(r.connectWarmup?.connected, 30, `${r.target} warm-up: ${JSON.stringify(r.connectWarmup)}`);
      assert.equal(r.connectWarmup.failed, 0, r.target);
      assert.ok(r.connectWarmup.serverUserUs !== undefined && r.connectWarmup.serverSysUs !== undefined, r.target);
      assert.ok(r.max && r.max.expected > 0 && r.max.delivered === r.max.expected, `${r.target} max rate: ${r.max?.delivered}/${r.max?.expected}`);
      // The server's cost over the max-rate phase, user and system apart, and its write system calls.
      assert.ok(r.max.serverUserUsPerDelivery !== undefined && r.max.serverSysUsPerDelivery !== undefined, r.target);
      assert.ok(r.max.serverWrites !== undefined && r.max.serverWrites > 0 && r.max.writesPerDelivery !== undefined, `${r.target} writes: ${r.max.serverWrites}`);
      // 300 and 600 deliveries/s over 30 subscribers: 10 and 20 events/s.
      assert.deepEqual(r.fixed.map((f) => f.rate), [10, 20]);
      for (const f of r.fixed) {
        assert.ok(f.expected > 0 && f.delivered === f.expected, `${r.target} at ${f.rate}/s: ${f.delivered}/${f.expected}`);
        assert.equal(f.latencyMs.samples, f.delivered);
      }
    }
    assert.match(out.markdown, /### Ratios/);
    assert.match(out.markdown, /### Connects/);
    assert.match(out.markdown, /\| server \| subscribers \| warm-up: connected \| warm-up: seconds \|/);
    assert.match(out.markdown, /\| Capstan \(hub SSE\) \| 30 \|/);
    assert.match(out.markdown, /\| Capstan \(organizer WebSocket\) \| 30 \|/);
    assert.match(out.markdown, /### Capstan over WebSocket/);
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

  test('idle --kinds=ws: every connection a WebSocket, measured apart', async () => {
    const out = await idle.run(context({ connections: '20', clients: '2', contacts: '4', 'rest-seconds': '1', kinds: 'ws' }));
    const { runs } = out.data as { runs: { total: number; sse?: { ok: number }; ws?: { ok: number }; openAtEnd?: number; kbPerConnection?: { sse?: number; ws?: number; all?: number }; error?: string }[] };
    const [run] = runs;
    assert.ok(run);
    assert.equal(run.error, undefined, run.error);
    assert.deepEqual([run.total, run.sse, run.ws?.ok, run.openAtEnd], [20, undefined, 20, 20]);
    assert.equal(run.kbPerConnection?.sse, undefined);
    assert.equal(typeof run.kbPerConnection?.ws, 'number');
    assert.match(out.markdown, /Every connection is a documents WebSocket \(`\/ws\/status\?token=rt_…&recent=10`\), with `--kinds=ws`, held by 2 load-client processes/);
    assert.match(out.markdown, /\| 1 \| embedded \(SQLite\) \| 20 \| n\/a \| 20 \|/);
  });
});
