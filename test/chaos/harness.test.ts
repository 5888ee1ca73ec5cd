// The chaos harness's own pieces, without servers: the seeded PRNG and fault plan (reproducible runs),
// the resume cursor it makes up, the sequence checks, terminal-event detection, the options, and the
// results section of docs/reliability.md.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { dataTerminal, namedTerminal } from '../../chaos/clients/sse-subscriber.js';
import { FAULT_KINDS, planFaults } from '../../chaos/faults.js';
import { Checks, firstOutOfOrder, repeated } from '../../chaos/invariants.js';
import { cursorAt } from '../../chaos/lib/cursor.js';
import { Prng } from '../../chaos/lib/prng.js';
import { parseOptions, PROFILES, UsageError } from '../../chaos/options.js';
import { markdownTable, passed, updateResultsSection, type ChaosReport } from '../../chaos/report.js';
import { isUuidV7, uuidv7Time } from '../../src/util/ids.js';

describe('seeded choices', () => {
  test('the same seed draws the same numbers; another seed or another fork draws others', () => {
    const draw = (p: Prng) => Array.from({ length: 20 }, () => p.int(0, 1_000_000));
    assert.deepEqual(draw(new Prng('seed-1')), draw(new Prng('seed-1')));
    assert.notDeepEqual(draw(new Prng('seed-1')), draw(new Prng('seed-2')));
    assert.notDeepEqual(draw(new Prng('seed-1').fork('hub')), draw(new Prng('seed-1').fork('documents')));
    const p = new Prng('range');
    for (let i = 0; i < 1000; i++) {
      const n = p.int(3, 7);
      assert.ok(n >= 3 && n <= 7 && Number.isInteger(n));
    }
  });

  test('a fault plan hits node, Redis and PostgreSQL in every round of three', () => {
    for (const seed of ['a', 'b', 'c', 'd']) {
      const plan = planFaults(FAULT_KINDS, 9, new Prng(seed));
      assert.equal(plan.length, 9);
      for (let round = 0; round < 3; round++) {
        const groups = new Set(plan.slice(round * 3, round * 3 + 3).map((k) => k.split('-')[0]));
        assert.deepEqual([...groups].sort(), ['node', 'pg', 'redis']);
      }
      assert.deepEqual(planFaults(FAULT_KINDS, 9, new Prng(seed)), plan);
    }
    assert.deepEqual(planFaults(['redis-kill'], 3, new Prng('x')), ['redis-kill', 'redis-kill', 'redis-kill']);
  });
});

test('a made-up cursor is a UUIDv7 of that millisecond, below every id minted in it', () => {
  const at = Date.UTC(2026, 11, 1, 12, 0, 0, 123);
  const cursor = cursorAt(at);
  assert.ok(isUuidV7(cursor), cursor);
  assert.equal(uuidv7Time(cursor), at);
  assert.ok(cursor < `${cursor.slice(0, 14)}7000-8000-000000000001`);
});

describe('sequence checks', () => {
  test('out-of-order and repeated ids are found; a clean sequence passes', () => {
    assert.equal(firstOutOfOrder(['a', 'b', 'c']), undefined);
    assert.deepEqual(firstOutOfOrder(['a', 'c', 'b']), { index: 2, previous: 'c', next: 'b' });
    assert.deepEqual(firstOutOfOrder(['a', 'a']), { index: 1, previous: 'a', next: 'a' });
    assert.deepEqual([...repeated(['x', 'y', 'x', 'x', 'z'])], [['x', 3]]);
  });

  test('checks count every expectation and keep only the failed ones, with their detail', () => {
    const checks = new Checks('hub', 2, 'redis-kill');
    assert.equal(checks.expect('hub.order', true, () => 'never computed'), true);
    assert.equal(checks.expect('hub.delivered', false, () => 'subscriber-1 is missing n=3'), false);
    assert.equal(checks.checksRun, 2);
    assert.deepEqual(checks.violations, [{ scenario: 'hub', iteration: 2, fault: 'redis-kill', invariant: 'hub.delivered', detail: 'subscriber-1 is missing n=3' }]);
  });
});

test('terminal events are told apart from ordinary ones on both stream styles', () => {
  assert.deepEqual(namedTerminal({ event: 'stream.unauthorized', data: '{"reason":"access_revoked"}' }), { type: 'stream.unauthorized', data: { reason: 'access_revoked' } });
  assert.equal(namedTerminal({ event: 'stream.subscribed', data: '{}' }), undefined, 'stream.subscribed is not terminal');
  assert.equal(namedTerminal({ id: '01a2325a-8d88-7053-8fd4-4d7c9f9bde4f', event: 'test.ping', data: '{"n":1}' }), undefined);
  assert.deepEqual(dataTerminal({ data: '{"type":"stream.expired","reason":"token_expired"}' }), { type: 'stream.expired', data: { type: 'stream.expired', reason: 'token_expired' } });
  assert.equal(dataTerminal({ id: '01a2325a-8d88-7053-8fd4-4d7c9f9bde4f', data: '{"document_id":"doc_1","status":"completed"}' }), undefined);
});

