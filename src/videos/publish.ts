// Appends a video event on its organization's topic, scoped by video_id, inside the transaction that
// makes the change it reports.
import { orgTopic, type EventPublisher } from '../events/index.js';
import type { Repos, VideoRow } from '../storage/index.js';
import type { VideoEventType } from './event-types.js';
import { videoEventData } from './present.js';

export async function appendVideoEvent(tx: Repos, publisher: EventPublisher, type: VideoEventType, video: VideoRow): Promise<void> {
  await publisher.append(tx, {
    topic: orgTopic(video.org_id),
    orgId: video.org_id,
    type,
    scope: { video_id: video.id, ...(type === 'video.created' ? { new_resource: true } : {}) },
    data: videoEventData(video),
  });
}
