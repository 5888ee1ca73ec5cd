// What a developer event stream may see: video events of its own app (the payload names the app),
// optionally narrowed to some videos. Other events on the organization's topic are not shown. A
// named video whose status the stream opened with skips the events that status already reflects.
import type { EventRecord } from '../events/index.js';
import { SettledLines, type Access } from '../realtime/index.js';
import { isVideoEvent } from './event-types.js';

export class VideoStreamScope implements Access {
  private readonly ids: ReadonlySet<string>;
  private readonly settled = new SettledLines();

  constructor(
    private readonly appId: string,
    /** Empty: every video of the app. */
    videoIds: Iterable<string>,
  ) {
    this.ids = new Set(videoIds);
  }

  /** The `video.status` frames just sent (each video's data) reflect the topic's events up to `through` (readSettled). */
  settle(shown: readonly { readonly id: string }[], through: string | undefined): void {
    for (const data of shown) this.settled.set(data.id, data, through);
  }

  allows(event: EventRecord): boolean {
    if (!isVideoEvent(event.type) || event.data.appId !== this.appId) return false;
    const id = event.scope.video_id;
    if (this.ids.size === 0) return true;
    // A video.processing event says no more than the status; video.uploaded, say, names a moment
    // its status does not show.
    return id !== undefined && this.ids.has(id) && this.settled.after(id, event, event.type === 'video.processing');
  }
}
