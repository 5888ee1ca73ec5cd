// The profile summary reads one phase of a whole run's profile: --from/--to keep a window of samples,
// --timeline shows where the thread was busy, and a window that is not one is refused.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { REPO_ROOT } from '../helpers/cli.js';

const frame = (functionName: string, url = '') => ({ functionName, scriptId: '0', url, lineNumber: 0, columnNumber: 0 });

/**
 * Two seconds sampled every 250 ms: `first` runs through the first second, `(idle)` and `second`
 * take turns through the next.
 */
const PROFILE = {
  nodes: [
    { id: 1, callFrame: frame('(root)'), children: [2, 3, 4] },
    { id: 2, callFrame: frame('first', 'file:///app/dist/a.js') },
    { id: 3, callFrame: frame('second', 'file:///app/dist/b.js') },
    { id: 4, callFrame: frame('(idle)') },
  ],
  samples: [2, 2, 2, 2, 3, 4, 3, 4],
  timeDeltas: [250_000, 250_000, 250_000, 250_000, 250_000, 250_000, 250_000, 250_000],
  startTime: 0,
  endTime: 2_000_000,
};

describe('profile-summary', () => {
  let dir = '';
  let file = '';
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'capstan-profile-summary-'));
    file = join(dir, 'run.cpuprofile');
    writeFileSync(file, JSON.stringify(PROFILE));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const summary = (...args: string[]) =>
    spawnSync(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'bench/tools/profile-summary.ts'), file, ...args], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 60_000 });

  test('--from and --to keep the samples of one window, and say which', () => {
    const whole = summary();
    assert.equal(whole.status, 0, whole.stderr);
    assert.match(whole.stdout, /: 2000 ms sampled over 2\.0 s/);
    assert.match(whole.stdout, /50\.0 %\s+1000 ms\s+first/);

    const late = summary('--from=1.1', '--to=2.1');
    assert.equal(late.status, 0, late.stderr);
    assert.match(late.stdout, / from 1\.1 s to 2\.1 s: 1000 ms sampled/);
    assert.doesNotMatch(late.stdout, /first/);
    assert.match(late.stdout, /50\.0 %\s+500 ms\s+second/);
    assert.match(late.stdout, /50\.0 %\s+500 ms\s+\(idle\)/);
  });

  test('--timeline gives the busy share of each quarter second', () => {
    const run = summary('--timeline');
    assert.equal(run.status, 0, run.stderr);
    // A sample taken at 0.25 s counts in the quarter second that starts there.
    assert.match(run.stdout, /busy % per quarter second/);
    assert.match(run.stdout, /0\.25:100 0\.50:100 0\.75:100 1\.00:100 1\.25:100 1\.50:0 1\.75:100 2\.00:0/);
  });

  test('--timeline keeps to the --from/--to window', () => {
    const run = summary('--timeline', '--from=1.1', '--to=1.6');
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /\n1\.25:100 1\.50:0\n/);
  });

  test('a missing or broken file, an unknown option or a bad top is refused with one line and exit 2', () => {
    const broken = join(dir, 'broken.cpuprofile');
    writeFileSync(broken, '{"nodes":');
    for (const [args, message] of [
      [[join(dir, 'none.cpuprofile')], /^profile-summary: cannot read .*none\.cpuprofile: no such file\nusage: /],
      [[broken], /^profile-summary: cannot read .*broken\.cpuprofile: not JSON\nusage: /],
      [[file, '--bogus'], /^profile-summary: unknown option --bogus\n/],
      [[file, '--timeline=yes'], /^profile-summary: unknown option --timeline=yes\n/],
      [[file, 'ten'], /^profile-summary: top is a positive whole number, not "ten"\n/],
    ] as const) {
      const run = spawnSync(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'bench/tools/profile-summary.ts'), ...args], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 60_000 });
      assert.equal(run.status, 2, `${args.join(' ')}: ${run.stderr}`);
      assert.match(run.stderr, message);
      assert.equal(run.stdout, '');
    }
  });

  test('a window that is not one is refused with exit 2 and a message', () => {
    for (const [args, message] of [
      [['--from=abc'], /--from takes seconds into the profile \(a number ≥ 0\), not "abc"/],
      [['--to=-1'], /--to takes seconds into the profile/],
      [['--from='], /--from takes seconds into the profile/],
      [['--from=2', '--to=1'], /--to must come after --from/],
    ] as const) {
      const run = summary(...args);
      assert.equal(run.status, 2, `${args.join(' ')}: ${run.stdout}`);
      assert.match(run.stderr, message);
      assert.equal(run.stdout, '');
    }
  });
});
