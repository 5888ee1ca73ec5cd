#!/usr/bin/env node
// Runs the whole suite with node's test runner (TypeScript through tsx). Arguments narrow it to
// files whose path contains one of them: `npm test -- realtime admin`. First it makes sure what the
// suite needs beyond npm is there: Debian's Chromium for the page tests, iproute2 for the
// network-namespace test, pocketsphinx and espeak-ng for the transcription tests, installed when missing.
import { existsSync, readdirSync, statSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

const CHROMIUM = '/usr/bin/chromium';
// By path: /usr/sbin is often not on a non-root PATH.
const hasIp = () => ['/usr/sbin/ip', '/sbin/ip', '/usr/bin/ip', '/bin/ip'].some((p) => existsSync(p));
const SPEECH = ['/usr/bin/pocketsphinx_continuous', '/usr/share/pocketsphinx/model/en-us/en-us.lm.bin', '/usr/bin/espeak-ng'];
const hasSpeech = () => SPEECH.every((p) => existsSync(p));

function ensureSystemDeps() {
  if (existsSync(CHROMIUM) && hasIp() && hasSpeech()) return;
  if (process.getuid?.() !== 0) {
    console.error(`npm test: ${CHROMIUM}, the ip command, pocketsphinx or espeak-ng is missing and installing them needs root. Run \`sudo bash scripts/install-system-deps.sh\` (Debian: apt-get install chromium iproute2 pocketsphinx pocketsphinx-en-us espeak-ng), then npm test again.`);
    process.exit(1);
  }
  console.error('npm test: Chromium, iproute2, pocketsphinx or espeak-ng is missing; installing the Debian packages the suite needs (scripts/install-system-deps.sh)…');
  const res = spawnSync('bash', ['scripts/install-system-deps.sh'], { stdio: 'inherit' });
  if (res.status !== 0 || !existsSync(CHROMIUM) || !hasIp() || !hasSpeech()) {
    console.error('npm test: installing Chromium, iproute2, pocketsphinx or espeak-ng failed; see the apt-get output above.');
    process.exit(1);
  }
}

function walk(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path) : path.endsWith('.test.ts') ? [path] : [];
  });
}

const filters = process.argv.slice(2);
const files = walk('test').filter((f) => filters.length === 0 || filters.some((x) => f.includes(x))).sort();
if (files.length === 0) {
  console.error('no test files matched');
  process.exit(1);
}
ensureSystemDeps();

// The client SDK's tests load its built package, as its users do: build it first (a type error in the
// SDK, or a server shape it no longer matches, fails here).
const built = spawnSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'packages/client/tsconfig.json'], { stdio: 'inherit' });
if (built.status !== 0) {
  console.error('npm test: building packages/client failed');
  process.exit(1);
}

// The CLI's tests start the server as users do, from its build (test/helpers/cli.ts), when that build
// is current: build it (incrementally), then mark it current, since an up-to-date build writes nothing.
const serverBuilt = spawnSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.json'], { stdio: 'inherit' });
if (serverBuilt.status !== 0) {
  console.error('npm test: building the server (tsc -p tsconfig.json) failed');
  process.exit(1);
}
const now = new Date();
utimesSync('dist/.tsbuildinfo', now, now);

// The console's tests drive its built app as /console serves it: build it too.
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const consoleBuilt = spawnSync(npm, ['run', 'build', '-w', '@capstan/console'], { stdio: 'inherit' });
if (consoleBuilt.status !== 0) {
  console.error('npm test: building packages/console failed');
  process.exit(1);
}

// The runner's timeout bounds each file as well as each test, so the long files — the chaos suite's
// short profile (about two minutes of node kills and restarts, its own bound six), the files that
// drive one Chromium through many pages (the SDK on another origin, the rendered reference, the
// operator console) and the benchmark scenarios' tiny end-to-end runs (they start the harness many
// times: over a minute on a quiet machine, past two on a busy one) — run afterwards with a bound to
// match; every other test keeps the two-minute one that catches a hang early.
const LONG_FILES = [join('test', 'bench', 'scenarios.test.ts'), join('test', 'client', 'browser.test.ts'), join('test', 'http', 'docs-page.test.ts'), join('test', 'console', 'console-e2e.test.ts'), join('test', 'console', 'console-guard.test.ts')];
const LONG_RUNNING = (f) => f.startsWith(join('test', 'chaos')) || LONG_FILES.includes(f);
const runFiles = (list, timeoutMs) =>
  list.length === 0
    ? 0
    : (spawnSync(
        process.execPath,
        ['--import', 'tsx', '--test', '--test-concurrency=2', `--test-timeout=${timeoutMs}`, '--test-reporter=spec', ...list],
        { stdio: 'inherit', env: { ...process.env, NODE_ENV: 'test' } },
      ).status ?? 1);
const regular = runFiles(files.filter((f) => !LONG_RUNNING(f)), 120_000);
const long = runFiles(files.filter(LONG_RUNNING), 400_000);
process.exit(regular || long);