describe('options', () => {
  const report = (profile: string) => `/tmp/${profile}.json`;

  test('the long profile is the default; flags take both spellings and lists', () => {
    const o = parseOptions(['--scenario', 'hub,access', '--seed=42', '--fault', 'node-kill', '--fault=pg-crash'], report);
    assert.ok(o !== 'help');
    assert.equal(o.profile, PROFILES.long);
    assert.deepEqual(o.scenarios, ['hub', 'access']);
    assert.deepEqual(o.faults, ['node-kill', 'pg-crash']);
    assert.equal(o.seed, '42');
    assert.equal(o.reportPath, '/tmp/long.json');
    const short = parseOptions(['--profile', 'short', '--iterations', '2', '--write-docs'], report);
    assert.ok(short !== 'help');
    assert.equal(short.profile.name, 'short');
    assert.equal(short.iterations, 2);
    assert.equal(short.writeDocs, true);
    assert.deepEqual(short.faults, [...FAULT_KINDS]);
    assert.equal(parseOptions(['--help'], report), 'help');
  });

  test('unknown names and bad numbers are usage errors', () => {
    for (const argv of [['--scenario', 'nope'], ['--fault', 'disk-full'], ['--profile', 'medium'], ['--iterations', '0'], ['--bogus', '1'], ['--seed'], ['stray']]) {
      assert.throws(() => parseOptions(argv, report), UsageError, argv.join(' '));
    }
  });

  test("bench's checks: no empty value, no repeat, no value to a switch, decimals only, a real revision", () => {
    const cases: readonly (readonly [readonly string[], string])[] = [
      [['--bogus'], 'unknown option --bogus'],
      [['--iterations=0x10'], '--iterations=0x10: must be a whole number from 1 to 1000'],
      [['--iterations', '--seed=1'], '--iterations needs a value (--iterations=N)'],
      [['--profile', 'short', '--profile', 'long'], '--profile given twice; give it once'],
      [['--scenario='], '--scenario= names nothing'],
      [['--fault='], '--fault= names nothing'],
      [['--scenario', 'hub', '--scenario=hub'], '--scenario=hub,hub: hub is given twice'],
      [['--seed='], '--seed= is empty'],
      [['--report='], '--report= is empty'],
      [['--write-docs=no'], '--write-docs=no: takes no value (write --write-docs alone)'],
      [['--capstan-rev=no-such-revision'], '--capstan-rev=no-such-revision: not a commit of this repository'],
      [['--capstan-rev='], '--capstan-rev=: not a commit of this repository'],
    ];
    for (const [argv, message] of cases) {
      assert.throws(() => parseOptions(argv, report), (e: unknown) => e instanceof UsageError && e.message.startsWith(message), argv.join(' '));
    }
    const o = parseOptions(['--capstan-rev=HEAD', '--scenario=video', '--scenario', 'hub'], report);
    assert.ok(o !== 'help');
    assert.equal(o.capstanRev, 'HEAD');
    assert.deepEqual(o.scenarios, ['hub', 'video']);
  });
});

describe('npm run chaos', () => {
  const chaos = (args: readonly string[]) => spawn(process.execPath, ['--import', 'tsx', 'chaos/run.ts', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const ended = (child: ChildProcess) => new Promise<[number | null, NodeJS.Signals | null]>((done) => child.once('exit', (code, signal) => done([code, signal])));

  test('a usage error is one line and the usage, exit 2, no stack', async () => {
    const child = chaos(['--capstan-rev=no-such-revision']);
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    assert.deepEqual(await ended(child), [2, null]);
    assert.match(stderr, /^chaos: --capstan-rev=no-such-revision: not a commit of this repository.*\nusage: npm run chaos .*\n$/);
  });

  test('SIGTERM stops the run with exit code 143 and says so, writing no report', { timeout: 60_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'capstan-chaos-stop-'));
    try {
      const path = join(dir, 'short.json');
      const child = chaos(['--profile', 'short', '--scenario', 'hub', '--iterations', '1', '--report', path]);
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      child.stdout.on('data', (chunk: Buffer) => {
        if (chunk.toString().includes('[env')) child.kill('SIGTERM');
      });
      assert.deepEqual(await ended(child), [143, null], stderr);
      assert.match(stderr, /^chaos: stopped by SIGTERM/m);
      assert.ok(!existsSync(path), 'no report');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

test('the results section of docs/reliability.md is replaced between its markers, nothing else', () => {
  const report: ChaosReport = {
    command: 'npm run chaos -- --seed 7',
    seed: '7',
    profile: 'long',
    revision: 'abc1234',
    startedAt: '2026-12-01T12:00:00.000Z',
    durationMs: 600_000,
    machine: { cores: 2, node: 'v20' },
    environment: { postgres: 'pg', postgresMode: 'private cluster', redis: 'redis', s3: 's3', nodes: 3, settings: {} },
    scenarios: [{
      name: 'hub',
      title: 'hub',
      iterations: [{
        iteration: 1, fault: 'node-kill', injected: [{ kind: 'node-kill', target: 'node-2', error: undefined, atMs: 10, recoveredAfterMs: 900 }],
        durationMs: 5000, checks: 12, violations: [{ scenario: 'hub', iteration: 1, fault: 'node-kill', invariant: 'hub.delivered', detail: 'missing' }], error: undefined, stats: {},
      }],
    }],
    unexpectedExits: [],
    nodeProblems: [],
    stoppedEarly: undefined,
  };
  assert.equal(passed(report), false);
  const table = markdownTable(report);
  assert.match(table, /\| hub \| 1 \| node-kill ×1 \| 12 \| 1 \| hub\.delivered ×1 \|/);
  const dir = mkdtempSync(join(tmpdir(), 'chaos-docs-'));
  try {
    const path = join(dir, 'reliability.md');
    writeFileSync(path, 'before\n<!-- chaos:results:start -->\nold table\n<!-- chaos:results:end -->\nafter\n');
    updateResultsSection(path, report);
    const text = readFileSync(path, 'utf8');
    assert.ok(text.startsWith('before\n<!-- chaos:results:start -->\nRun: `npm run chaos -- --seed 7`'));
    assert.ok(text.endsWith('\n<!-- chaos:results:end -->\nafter\n'));
    assert.ok(!text.includes('old table'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
