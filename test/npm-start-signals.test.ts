// `npm start` (and `npm run dev`) as a supervisor runs it: npm is the process it signals; `npm run bench`
// and `npm run chaos` as a person or a CI job runs them, stopped with Ctrl-C or SIGTERM to npm. npm passes SIGTERM on to its
// script's shell, which does not pass it on, so each such script must end in `exec` for the server
// (or harness) itself to get the signal, drain and exit, rather than live on (re-parented) holding its
// port, or measuring and writing results after it was told to stop.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';

const dir = mkdtempSync(join(tmpdir(), 'capstan-npm-start-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Runs `npm run <name>` in a package whose script is `script`, sends npm SIGTERM, and says whether the stand-in server got it. */
async function serverGetsSigterm(name: string, script: string): Promise<boolean> {
  const pkg = join(dir, name);
  mkdirSync(pkg);
  writeFileSync(join(pkg, 'package.json'), JSON.stringify({ name: `${name}-check`, private: true, scripts: { [name]: script } }));
  const npm = spawn('npm', ['run', name, '--silent'], { cwd: pkg, stdio: 'ignore', env: { ...process.env, PATH: `${join(process.cwd(), 'node_modules/.bin')}:${process.env.PATH ?? ''}` } });
  const exited = new Promise<void>((resolve) => npm.once('exit', () => resolve()));
  const started = join(pkg, 'started');
  const stopped = join(pkg, 'stopped');
  try {
    const startDeadline = Date.now() + 30_000;
    while (!existsSync(started) && Date.now() < startDeadline) await new Promise((r) => setTimeout(r, 50));
    assert.ok(existsSync(started), `npm run ${name} started the server`);
    npm.kill('SIGTERM');
    await exited;
    const deadline = Date.now() + 10_000;
    while (!existsSync(stopped) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    return existsSync(stopped);
  } finally {
    npm.kill('SIGKILL');
    if (existsSync(started)) {
      try {
        process.kill(Number(readFileSync(started, 'utf8')), 'SIGKILL');
      } catch {
        // Gone already.
      }
    }
  }
}

test('SIGTERM to `npm start` or `npm run dev` reaches the server', { timeout: 90_000 }, async () => {
  const scripts = (JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> }).scripts;
  const start = scripts.start ?? '';
  const dev = scripts.dev ?? '';
  assert.match(start, /^npm run build && .*node dist\/cli\/main\.js serve$/, 'the start script builds, then serves');
  assert.match(dev, /tsx src\/cli\/main\.ts serve$/, 'the dev script serves through tsx');
  // The same scripts with the build done and a stand-in server that records the signal it gets.
  const server = join(dir, 'server.cjs');
  writeFileSync(server, `require('fs').writeFileSync('started', String(process.pid));
process.on('SIGTERM', () => { require('fs').writeFileSync('stopped', 'SIGTERM'); process.exit(0); });
setInterval(() => undefined, 1000);`);
  assert.ok(await serverGetsSigterm('start', start.replace('npm run build', 'true').replace('dist/cli/main.js serve', JSON.stringify(server))), 'npm start: the server got SIGTERM');
  assert.ok(await serverGetsSigterm('dev', dev.replace('src/cli/main.ts serve', JSON.stringify(server))), 'npm run dev: the server got SIGTERM');
});

test('SIGTERM to `npm run bench` or `npm run chaos` reaches the harness', { timeout: 90_000 }, async () => {
  const scripts = (JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> }).scripts;
  const bench = scripts.bench ?? '';
  const chaos = scripts.chaos ?? '';
  assert.match(bench, /node --import tsx bench\/run\.ts$/, 'the bench script runs bench/run.ts');
  assert.match(chaos, /node --import tsx chaos\/run\.ts$/, 'the chaos script runs chaos/run.ts');
  // The same scripts with a stand-in harness that records the signal it gets (plain JavaScript: tsx
  // does not resolve from the scratch package).
  const harness = join(dir, 'harness.cjs');
  writeFileSync(harness, `require('fs').writeFileSync('started', String(process.pid));
process.on('SIGTERM', () => { require('fs').writeFileSync('stopped', 'SIGTERM'); process.exit(143); });
setInterval(() => undefined, 1000);`);
  assert.ok(await serverGetsSigterm('bench', bench.replace('--import tsx bench/run.ts', JSON.stringify(harness))), 'npm run bench: the harness got SIGTERM');
  assert.ok(await serverGetsSigterm('chaos', chaos.replace('--import tsx chaos/run.ts', JSON.stringify(harness))), 'npm run chaos: the harness got SIGTERM');
});
