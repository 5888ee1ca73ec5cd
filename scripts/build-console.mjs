#!/usr/bin/env node
// Builds the operator console (the @capstan/console workspace, a Vite app) into packages/console/dist,
// where the server serves it at /console. A checkout without packages/console builds the server only.
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';

if (!existsSync('packages/console/package.json')) {
  console.error('build: packages/console is not here; the server is built without the console (/console answers 503)');
  process.exit(0);
}
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const res = spawnSync(npm, ['run', 'build', '-w', '@capstan/console', '--if-present'], { stdio: 'inherit' });
if (res.status !== 0) console.error('build: building packages/console failed');
process.exit(res.status ?? 1);
