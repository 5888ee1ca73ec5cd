// What an organizer socket may see: the organizer's own events, nothing else published on the
// organization topic (document and video events share it). The wire shape is the seed's flat object.
import type { EventRecord } from '../events/index.js';
import { SettledLines, type Access } from '../realtime/index.js';
import { ORGANIZER_EVENT_PREFIX, isOrganizerEvent } from './event-types.js';

/** A running job's progress as a socket's opening `job_progress` showed it. */
export interface ShownProgress {
  readonly jobId: string;
  readonly processedCount: number;
}

/**
 * One socket's view. It opens with a `job_progress` per running job, read with the line in the topic
 * that read reflects (readSettled). A live `job_progress` of such a job up to that line, or counting
 * no more files than the opening one (the job's closing progress once its last batch was already
 * counted), would repeat it or take the client back, so it is not sent: for that socket the opening
 * message is the job's last progress before `job_complete`. Every other event is sent: an `error`
 * or a `job_complete` says what the opening progress does not.
 */
export class OrganizerSocketAccess implements Access {
  private readonly settled = new SettledLines();
  private readonly shown = new Map<string, number>();

  settle(progress: readonly ShownProgress[], through: string | undefined): void {
    for (const p of progress) {
      this.shown.set(p.jobId, p.processedCount);
      // The opening message carries its type, the event's data does not: the count compares them.
      this.settled.set(p.jobId, undefined, through);
    }
  }

  allows(e: EventRecord): boolean {
    if (!isOrganizerEvent(e.type)) return false;
    const jobId = e.data.jobId;
    if (typeof jobId !== 'string' || !this.shown.has(jobId)) return true;
    if (e.type === 'organizer.job_complete') this.forget(jobId);
    if (e.type !== 'organizer.job_progress') return true;
    const processed = e.data.processedCount;
    if (!this.settled.after(jobId, e) || (typeof processed === 'number' && processed <= this.shown.get(jobId)!)) return false;
    this.forget(jobId);
    return true;
  }

  private forget(jobId: string): void {
    this.shown.delete(jobId);
    this.settled.forget(jobId);
  }
}

export function organizerFrame(e: EventRecord): Record<string, unknown> | undefined {
  if (!isOrganizerEvent(e.type)) return undefined;
  return { type: e.type.slice(ORGANIZER_EVENT_PREFIX.length), ...e.data };
}
