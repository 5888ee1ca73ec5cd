// What a documents stream may see: status events of the documents it follows. A `recent=N` stream
// follows the organization's latest N and lets newly uploaded documents join, dropping the oldest.
import type { EventRecord } from '../events/index.js';
import type { Access } from '../realtime/index.js';

export class DocumentScope implements Access {
  private readonly ids: Set<string>;

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
    for (const id of ids) this.ids.delete(id);
  }

  list(): string[] {
    return [...this.ids];
  }

  allows(event: EventRecord): boolean {
    const id = event.scope.document_id;
    if (event.type !== 'document.status' || id === undefined) return false;
    if (this.ids.has(id)) return true;
    if (this.recent !== undefined && event.scope.new_resource) {
      this.ids.add(id);
      while (this.ids.size > this.recent) this.ids.delete(this.ids.values().next().value as string);
      return true;
    }
    return false;
  }
}
