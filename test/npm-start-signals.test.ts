// `npm start` as a supervisor runs it: npm is the process it signals. npm passes SIGTERM on to its
// script's shell, which does not pass it on, so the start script must end in `exec` for the server
// itself to get the signal, drain and exit, rather than live on (re-parented) holding its port.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';

const dir = mkdtempSync(join(tmpdir(), 'capstan-npm-start-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('SIGTERM to `npm start` reaches the server', { timeout: 60_000 }, async () => {
  const scripts = (JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> }).scripts;
  const start = scripts.start ?? '';
  assert.match(start, /^npm run build && .*node dist\/cli\/main\.js serve$/, 'the start script builds, then serves');
  // The same script with the build done and a stand-in server that records the signal it gets.
  const server = join(dir, 'server.cjs');
  writeFileSync(server, `require('fs').writeFileSync('started', String(process.pid));
process.on('SIGTERM', () => { require('fs').writeFileSync('stopped', 'SIGTERM'); process.exit(0); });
setInterval(() => undefined, 1000);`);
  const script = start.replace('npm run build', 'true').replace('dist/cli/main.js serve', JSON.stringify(server));
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'start-check', private: true, scripts: { start: script } }));
  const npm = spawn('npm', ['start', '--silent'], { cwd: dir, stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => npm.once('exit', () => resolve()));
  try {
    while (!existsSync(join(dir, 'started'))) await new Promise((r) => setTimeout(r, 50));
    npm.kill('SIGTERM');
    await exited;
    const deadline = Date.now() + 10_000;
    while (!existsSync(join(dir, 'stopped')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.ok(existsSync(join(dir, 'stopped')), 'the server got SIGTERM');
  } finally {
    npm.kill('SIGKILL');
    if (existsSync(join(dir, 'started'))) {
      const pid = Number(readFileSync(join(dir, 'started'), 'utf8'));
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Gone already.
      }
    }
  }
});
