// What a documents stream may see: status events of the documents it follows. A `recent=N` stream
// follows the organization's latest N and lets newly uploaded documents join, dropping the oldest.
// A followed document whose current status was just sent (the stream's opening snapshot, a socket's
// subscribe) skips the events that status already reflects: every message is a whole status, so one
// of those would repeat it or, older, take the client back.
import type { EventRecord } from '../events/index.js';
import { asSent, SettledLines, type Access } from '../realtime/index.js';
import type { DocumentStatus } from './status.js';

export class DocumentScope implements Access {
  private readonly ids: Set<string>;
  /** Per document, the status just sent and the last event of the topic it reflects. */
  private readonly settled = new SettledLines(statusSaid);

  constructor(
    ids: Iterable<string>,
    /** When set, new documents join and the set keeps at most this many (newest last). */
    private readonly recent: number | undefined,
  ) {
    this.ids = new Set(ids);
  }

  has(id: string): boolean {
    return this.ids.has(id);
  }

  add(ids: Iterable<string>): void {
    for (const id of ids) this.ids.add(id);
  }

  remove(ids: Iterable<string>): void {
    for (const id of ids) this.forget(id);
  }

  list(): string[] {
    return [...this.ids];
  }

  /**
   * The statuses just sent reflect the topic's events up to `through` (readSettled): those are not
   * sent again, nor one that says the same. Undefined: the topic had no event when they were read.
   */
  settle(statuses: readonly DocumentStatus[], through: string | undefined): void {
    for (const s of statuses) if (this.ids.has(s.document_id)) this.settled.set(s.document_id, s, through);
  }

  allows(event: EventRecord): boolean {
    const id = event.scope.document_id;
    if (event.type !== 'document.status' || id === undefined) return false;
    if (this.ids.has(id)) return this.settled.after(id, event);
    if (this.recent !== undefined && event.scope.new_resource) {
      this.ids.add(id);
      while (this.ids.size > this.recent) this.forget(this.ids.values().next().value as string);
      return true;
    }
    return false;
  }

  private forget(id: string): void {
    this.ids.delete(id);
    this.settled.forget(id);
  }
}

/** What a status says: its shape without updated_at, which changes without the status changing (report.ts). */
function statusSaid(data: unknown): unknown {
  const sent = asSent(data);
  if (typeof sent !== 'object' || sent === null) return sent;
  const { updated_at: _updatedAt, ...said } = sent as Record<string, unknown>;
  return said;
}
