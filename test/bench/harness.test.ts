// The benchmark harness itself: the latency histogram, the BENCHMARKS.md section update, the options,
// the Nchan baseline's set-up and the server meter. The scenarios' tiny end-to-end runs are in
// scenarios.test.ts. Only counts and shapes are asserted, never timings: the machine is shared.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { closeSync, existsSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Histogram } from '../../bench/lib/histogram.js';
import { sourceBlock } from '../../bench/lib/load-clients.js';
import { loopbackSources, waitForHttp } from '../../bench/lib/net.js';
import { startNchan } from '../../bench/lib/nchan-target.js';
import { ProcessGroup } from '../../bench/lib/processes.js';
import { machineInfo } from '../../bench/lib/machine.js';
import { SseFrames } from '../../bench/clients/sse-frames.js';
import { nchanAvailability, nchanConfig } from '../../bench/lib/nchan.js';
import { readCommandLine } from '../../bench/lib/command-line.js';
import { BenchOptionError } from '../../bench/lib/options.js';
import { optionsWithDefaults, updateBenchmarksMd } from '../../bench/lib/report.js';
import type { Scenario, ScenarioContext } from '../../bench/lib/scenario.js';
import { serverMeter } from '../../bench/lib/server-meter.js';
import { removeOrphanedTempDirs, tempDir } from '../../bench/lib/temp-dir.js';
import { settingsFrom, sseFanout } from '../../bench/scenarios/sse-fanout/index.js';
import type { FanoutData } from '../../bench/scenarios/sse-fanout/types.js';
import { SCENARIOS } from '../../bench/scenarios/index.js';

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
      const scenario: Scenario = { name: 'demo', title: 'Demo', options: {}, run: async () => ({ data: {}, markdown: '', svg: '' }) };
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

  test('a scenario without a section yet gets one where a whole run puts it, not at the end', () => {
    const dir = mkdtempSync(join(tmpdir(), 'capstan-bench-md-'));
    try {
      const path = join(dir, 'BENCHMARKS.md');
      const section = (name: string) => `<!-- bench:${name}:start -->\n${name} table\n<!-- bench:${name}:end -->`;
      writeFileSync(path, `# Benchmarks\n\n${section('organize')}\n\n${section('documents-accuracy')}\n\n${section('soak')}\n\nhand-written notes\n`);
      const scenario = SCENARIOS.find((s) => s.name === 'organizer-accuracy')!;
      const meta = { command: 'npm run bench -- organizer-accuracy', startedAt: new Date().toISOString(), durationSec: 1, loadAtEnd: 0 };
      updateBenchmarksMd(path, dir, scenario, machineInfo(), meta, { data: {}, markdown: 'organizer table', svg: '' }, join(dir, 'o.svg'), SCENARIOS);
      const text = readFileSync(path, 'utf8');
      const order = ['organize:end', 'organizer-accuracy:start', 'organizer table', 'organizer-accuracy:end', 'documents-accuracy:start'].map((m) => text.indexOf(m));
      assert.ok(order.every((i, k) => i >= 0 && (k === 0 || i > order[k - 1]!)), text);
      assert.ok(text.trimEnd().endsWith('hand-written notes'));
      // Run again, it replaces its own section.
      updateBenchmarksMd(path, dir, scenario, machineInfo(), meta, { data: {}, markdown: 'organizer table', svg: '' }, join(dir, 'o.svg'), SCENARIOS);
      assert.equal(readFileSync(path, 'utf8').split('organizer-accuracy:start').length, 2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('a new BENCHMARKS.md', () => {
  test("lists each scenario's options and defaults as its spec declares them", () => {
    const dir = mkdtempSync(join(tmpdir(), 'capstan-bench-md-'));
    try {
      const path = join(dir, 'BENCHMARKS.md');
      const meta = { command: 'npm run bench -- rest', startedAt: new Date().toISOString(), durationSec: 1, loadAtEnd: 0 };
      updateBenchmarksMd(path, dir, SCENARIOS.find((s) => s.name === 'rest')!, machineInfo(), meta, { data: {}, markdown: '', svg: '' }, join(dir, 'rest.svg'), SCENARIOS);
      const text = readFileSync(path, 'utf8');
      const line = (name: string) => text.split('\n').find((l) => l.startsWith(`- **${name}**: `)) ?? '';
      for (const scenario of SCENARIOS) {
        for (const key of Object.keys(scenario.options)) assert.ok(line(scenario.name).includes(`\`--${key}`), `${scenario.name}: --${key}`);
      }
      assert.match(line('idle'), /`--rest-seconds=60`/);
      assert.match(line('idle'), /`--profile`/);
      assert.match(line('sse-fanout'), /`--targets=capstan,capstan-ws,/);
      assert.doesNotMatch(line('organizer-accuracy'), /capstan-rev/);
      assert.doesNotMatch(line('transcription'), /capstan-rev/);
      assert.deepEqual(optionsWithDefaults(SCENARIOS.find((s) => s.name === 'organize')!), ['--files=10000', '--upload-batch=500', '--capstan-rev=<git rev>']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('benchmark options', () => {
  const settings = (options: Record<string, string>) => settingsFrom(new Map(Object.entries(options)));

  test('values out of range are usage errors that name the option', () => {
    const cases: [Record<string, string>, RegExp][] = [
      [{ subscribers: '0' }, /^--subscribers=0: must be a whole number from 1 to \d+/],
      [{ subscribers: 'abc' }, /^--subscribers=abc: must be a whole number/],
      [{ subscribers: '100,,1000' }, /^--subscribers=100,,1000: must be a comma-separated list/],
      [{ subscribers: '1.5' }, /^--subscribers=1.5: must be a whole number/],
      [{ subscribers: '100000000' }, /descriptor hard limit/],
      [{ clients: '-1' }, /^--clients=-1: must be a whole number from 1 to 64/],
      [{ clients: '' }, /^--clients=: must be/],
      [{ clients: '4', sources: '64' }, /^--sources=64: .*253 loopback addresses/],
      [{ 'max-seconds': '0x10' }, /^--max-seconds=0x10: must be a positive number/],
      [{ 'fixed-deliveries': '20000,-5' }, /^--fixed-deliveries=-5: must be a number from 10000 to/],
      // Below one event a second to each subscriber: the phase would run faster than the table says.
      [{ subscribers: '100,3000', 'fixed-deliveries': '2000,100000' }, /^--fixed-deliveries=2000: must be a number from 3000 to 1000000000 \(one event a second to each of 3000 subscribers is the slowest phase\)/],
      [{ targets: 'capstan,nginx' }, /^--targets: unknown name nginx; known: capstan, capstan-ws, .*nchan, nchan-workers/],
      [{ targets: 'capstan-wss' }, /^--targets: unknown name capstan-wss; known: capstan, capstan-ws, /],
      [{ targets: ',' }, /^--targets= names nothing/],
      [{ 'connect-warmup': '-1' }, /^--connect-warmup=-1: must be a whole number from 0 to \d+ \(the descriptor hard limit/],
      [{ 'connect-warmup': '1.5' }, /^--connect-warmup=1.5: must be a whole number/],
      [{ 'connect-warmup': 'some' }, /^--connect-warmup=some: must be a whole number/],
    ];
    for (const [options, message] of cases) {
      assert.throws(() => settings(options), (e: unknown) => e instanceof BenchOptionError && message.test(e.message), JSON.stringify(options));
    }
  });

  test('the default fixed rates start at one event a second to the most subscribers', () => {
    assert.deepEqual(settings({}).fixedDeliveriesPerSec, [10_000, 100_000]);
    assert.deepEqual(settings({ subscribers: '100,12000' }).fixedDeliveriesPerSec, [12_000, 100_000]);
    assert.deepEqual(settings({ subscribers: '300', 'fixed-deliveries': '300' }).fixedDeliveriesPerSec, [300]);
  });

  test('good values parse, and the defaults hold every target including both Nchan rows', () => {
    const s = settings({ subscribers: '1000, 10000', targets: 'nchan,capstan', clients: '2', 'max-seconds': '2.5' });
    assert.deepEqual(s.subscribers, [1000, 10_000]);
    assert.deepEqual(s.targets, ['nchan', 'capstan']);
    assert.equal(s.clientProcesses, 2);
    assert.equal(s.maxSeconds, 2.5);
    assert.equal(s.connectWarmup, 2000);
    assert.equal(settings({ 'connect-warmup': '0' }).connectWarmup, 0);
    assert.deepEqual(settings({ targets: 'raw-ws,capstan-ws' }).targets, ['raw-ws', 'capstan-ws']);
    assert.deepEqual(settings({}).targets, ['capstan', 'capstan-ws', 'raw-sse-batched', 'raw-sse', 'raw-ws', 'socketio', 'nchan', 'nchan-workers']);
  });

  test('the command line is refused before any scenario starts', () => {
    // idle comes first and is valid: sse-fanout's bad option must still stop it from starting.
    for (const [args, message] of [
      [['idle', 'sse-fanout', '--subscribers=0'], '--subscribers=0: must be a whole number from 1 to'],
      [['sse-fanout', '--clients=-1', '--targets=capstan'], '--clients=-1: must be a whole number from 1 to 64'],
      [['sse-fanout', '--targets=capstan-ws,websocket'], '--targets: unknown name websocket; known: capstan, capstan-ws, raw-sse-batched'],
      [['no-such-scenario'], 'unknown scenario no-such-scenario'],
    ] as const) {
      assert.throws(() => readCommandLine(args, SCENARIOS), (e: unknown) => e instanceof BenchOptionError && e.message.startsWith(message), args.join(' '));
    }
  });
});

describe('Nchan baseline', () => {
  // Paths that exist nowhere, so the setup script takes its "not installed" path on any machine.
  const missing = { BENCH_NGINX: '/nonexistent/nginx', BENCH_NCHAN_MODULE: '/nonexistent/ngx_nchan_module.so' };

  test('a missing package is a reason, not a failure: no apt-get, or an install that fails', () => {
    const noApt = nchanAvailability(root, { ...process.env, ...missing, BENCH_APT_GET: '/nonexistent/apt-get' });
    assert.deepEqual(noApt, { ok: false, reason: 'nginx with the Nchan module is not installed and apt-get is not available' });
    // An apt-get that fails at once (`false`); run without root, the script stops before it instead.
    const failing = nchanAvailability(root, { ...process.env, ...missing, BENCH_APT_GET: 'false' });
    assert.equal(failing.ok, false);
    assert.match(failing.ok ? '' : failing.reason, /^apt-get install nginx libnginx-mod-nchan failed|needs root$/);
  });

  test("while apt-get runs, a policy-rc.d of its own forbids service starts (nginx's postinst would start it); one already there is left alone", { skip: process.getuid?.() !== 0 && 'the script installs only as root' }, () => {
    const dir = mkdtempSync(join(tmpdir(), 'capstan-bench-policy-'));
    try {
      const policy = join(dir, 'policy-rc.d');
      const seen = join(dir, 'seen');
      // A fake apt-get that asks the policy, as invoke-rc.d does, whether it may start nginx.
      const fakeApt = (exit: number) => {
        const path = join(dir, `apt-get-${exit}`);
        writeFileSync(path, `#!/bin/sh\nif [ -x "${policy}" ]; then "${policy}" nginx start; echo "$1 policy $?" >>"${seen}"; else echo "$1 no policy" >>"${seen}"; fi\nexit ${exit}\n`, { mode: 0o755 });
        return path;
      };
      const env = (apt: string) => ({ ...process.env, ...missing, BENCH_APT_GET: apt, BENCH_POLICY_RC_D: policy });
      for (const exit of [0, 1]) {
        rmSync(seen, { force: true });
        const result = nchanAvailability(root, env(fakeApt(exit)));
        assert.equal(result.ok, false);
        assert.deepEqual(readFileSync(seen, 'utf8').trim().split('\n'), exit === 0 ? ['update policy 101', 'install policy 101'] : ['update policy 101']);
        assert.ok(!existsSync(policy), `apt-get exiting ${exit}: the policy is removed afterwards`);
      }
      writeFileSync(policy, '#!/bin/sh\nexit 0\n', { mode: 0o755 });
      rmSync(seen, { force: true });
      nchanAvailability(root, env(fakeApt(0)));
      assert.equal(readFileSync(policy, 'utf8'), '#!/bin/sh\nexit 0\n', "the administrator's policy is kept as it was");
      assert.deepEqual(readFileSync(seen, 'utf8').trim().split('\n'), ['update policy 0', 'install policy 0']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('sse-fanout reports each Nchan row as not measured, with the reason, and starts nothing for it', async () => {
    const saved = { ...process.env };
    Object.assign(process.env, missing, { BENCH_APT_GET: '/nonexistent/apt-get' });
    try {
      const out = await sseFanout.run(context({ subscribers: '10,20', targets: 'nchan,nchan-workers', clients: '1' }));
      const data = out.data as FanoutData;
      assert.deepEqual(data.runs.map((r) => [r.target, r.subscribers, r.notMeasured, r.connected, r.max]), [
        ['nchan', 10, 'nginx with the Nchan module is not installed and apt-get is not available', 0, undefined],
        ['nchan-workers', 10, 'nginx with the Nchan module is not installed and apt-get is not available', 0, undefined],
        ['nchan', 20, 'nginx with the Nchan module is not installed and apt-get is not available', 0, undefined],
        ['nchan-workers', 20, 'nginx with the Nchan module is not installed and apt-get is not available', 0, undefined],
      ]);
      assert.ok(out.markdown.includes('| Nchan (nginx, 1 worker) | 10 | – | – | – | not measured: nginx with the Nchan module is not installed and apt-get is not available | – |'), out.markdown);
      assert.ok(out.markdown.includes('| Nchan (nginx, 1 worker per core) | 20 | – | – | – | not measured: nginx with the Nchan module'));
      assert.ok(out.markdown.includes('Nchan was not measured: nginx with the Nchan module is not installed and apt-get is not available.'));
      assert.match(out.svg, /^<svg/);
      // The Connects table has the warm-up's columns by default, and none with --connect-warmup=0.
      assert.match(out.markdown, /First each server takes up to 2,000 connections/);
      assert.match(out.markdown, /\| server \| subscribers \| warm-up: connected \|/);
      const cold = await sseFanout.run(context({ subscribers: '10', targets: 'nchan', clients: '1', 'connect-warmup': '0' }));
      assert.equal((cold.data as FanoutData).settings.connectWarmup, 0);
      assert.match(cold.markdown, /the server's first connections since it started \(`--connect-warmup=0`\)/);
      assert.match(cold.markdown, /\| server \| subscribers \| connected \| seconds \|/);
      assert.doesNotMatch(cold.markdown, /warm-up:/);
    } finally {
      for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
      Object.assign(process.env, saved);
    }
  });

  test('its nginx config keeps everything in the temporary prefix and loads the module', () => {
    const conf = nchanConfig({ prefix: '/tmp/p', module: '/usr/lib/nginx/modules/ngx_nchan_module.so', port: 18080, workers: 2, connections: 1000, user: 'root' });
    assert.match(conf, /^load_module \/usr\/lib\/nginx\/modules\/ngx_nchan_module\.so;$/m);
    assert.match(conf, /^worker_processes 2;$/m);
    assert.match(conf, /^daemon off;$/m);
    assert.match(conf, /^master_process on;$/m);
    assert.match(conf, /^pid \/tmp\/p\/nginx\.pid;$/m);
    assert.match(conf, /listen 127\.0\.0\.1:18080 reuseport;/);
    assert.match(conf, /nchan_publisher;/);
    assert.match(conf, /nchan_subscriber eventsource;/);
    assert.doesNotMatch(conf, /\/etc\/nginx|\/var\/(log|lib)\/nginx/);
    for (const path of conf.matchAll(/(?:_temp_path|error_log|pid) (\S+?);?\s/g)) assert.ok(path[1]?.startsWith('/tmp/p/'), path[0]);
    assert.doesNotMatch(nchanConfig({ prefix: '/tmp/p', module: 'm.so', port: 1, workers: 1, connections: 10 }), /reuseport|^user /m);
  });

  test('an nginx that exits at once is reported as exited, with its code and the last lines of its error log', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'capstan-bench-fake-nginx-'));
    const group = new ProcessGroup();
    try {
      // What Debian's nginx does when a temp path it must create is out of reach: say so in the log given by -e, exit 1.
      const nginx = join(dir, 'nginx');
      writeFileSync(nginx, `#!/bin/sh\nwhile [ $# -gt 0 ]; do [ "$1" = -e ] && log="$2"; shift; done\necho 'nginx: [emerg] mkdir() "/var/lib/nginx/body" failed (2: No such file or directory)' >>"$log"\nexit 1\n`, { mode: 0o755 });
      await assert.rejects(
        startNchan('nchan', group, { root, subscribers: 10, lifetimeSec: 60 }, { ok: true, nginx, module: '/nonexistent/ngx_nchan_module.so', version: 'fake' }),
        (e: unknown) => e instanceof Error && /^nginx exited \(code 1\) before it answered; the last lines of its error log:\nnginx: \[emerg\] mkdir\(\) "\/var\/lib\/nginx\/body" failed/.test(e.message) && !e.message.includes('did not answer within'),
      );
    } finally {
      group.dispose();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a worker has connection slots to spare beyond its sockets, for Nchan\'s internal requests', () => {
    const slots = (connections: number) => Number(nchanConfig({ prefix: '/tmp/p', module: 'm.so', port: 1, workers: 1, connections }).match(/worker_connections (\d+);/)?.[1]);
    const files = (connections: number) => Number(nchanConfig({ prefix: '/tmp/p', module: 'm.so', port: 1, workers: 1, connections }).match(/worker_rlimit_nofile (\d+);/)?.[1]);
    assert.equal(slots(10_064), 10_064 + 2_516);
    assert.equal(slots(100), 100 + 1024);
    // Slots without a socket need no descriptor: the file limit stays what the sockets need.
    assert.equal(files(10_064), 10_064 + 256);
  });

  test("the clients read Nchan's frames (a comment first, id then data) as the Node servers' frames", () => {
    const frames = new SseFrames();
    const payload = '{"p":"m","s":1,"t":1764600000000}';
    assert.deepEqual(frames.push(': hi\n\nid: 1764600000:0\ndata: '), []);
    assert.deepEqual(frames.push(`${payload}\n\nid: 1764600000:1\ndata: ${payload}\n\nid: 7\nevent: test.ping\ndata: ${payload}\n`), [payload, payload]);
    assert.deepEqual(frames.push('\ndata:a\r\ndata\r\ndata: b\r\n\r\nretry: 3000\n\n'), [payload, 'a\n\nb']);
  });
});

describe('load-client source addresses', () => {
  test('clients made one after another bind to blocks of their own, each a valid range, wrapping past the last', () => {
    // The idle scenario's two runs of eight processes: 64 addresses, none shared.
    const used = Array.from({ length: 16 }, (_, i) => loopbackSources(4, sourceBlock(i, 4))).flat();
    assert.equal(new Set(used).size, 64);
    for (const size of [1, 2, 3, 4, 7, 16, 64]) {
      for (let block = 0; block < 300; block++) assert.doesNotThrow(() => loopbackSources(size, sourceBlock(block, size)), `block ${block} of ${size}`);
    }
    assert.equal(sourceBlock(62, 4), 248);
    assert.equal(sourceBlock(63, 4), 0, 'past the last whole block it starts again');
  });
});

describe('server cost', () => {
  test("write system calls and CPU come from the process's /proc counters", () => {
    const meter = serverMeter(process.pid);
    const dir = mkdtempSync(join(tmpdir(), 'capstan-bench-io-'));
    try {
      const fd = openSync(join(dir, 'f'), 'w');
      for (let i = 0; i < 50; i++) writeSync(fd, 'x');
      closeSync(fd);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const cost = meter();
    assert.ok(cost.writes !== undefined && cost.writes >= 50, `writes: ${cost.writes}`);
    assert.ok(cost.userSec >= 0 && cost.sysSec >= 0);
    assert.ok(cost.processes >= 1);
    assert.equal(serverMeter(undefined)().writes, undefined);
  });
});

describe('signals', () => {
  test('SIGTERM stops the harness with exit code 143 and says so', async () => {
    // A tiny run of one baseline server: the signal lands while it is under way, before any result is written.
    const bench = spawn(process.execPath, ['--import', 'tsx', join(root, 'bench/run.ts'), 'sse-fanout', '--targets=raw-sse', '--subscribers=10', '--clients=1', '--max-seconds=0.5', '--fixed-seconds=0.5'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    bench.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    bench.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      if (chunk.includes('starting on')) bench.kill('SIGTERM');
    });
    const [code, signal] = (await once(bench, 'exit')) as [number | null, NodeJS.Signals | null];
    assert.deepEqual([code, signal], [143, null], stderr);
    assert.match(stderr, /^bench: stopped by SIGTERM/m);
  });
});

describe('a harness killed outright (kill -9)', () => {
  /** Processes of group `pgid` that still run (a zombie has ended, its parent just has not reaped it). */
  const running = (pgid: number) =>
    readdirSync('/proc').filter((entry) => {
      if (!/^\d+$/.test(entry)) return false;
      try {
        const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
        const [state, , group] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        return Number(group) === pgid && state !== 'Z';
      } catch {
        return false;
      }
    });

  test('its servers end with it, and the next run removes its temporary directories, not those of a live run', async () => {
    const harness = spawn(process.execPath, ['--import', 'tsx', join(root, 'test/bench/fixtures/killed-harness.ts')], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
    const [line] = (await once(harness.stdout.setEncoding('utf8'), 'data')) as [string];
    const [pgid, dir] = line.trim().split(' ') as [string, string];
    assert.ok(running(Number(pgid)).length > 0, 'the child runs');
    const live = tempDir('capstan-bench-live-');
    try {
      harness.kill('SIGKILL');
      await once(harness, 'exit');
      // A bound, not a timing: the watchdog sends SIGTERM at once, SIGKILL 5 s later.
      for (let i = 0; i < 150 && running(Number(pgid)).length > 0; i++) await new Promise((r) => setTimeout(r, 100));
      assert.deepEqual(running(Number(pgid)), [], "the child outlived the harness");
      const removed = removeOrphanedTempDirs(dirname(dir));
      assert.ok(removed.includes(dir) && !existsSync(dir), `${dir} is removed`);
      assert.ok(existsSync(live.path) && !removed.includes(live.path), 'a live run keeps its directory');
    } finally {
      live.remove();
    }
  });

  test('the media fixtures make their directory on first use, not on import (the harness imports them)', async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'capstan-bench-tmpdir-'));
    try {
      const code = `await import(${JSON.stringify(join(root, 'test/fixtures/media.ts'))}); const { readdirSync } = await import('node:fs'); process.stdout.write(readdirSync(${JSON.stringify(tmp)}).join(' '));`;
      const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { cwd: root, env: { ...process.env, TMPDIR: tmp }, stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
      const [status] = (await once(child, 'exit')) as [number | null];
      assert.equal(status, 0);
      assert.doesNotMatch(out, /capstan-media-/);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});

describe('waiting for a server', () => {
  test('an answer counts only while the process the harness started still runs', async () => {
    const server = createServer((_req, res) => res.end('ok'));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    try {
      let checks = 0;
      // Running when asked first, gone by the time the answer came: the answer was someone else's.
      await assert.rejects(waitForHttp(`http://127.0.0.1:${port}/healthz`, 5_000, () => ++checks === 1), /did not answer/);
      await waitForHttp(`http://127.0.0.1:${port}/healthz`, 5_000, () => true);
    } finally {
      server.close();
    }
  });
});
