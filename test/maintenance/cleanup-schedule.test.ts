// How the cleanup runs: on its interval, one run at a time, stopped cleanly; a failing step is logged
// and the others still run; and its options are checked by the config loader like any other.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { LocalDiskBlobStore, PartUrlSigner, type BlobStore } from '../../src/blobs/index.js';
import { ConfigError, loadConfig } from '../../src/config/index.js';
import { createLogger } from '../../src/http/index.js';
import { runCleanup, startCleanup } from '../../src/maintenance/index.js';
import { openStorage, type CleanupRepo, type Storage } from '../../src/storage/index.js';
import { tempDir } from '../helpers/server.js';
import { capturingLogger, cleanupOptions, DAY, idempotencyKeys, insertIdempotencyKey } from './fixtures.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('running the cleanup', () => {
  let dir: string;
  let storage: Storage;
  let blobs: BlobStore;

  before(async () => {
    dir = tempDir('capstan-cleanup-');
    storage = openStorage(`sqlite:${join(dir, 'test.db')}`, dir);
    await storage.migrate();
    blobs = new LocalDiskBlobStore({ root: join(dir, 'blobs'), signer: new PartUrlSigner({ secret: 's'.repeat(40), publicUrl: () => 'http://127.0.0.1' }) });
  });
  after(async () => {
    await storage.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('startCleanup runs on its interval, never two runs at once, and stop waits for the run in progress', async () => {
    let active = 0;
    let most = 0;
    let runs = 0;
    const slow: CleanupRepo = {
      ...storage.cleanup,
      async deleteIdempotencyBefore(beforeIso, limit) {
        runs++;
        most = Math.max(most, ++active);
        try {
          // Several ticks of the interval pass while this run is still going.
          await sleep(60);
          return await storage.cleanup.deleteIdempotencyBefore(beforeIso, limit);
        } finally {
          active--;
        }
      },
    };
    const task = startCleanup({ repo: slow, blobs, logger: createLogger('silent') }, { ...cleanupOptions(), intervalMs: 5 });
    for (let i = 0; i < 200 && runs < 3; i++) await sleep(10);
    assert.ok(runs >= 3, `it keeps running (${runs} runs)`);
    await task.stop();
    assert.equal(active, 0, 'stop resolved after the run in progress ended');
    const stoppedAt = runs;
    await sleep(50);
    assert.equal(runs, stoppedAt, 'no run starts after stop');
    assert.equal(most, 1, 'runs never overlap');
  });

  test('a failing step is logged, and the other steps still run', async () => {
    await storage.db.deleteFrom('idempotency_keys').execute();
    await insertIdempotencyKey(storage, Date.now() - 2 * DAY);
    const broken = new Proxy(blobs, {
      get(target, property, receiver) {
        if (property === 'list') return async () => Promise.reject(new Error('the listing broke'));
        return Reflect.get(target, property, receiver) as unknown;
      },
    });
    const { logger, lines } = capturingLogger();
    const report = await runCleanup({ repo: storage.cleanup, blobs: broken, logger }, cleanupOptions());
    assert.deepEqual(report.failed, ['orphanedBlobs']);
    assert.equal(report.idempotencyKeys, 1);
    assert.deepEqual(await idempotencyKeys(storage), []);
    const warning = lines.find((l) => l.msg === 'cleanup step failed');
    assert.equal(warning?.step, 'orphanedBlobs');
    assert.match(JSON.stringify(warning?.err), /the listing broke/);
  });
});

describe('cleanup options', () => {
  const refused = (env: Record<string, string>, name: string) =>
    assert.throws(() => loadConfig({ env }), (e: unknown) => e instanceof ConfigError && e.message.includes(name), `${JSON.stringify(env)} is refused`);

  test('the defaults are the documented ones', () => {
    const config = loadConfig({ env: {} });
    assert.equal(config.cleanupIntervalMs, 60_000);
    assert.equal(config.cleanupBatchSize, 500);
    assert.equal(config.idempotencyRetentionSeconds, 86_400);
    assert.equal(config.workflowRetentionSeconds, 604_800);
    assert.equal(config.blobOrphanGraceSeconds, 3600);
    assert.equal(config.blobS3KeyPrefix, '');
    const set = loadConfig({ env: { CAPSTAN_CLEANUP_INTERVAL_MS: '1000', CAPSTAN_CLEANUP_BATCH_SIZE: '10000', CAPSTAN_S3_KEY_PREFIX: 'capstan-prod/' } });
    assert.deepEqual([set.cleanupIntervalMs, set.cleanupBatchSize, set.blobS3KeyPrefix], [1000, 10_000, 'capstan-prod/']);
  });

  test('values out of range are refused by the loader, naming the option', () => {
    refused({ CAPSTAN_CLEANUP_INTERVAL_MS: '999' }, 'CAPSTAN_CLEANUP_INTERVAL_MS');
    refused({ CAPSTAN_CLEANUP_BATCH_SIZE: '0' }, 'CAPSTAN_CLEANUP_BATCH_SIZE');
    refused({ CAPSTAN_CLEANUP_BATCH_SIZE: '10001' }, 'CAPSTAN_CLEANUP_BATCH_SIZE');
    refused({ CAPSTAN_CLEANUP_BATCH_SIZE: 'lots' }, 'CAPSTAN_CLEANUP_BATCH_SIZE');
    refused({ CAPSTAN_IDEMPOTENCY_RETENTION_SECONDS: '59' }, 'CAPSTAN_IDEMPOTENCY_RETENTION_SECONDS');
    refused({ CAPSTAN_WORKFLOW_RETENTION_SECONDS: '-1' }, 'CAPSTAN_WORKFLOW_RETENTION_SECONDS');
    refused({ CAPSTAN_BLOB_ORPHAN_GRACE_SECONDS: '59' }, 'CAPSTAN_BLOB_ORPHAN_GRACE_SECONDS');
    refused({ CAPSTAN_BLOB_ORPHAN_GRACE_SECONDS: '31536001' }, 'CAPSTAN_BLOB_ORPHAN_GRACE_SECONDS');
    for (const prefix of ['capstan', '/capstan/', 'a//b/', 'tab\t/']) refused({ CAPSTAN_S3_KEY_PREFIX: prefix }, 'CAPSTAN_S3_KEY_PREFIX');
  });
});
