// The cleanup's database steps on both drivers: idempotency keys and ended workflow runs go once past
// their window and stay inside it, expired console sessions go once their cookie has, a run removes at most a batch and the
// next one goes on, document runs are never removed, and two nodes cleaning the same database at once
// share the work.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { LocalDiskBlobStore, PartUrlSigner } from '../../src/blobs/index.js';
import { createLogger } from '../../src/http/index.js';
import { runCleanup, type CleanupDeps } from '../../src/maintenance/index.js';
import { openStorage, type Storage } from '../../src/storage/index.js';
import { DRIVERS } from '../helpers/drivers.js';
import { tempDir } from '../helpers/server.js';
import { cleanupOptions, DAY, HOUR, idempotencyKeys, insertDocument, insertIdempotencyKey, insertOrganizerFile, insertRun, insertVideo, iso, runIds, seedOrgAndApp, stageRunIds } from './fixtures.js';

const logger = createLogger('silent');

for (const driver of DRIVERS) {
  describe(`cleanup of rows on ${driver.name}`, () => {
    let storage: Storage;
    let url: string;
    let cleanup: () => Promise<void>;
    let blobDir: string;
    let deps: CleanupDeps;
    const now = Date.now();

    before(async () => {
      ({ storage, url, cleanup } = await driver.open());
      await storage.migrate();
      blobDir = tempDir('capstan-cleanup-blobs-');
      const blobs = new LocalDiskBlobStore({ root: join(blobDir, 'blobs'), signer: new PartUrlSigner({ secret: 's'.repeat(40), publicUrl: () => 'http://127.0.0.1' }) });
      deps = { repo: storage.cleanup, blobs, logger, clock: () => now };
    });
    after(async () => {
      await storage.close();
      await cleanup();
      rmSync(blobDir, { recursive: true, force: true });
    });

    async function clearRows(): Promise<void> {
      await storage.db.deleteFrom('idempotency_keys').execute();
      await storage.db.deleteFrom('workflow_stages').execute();
      await storage.db.deleteFrom('workflow_runs').execute();
    }

    test('idempotency keys go once older than the window, in batches; younger ones stay', async () => {
      await clearRows();
      for (let i = 0; i < 5; i++) await insertIdempotencyKey(storage, now - DAY - (i + 1) * HOUR);
      const young = [await insertIdempotencyKey(storage, now - DAY + HOUR), await insertIdempotencyKey(storage, now)];
      const options = cleanupOptions({ batchSize: 2 });

      const counts = [];
      for (let run = 0; run < 4; run++) counts.push((await runCleanup(deps, options)).idempotencyKeys);
      assert.deepEqual(counts, [2, 2, 1, 0], 'at most a batch per run, and the next run goes on');
      assert.deepEqual(await idempotencyKeys(storage), young.sort());
    });

    test('ended video and organizer runs go with their stages once past the retention; document runs and live runs stay', async () => {
      await clearRows();
      const ended = now - 8 * DAY;
      await insertRun(storage, 'video', 'completed', ended);
      await insertRun(storage, 'video', 'failed', ended);
      await insertRun(storage, 'organizer_job', 'cancelled', ended);
      await insertRun(storage, 'organizer_job', 'completed', ended - DAY);
      const kept = [
        // The document's results live in its run's stage outputs.
        await insertRun(storage, 'document', 'completed', ended - 30 * DAY),
        await insertRun(storage, 'document', 'failed', ended),
        // Inside the retention.
        await insertRun(storage, 'video', 'completed', now - 6 * DAY),
        await insertRun(storage, 'organizer_job', 'failed', now - HOUR),
        // Not ended, however old.
        await insertRun(storage, 'video', 'running'),
        await insertRun(storage, 'organizer_job', 'queued'),
      ];
      const options = cleanupOptions({ batchSize: 3 });

      const first = await runCleanup(deps, options);
      assert.equal(first.workflowRuns, 3, 'a run removes at most the batch');
      assert.deepEqual(first.failed, []);
      assert.equal((await runCleanup(deps, options)).workflowRuns, 1, 'the next run takes the rest');
      assert.equal((await runCleanup(deps, options)).workflowRuns, 0);
      assert.deepEqual(await runIds(storage), [...kept].sort());
      assert.deepEqual(await stageRunIds(storage), [...kept].sort(), 'stages go with their run, and only then');

      // Years later every ended video and organizer run is gone; document runs and unfinished runs stay.
      const later = await runCleanup({ ...deps, clock: () => now + 3650 * DAY }, cleanupOptions());
      assert.equal(later.workflowRuns, 2);
      const left = await storage.db.selectFrom('workflow_runs').select(['kind', 'status']).execute();
      assert.deepEqual(left.map((r) => `${r.kind} ${r.status}`).sort(), ['document completed', 'document failed', 'organizer_job queued', 'video running']);
    });

    test('console sessions expired for longer than their cookie lives go, in batches; newly expired and live ones stay', async () => {
      await storage.db.deleteFrom('console_sessions').execute();
      const session = (hash: string, expiresAt: number) => ({ id_hash: hash, csrf_hash: `c${hash}`, created_at: iso(expiresAt - HOUR), expires_at: iso(expiresAt), last_seen_at: iso(expiresAt - HOUR) });
      for (let i = 0; i < 3; i++) await storage.consoleSessions.create(session(`expired${i}`, now - DAY - (i + 1) * 1000));
      // Its cookie is still in the browser: the row stays to answer it session_expired.
      await storage.consoleSessions.create(session('just-expired', now - HOUR));
      await storage.consoleSessions.create(session('live', now + 1000));
      const counts = [];
      for (let run = 0; run < 3; run++) counts.push((await runCleanup(deps, cleanupOptions({ batchSize: 2 }))).consoleSessions);
      assert.deepEqual(counts, [2, 1, 0]);
      const left = await storage.db.selectFrom('console_sessions').select('id_hash').execute();
      assert.deepEqual(left.map((r) => r.id_hash).sort(), ['just-expired', 'live']);
    });

    test('a blob key is referenced by a document, an organizer file, or a video not deleted before the cutoff', async () => {
      const ids = await seedOrgAndApp(storage);
      const key = (name: string) => `${driver.name}/${ids.orgId}/${name}`;
      await insertDocument(storage, ids.orgId, key('document'));
      await insertOrganizerFile(storage, ids.orgId, key('file'));
      await insertVideo(storage, ids, key('live-video'), null);
      await insertVideo(storage, ids, key('deleted-after-cutoff'), now - DAY);
      await insertVideo(storage, ids, key('deleted-before-cutoff'), now - 8 * DAY);
      const asked = ['document', 'file', 'live-video', 'deleted-after-cutoff', 'deleted-before-cutoff', 'unknown'].map(key);
      const referenced = await storage.cleanup.referencedBlobKeys(asked, iso(now - 7 * DAY));
      assert.deepEqual([...referenced].sort(), ['deleted-after-cutoff', 'document', 'file', 'live-video'].map(key).sort());
      assert.deepEqual([...(await storage.cleanup.referencedBlobKeys([], iso(now)))], []);
    });

    test('two nodes cleaning the same database at once share the work and neither fails', async () => {
      await clearRows();
      const other = openStorage(url, blobDir);
      try {
        const seeded = 60;
        for (let i = 0; i < seeded; i++) {
          await insertIdempotencyKey(storage, now - 2 * DAY - i);
          await insertRun(storage, i % 2 ? 'video' : 'organizer_job', 'completed', now - 8 * DAY - i);
        }
        const options = cleanupOptions({ batchSize: 7 });
        const nodes: CleanupDeps[] = [deps, { ...deps, repo: other.cleanup }];
        const removed = { idempotencyKeys: 0, workflowRuns: 0 };
        for (let round = 0; round < 20 && removed.idempotencyKeys + removed.workflowRuns < 2 * seeded; round++) {
          const reports = await Promise.all(nodes.map((node) => runCleanup(node, options)));
          for (const report of reports) {
            assert.deepEqual(report.failed, []);
            assert.ok(report.idempotencyKeys <= 7 && report.workflowRuns <= 7);
            removed.idempotencyKeys += report.idempotencyKeys;
            removed.workflowRuns += report.workflowRuns;
          }
        }
        assert.deepEqual(removed, { idempotencyKeys: seeded, workflowRuns: seeded }, 'every row removed once, none counted twice');
        assert.deepEqual(await idempotencyKeys(storage), []);
        assert.deepEqual(await runIds(storage), []);
        assert.deepEqual(await stageRunIds(storage), []);
      } finally {
        await other.close();
      }
    });
  });
}

