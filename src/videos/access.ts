// What a developer event stream may see: video events of its own app (the payload names the app),
// optionally narrowed to some videos. Other events on the organization's topic are not shown.
import type { EventRecord } from '../events/index.js';
import type { Access } from '../realtime/index.js';
import { isVideoEvent } from './event-types.js';

export class VideoStreamScope implements Access {
  private readonly ids: ReadonlySet<string>;

  constructor(
    private readonly appId: string,
    /** Empty: every video of the app. */
    videoIds: Iterable<string>,
  ) {
    this.ids = new Set(videoIds);
  }

  allows(event: EventRecord): boolean {
    if (!isVideoEvent(event.type) || event.data.appId !== this.appId) return false;
    const id = event.scope.video_id;
    return this.ids.size === 0 || (id !== undefined && this.ids.has(id));
  }
}
