// Every scenario's options, read through its spec before anything starts: the readers themselves,
// and `npm run bench` refusing a typo or a value out of range with exit code 2, one line and no stack.
// The refusals are read in process; a few go through the harness itself, which takes seconds to start,
// for its exit code and output.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { readCommandLine, reproduceCommand } from '../../bench/lib/command-line.js';
import { BenchOptionError, dependent, flag, num, nums, readOptions, refuseUnknownOptions, revision, whole, type OptionSpecs } from '../../bench/lib/options.js';

import { SCENARIOS } from '../../bench/scenarios/index.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

describe('option readers', () => {
  const read = <S extends OptionSpecs>(spec: S, options: Record<string, string>) => readOptions(spec, new Map(Object.entries(options)));
  const usage = (message: RegExp) => (e: unknown) => e instanceof BenchOptionError && message.test(e.message);

  test('defaults when absent, values when given, each within its rule', () => {
    const spec = { count: whole(3, 1, 10), ratio: num(0.5, { min: 0, max: 1 }), sizes: nums([1, 2], { integer: true, min: 1, max: 9 }), on: flag(), rev: revision() } satisfies OptionSpecs;
    assert.deepEqual(read(spec, {}), { count: 3, ratio: 0.5, sizes: [1, 2], on: false, rev: undefined });
    assert.deepEqual(read(spec, { count: '10', ratio: '0', sizes: '9, 4', on: 'true', rev: 'HEAD' }), { count: 10, ratio: 0, sizes: [9, 4], on: true, rev: 'HEAD' });
    assert.throws(() => read(spec, { count: '11' }), usage(/^--count=11: must be a whole number from 1 to 10$/));
    assert.throws(() => read(spec, { ratio: 'NaN' }), usage(/^--ratio=NaN: must be a number from 0 to 1$/));
    assert.throws(() => read(spec, { sizes: '' }), usage(/^--sizes=: must be a comma-separated list/));
    assert.throws(() => read(spec, { on: 'false' }), usage(/^--on=false: takes no value \(write --on alone\)$/));
    assert.throws(() => read(spec, { rev: 'HEAD~100000' }), usage(/^--rev=HEAD~100000: not a commit of this repository/));
  });

  test('a reader may depend on the options read before it', () => {
    const spec = { clients: whole(4, 1, 64), sources: dependent((before) => whole(1, 1, Math.floor(253 / (before.clients as number)))) } satisfies OptionSpecs;
    assert.equal(read(spec, { clients: '2', sources: '126' }).sources, 126);
    assert.throws(() => read(spec, { clients: '64', sources: '4' }), usage(/^--sources=4: must be a whole number from 1 to 3$/));
  });

  test('a key no selected scenario declares is refused, naming what each takes', () => {
    const specs: { name: string; options: OptionSpecs }[] = [{ name: 'a', options: { x: num(1) } }, { name: 'b', options: {} }];
    refuseUnknownOptions(new Map([['x', '2'], ['help', 'true']]), specs, ['help']);
    assert.throws(() => refuseUnknownOptions(new Map([['y', '1'], ['z', '1']]), specs, ['help']), usage(/^unknown options --y, --z: a takes --x; b takes no options$/));
  });
});

