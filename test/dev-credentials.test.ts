// The demo organization (a million micro-credits, a 7-day contact token) belongs to development: on by
// default only for the embedded mode outside production, and made once when several nodes start
// together on an empty database.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { describe, test } from 'node:test';
import { loadConfig } from '../src/config/index.js';
import { createServer } from '../src/server/index.js';
import { devCredentialsEnabled } from '../src/server/dev-credentials.js';
import { createTestDatabase } from './helpers/postgres.js';
import { tempDir } from './helpers/server.js';

describe('demo credentials', () => {
  test('default: on for the embedded mode in development, off in production and in scaled mode; an explicit value wins', () => {
    const config = (env: Record<string, string>) => loadConfig({ env });
    assert.equal(devCredentialsEnabled(config({}), 'development'), true);
    assert.equal(devCredentialsEnabled(config({}), undefined), true);
    assert.equal(devCredentialsEnabled(config({}), 'production'), false);
    assert.equal(devCredentialsEnabled(config({ CAPSTAN_REDIS_URL: 'redis://127.0.0.1:6379' }), 'development'), false);
    assert.equal(devCredentialsEnabled(config({ CAPSTAN_DATABASE_URL: 'postgres://db/capstan' }), 'development'), false);
    assert.equal(devCredentialsEnabled(config({ CAPSTAN_DATABASE_URL: 'postgres://db/capstan', CAPSTAN_DEV_CREDENTIALS: 'true' }), 'production'), true);
    assert.equal(devCredentialsEnabled(config({ CAPSTAN_DEV_CREDENTIALS: 'false' }), 'development'), false);
  });

  test('three nodes starting together on an empty database make one demo organization', async () => {
    const db = await createTestDatabase();
    const dirs = [tempDir(), tempDir(), tempDir()];
    // Migrations first (the first node of a deploy), then the three starts race.
    const first = await createServer(loadConfig({ env: {}, overrides: { databaseUrl: db.url, dataDir: tempDir(), logLevel: 'silent', devCredentials: false } }));
    await first.close();
    try {
      const servers = await Promise.all(dirs.map((dataDir) => createServer(loadConfig({ env: {}, overrides: { databaseUrl: db.url, dataDir, logLevel: 'silent', devCredentials: true, port: 0 } }))));
      try {
        assert.equal(servers.filter((s) => s.devCredentialsPath !== undefined).length, 1, 'one node wrote the credentials');
        const orgs = await servers[0]!.ctx.storage.orgs.list(10, 0);
        assert.deepEqual(orgs.map((o) => o.name), ['Demo organization']);
      } finally {
        await Promise.all(servers.map((s) => s.close()));
      }
    } finally {
      for (const d of dirs) rmSync(d, { recursive: true, force: true });
      await db.drop();
    }
  });
});
