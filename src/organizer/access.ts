// What an organizer socket may see: the organizer's own events, nothing else published on the
// organization topic (document and video events share it). The wire shape is the seed's flat object.
import type { EventRecord } from '../events/index.js';
import { SettledLines, type Access } from '../realtime/index.js';
import { ORGANIZER_EVENT_PREFIX, isOrganizerEvent } from './event-types.js';

/**
 * One socket's view. It opens with a `job_progress` per running job, read with the line in the topic
 * that read reflects (readSettled); a live `job_progress` of such a job up to that line repeats what
 * it showed or, older, takes the client back, so it is not sent. Every other event is: an `error` or
 * a `job_complete` says what the opening progress does not.
 */
export class OrganizerSocketAccess implements Access {
  private readonly settled = new SettledLines();

  settle(jobIds: Iterable<string>, through: string | undefined): void {
    this.settled.set(jobIds, through);
  }

  allows(e: EventRecord): boolean {
    if (!isOrganizerEvent(e.type)) return false;
    const jobId = e.data.jobId;
    return e.type !== 'organizer.job_progress' || typeof jobId !== 'string' || this.settled.after(jobId, e.id);
  }
}

export function organizerFrame(e: EventRecord): Record<string, unknown> | undefined {
  if (!isOrganizerEvent(e.type)) return undefined;
  return { type: e.type.slice(ORGANIZER_EVENT_PREFIX.length), ...e.data };
}