describe('every scenario refuses bad options before it starts', () => {
  test('the command line is refused whole, with the message, before any scenario starts', () => {
    const cases: readonly (readonly [readonly string[], string])[] = [
      // Every scenario reads its options through a spec: a typo or a value out of range is refused.
      [['rest', '--conections=8'], 'bench: unknown option --conections: rest takes --connections, --seconds, --warmup, --docs, --profile, --capstan-rev'],
      [['rest', '--connections=abc'], 'bench: --connections=abc: must be a whole number from 1 to 1024'],
      [['rest', '--connections=0'], 'bench: --connections=0: must be a whole number from 1 to 1024'],
      [['rest', '--seconds=-1'], 'bench: --seconds=-1: must be a number from 0.5 to 600'],
      [['rest', '--docs=1e9'], 'bench: --docs=1e9: must be a whole number from 1 to 500'],
      [['rest', '--warmup=61'], 'bench: --warmup=61: must be a number from 0 to 60'],
      [['rest', '--warmup=soon'], 'bench: --warmup=soon: must be a number from 0 to 60'],
      [['rest', '--profile=no'], 'bench: --profile=no: takes no value'],
      [['rest', '--capstan-rev=no-such-revision'], 'bench: --capstan-rev=no-such-revision: not a commit of this repository'],
      [['rest', '--capstan-rev=--all'], 'bench: --capstan-rev=--all: not a commit of this repository'],
      [['video-upload', '--rounds=0'], 'bench: --rounds=0: must be a whole number from 1 to 20'],
      [['video-upload', '--part-mib=1'], 'bench: --part-mib=1: must be a whole number from 5 to 256 (every part but the last is at least 5 MiB, as on S3, and none is more than --mib=256)'],
      [['video-upload', '--mib=64', '--part-mib=128'], 'bench: --part-mib=128: must be a whole number from 5 to 64'],
      [['video-upload', '--mib=4'], 'bench: --mib=4: must be a whole number from 5 to 4096'],
      [['documents', '--text-docs=-3'], 'bench: --text-docs=-3: must be a whole number from 1 to 1000'],
      [['documents', '--rest-warmup=-1'], 'bench: --rest-warmup=-1: must be a number from 0 to 60'],
      [['idle', '--connections=-5'], 'bench: --connections=-5: must be an even number from 2 to '],
      // Half SSE, half WebSocket: the count and the processes split in two.
      [['idle', '--connections=1001'], 'bench: --connections=1001: must be an even number from 2 to '],
      [['idle', '--clients=3'], 'bench: --clients=3: must be an even number from 2 to 64'],
      [['idle', '--clients=2', '--connections=100000'], 'bench: --connections=100000: must be an even number from 2 to '],
      [['idle', '--kinds=tcp'], 'bench: --kinds: unknown name tcp; known: sse, ws'],
      [['documents-accuracy', '--rows=text-pdf,nope'], 'bench: --rows: unknown name nope; known: text-pdf'],
      [['organizer-accuracy', '--compare-rev='], 'bench: --compare-rev=: not a commit of this repository'],
      [['transcription', '--minutes=0'], 'bench: --minutes=0: must be a positive number up to 30'],
      [['sse-fanout', '--subscribers=10', '--subscribers=20'], 'bench: --subscribers given twice (--subscribers=10 and --subscribers=20); give it once'],
      [['soak', '--profile', '--profile'], 'bench: --profile given twice (--profile and --profile); give it once'],
      [['sse-fanout', '--subscribers=100,,1000'], 'bench: --subscribers=100,,1000: must be a comma-separated list, each a whole number from 1 to '],
      // Each entry of a list is a run of its own: none twice.
      [['sse-fanout', '--subscribers=20,20'], 'bench: --subscribers=20,20: 20 is given twice; give each value once'],
      [['sse-fanout', '--subscribers=100', '--fixed-deliveries=500,1e3,500.0'], 'bench: --fixed-deliveries=500,1e3,500.0: 500 is given twice; give each value once'],
      [['resume-storm', '--clients-total=1000000'], 'bench: --clients-total=1000000: must be a whole number from 1 to '],
      [['sse-fanout', '--subscribers=300', '--fixed-deliveries=100'], 'bench: --fixed-deliveries=100: must be a number from 300 to 1000000000 (one event a second to each of 300 subscribers'],
      [['rest', '--connections=8,16,8'], 'bench: --connections=8,16,8: 8 is given twice'],
      [['sse-fanout', '--targets=capstan,capstan'], 'bench: --targets=capstan,capstan: capstan is given twice; give each name once'],
      [['idle', '--kinds=sse,ws,sse'], 'bench: --kinds=sse,ws,sse: sse is given twice'],
      [['documents-accuracy', '--rows=text-pdf,text-pdf'], 'bench: --rows=text-pdf,text-pdf: text-pdf is given twice'],
      // A bare key is a value left out, not the value "true"; a value after a space is not a scenario.
      [['sse-fanout', '--subscribers'], 'bench: --subscribers needs a value (--subscribers=N)'],
      [['sse-fanout', '--targets'], 'bench: --targets needs a value (--targets=NAME,…; known: capstan, capstan-ws, '],
      [['rest', '--capstan-rev'], 'bench: --capstan-rev needs a value (--capstan-rev=<git rev>)'],
      [['video-upload', '--part-mib'], 'bench: --part-mib needs a value (--part-mib=N)'],
      [['sse-fanout', '--subscribers', '100'], 'bench: unknown scenario 100: an option\'s value is written --subscribers=value (--subscribers=100), not after a space'],
      // With every scenario selected, an option none of them takes is still refused.
      [['--no-such-option=1'], 'bench: unknown option --no-such-option: sse-fanout takes'],
    ];
    for (const [args, message] of cases) {
      assert.throws(
        () => readCommandLine(args, SCENARIOS),
        (e: unknown) => e instanceof BenchOptionError && `bench: ${e.message}`.startsWith(message),
        args.join(' '),
      );
    }
  });

  test('npm run bench exits 2 with the message and the usage, no stack, and starts nothing', async () => {
    const bench = (args: readonly string[]) =>
      new Promise<{ status: number | null; stdout: string; stderr: string }>((done) => {
        execFile(process.execPath, ['--import', 'tsx', join(root, 'bench/run.ts'), ...args], { cwd: root, encoding: 'utf8', timeout: 60_000 }, (error, stdout, stderr) => {
          done({ status: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout, stderr });
        });
      });
    // One of each kind of refusal: an unknown scenario, an option out of range after a valid scenario,
    // an option none of them takes, a key given twice.
    const cases: readonly (readonly [readonly string[], string])[] = [
      [['no-such-scenario'], 'bench: unknown scenario no-such-scenario'],
      [['idle', 'sse-fanout', '--subscribers=0'], 'bench: --subscribers=0: must be a whole number from 1 to'],
      [['--no-such-option=1'], 'bench: unknown option --no-such-option: sse-fanout takes'],
      [['soak', '--profile', '--profile'], 'bench: --profile given twice (--profile and --profile); give it once'],
    ];
    const runs = await Promise.all(cases.map(([args]) => bench(args)));
    for (const [i, [args, message]] of cases.entries()) {
      const run = runs[i]!;
      assert.equal(run.status, 2, `${args.join(' ')}: ${run.stderr}`);
      assert.ok(run.stderr.startsWith(message), `${args.join(' ')}: ${run.stderr}`);
      assert.match(run.stderr, /\nusage: npm run bench /);
      assert.ok(!run.stderr.includes('    at '), 'no stack trace for a usage error');
      assert.equal(run.stdout, '', `${args.join(' ')} started something: ${run.stdout}`);
    }
  });
});

describe('each scenario records a command that runs it alone', () => {
  test("a run of several scenarios records, for each, only the options it takes, so its line runs as written", () => {
    for (const argv of [['rest', 'sse-fanout', '--docs=1', '--subscribers=10', '--profile'], ['--docs=1', '--subscribers=10', '--connections=8', '--minutes=1']]) {
      const { selected } = readCommandLine(argv, SCENARIOS);
      for (const scenario of selected) {
        const command = reproduceCommand(scenario, argv);
        const args = command.replace(/^npm run bench -- /, '').split(' ');
        assert.equal(args[0], scenario.name, command);
        assert.doesNotThrow(() => readCommandLine(args, SCENARIOS), command);
        for (const arg of args.slice(1)) assert.ok(argv.includes(arg), `${command}: ${arg} was not given`);
      }
    }
    const rest = SCENARIOS.find((s) => s.name === 'rest')!;
    assert.equal(reproduceCommand(rest, ['rest', 'sse-fanout', '--docs=1', '--subscribers=10', '--profile']), 'npm run bench -- rest --docs=1 --profile');
  });
});
