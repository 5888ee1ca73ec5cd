// Video transcripts on both drivers: one row per video, replaced whole by a later transcription's
// outcome, text stored verbatim.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { EventPublisher } from '../../src/events/index.js';
import { eventTypeRegistry } from '../../src/server/event-types.js';
import { TokenService } from '../../src/auth/index.js';
import type { Storage, VideoRow, VideoTranscriptRow } from '../../src/storage/index.js';
import { TenancyService } from '../../src/tenancy/index.js';
import { DRIVERS } from '../helpers/drivers.js';

for (const driver of DRIVERS) {
  describe(`video transcripts on ${driver.name}`, () => {
    let storage: Storage;
    let cleanup: () => Promise<void>;
    let video: VideoRow;

    before(async () => {
      ({ storage, cleanup } = await driver.open());
      await storage.migrate();
      const tenancy = new TenancyService(storage, new TokenService('x'.repeat(40)), new EventPublisher(eventTypeRegistry(), storage, 16_384), 60);
      const { org } = await tenancy.createOrg('transcripts');
      const { app } = await tenancy.createApp(org.id, { name: 'app', environment: 'development', allowedOrigins: [] });
      const at = new Date().toISOString();
      video = {
        id: 'transcript01', org_id: org.id, app_id: app.id, external_user_id: null, name: 'v', metadata: null, s3_key: 'k', content_type: 'video/mp4',
        content_type_params: null, state: 'ready', upload_id: null, size_bytes: 1, duration: 1, width: 2, height: 2, fps: 1, client_values: null,
        rendition_key: null, poster_key: null, processing_stage: null, processing_status: null, transcription_status: 'COMPLETE', workflow_id: null,
        cost_micro: 0, failure_reason: null, deleted_at: null, created_at: at, updated_at: at,
      };
      await storage.videos.create(video);
    });
    after(async () => {
      await storage.close();
      await cleanup();
    });

    test('saved, read back verbatim, then replaced whole by a later outcome (inside a transaction too)', async () => {
      const complete: VideoTranscriptRow = { video_id: video.id, engine: 'builtin', text: 'héllo wörld 🚀', segments: JSON.stringify([{ start: 0, end: 1.5, text: 'héllo wörld 🚀' }]), error: null, created_at: '2026-01-01T00:00:00.000Z' };
      await storage.transcripts.save(complete);
      assert.deepEqual(await storage.transcripts.get(video.id), complete);
      const failed: VideoTranscriptRow = { video_id: video.id, engine: 'command', text: null, segments: null, error: 'exited with code 3', created_at: '2026-01-02T00:00:00.000Z' };
      await storage.transaction((tx) => tx.transcripts.save(failed));
      assert.deepEqual(await storage.transcripts.get(video.id), failed);
      assert.equal(await storage.transcripts.get('other'), undefined);
    });
  });
}
