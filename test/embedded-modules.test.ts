// What an embedded server (SQLite, local disk: the default) loads: none of the scaled mode's drivers.
// The AWS SDK alone was a quarter of the server's import time; PostgreSQL's and Redis's drivers are
// loaded where a connection to them is made.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { REPO_ROOT } from './helpers/cli.js';
import { tempDir } from './helpers/server.js';

const SCALED_ONLY = ['/node_modules/@aws-sdk/', '/node_modules/pg/', '/node_modules/ioredis/', '/src/blobs/s3.ts'];

test('an embedded server loads neither the AWS SDK nor the PostgreSQL and Redis drivers', async () => {
  // A child process records every module it resolves through import (a resolve hook) and every
  // module it requires (the CommonJS cache), then starts a whole server on a fresh data directory.
  const dir = tempDir();
  const seen = join(dir, 'resolved.txt');
  const hook = `import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  const found = await next(specifier, context);
  appendFileSync(${JSON.stringify(seen)}, found.url + '\\n');
  return found;
}`;
  const script = `import { createRequire, register } from 'node:module';
register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(hook)}));
const { loadConfig } = await import('./src/config/index.ts');
const { createServer } = await import('./src/server/index.ts');
const server = await createServer(loadConfig({ env: { CAPSTAN_DATA_DIR: ${JSON.stringify(join(dir, 'data'))}, PORT: '0', CAPSTAN_HOST: '127.0.0.1', CAPSTAN_LOG_LEVEL: 'silent' } }));
await server.listen();
await server.close();
console.log(JSON.stringify(Object.keys(createRequire(process.cwd() + '/').cache)));`;
  const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 60_000 });
  const resolved = existsSync(seen) ? readFileSync(seen, 'utf8').split('\n') : [];
  rmSync(dir, { recursive: true, force: true });
  assert.equal(run.status, 0, run.stderr);
  const required = JSON.parse(run.stdout.trim().split('\n').at(-1) ?? '[]') as string[];
  assert.ok(resolved.some((url) => url.includes('/src/blobs/local-disk.ts')), 'the hook saw the server load');
  assert.ok(required.some((path) => path.includes('/node_modules/fastify/')), 'the cache holds what was required');
  const loaded = [...resolved, ...required].filter((where) => SCALED_ONLY.some((part) => where.includes(part)));
  assert.deepEqual([...new Set(loaded)], []);
});
