// The durable event log: append before delivery, read after a cursor, retention window with pruning.
import type { EventRow, Storage } from '../storage/index.js';
import { uuidv7Time } from '../util/ids.js';
import type { EventRecord } from './types.js';

export function rowToEvent(row: EventRow): EventRecord {
  return {
    id: row.id,
    topic: row.topic,
    orgId: row.org_id,
    type: row.type,
    scope: JSON.parse(row.scope) as EventRecord['scope'],
    data: JSON.parse(row.data) as EventRecord['data'],
    createdAt: row.created_at,
  };
}

/** The smallest UUIDv7 of the given millisecond: every id minted at or after `ms` sorts above it. */
export function uuidv7Floor(ms: number): string {
  const hex = Math.max(0, Math.floor(ms)).toString(16).padStart(12, '0');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-7000-8000-000000000000`;
}

export type CursorCheck = 'ok' | 'stale' | 'future';

export class EventLog {
  constructor(
    private readonly storage: Storage,
    readonly retentionMs: number,
  ) {}

  async append(event: EventRecord): Promise<void> {
    await this.storage.events.insert({
      id: event.id,
      topic: event.topic,
      org_id: event.orgId,
      type: event.type,
      scope: JSON.stringify(event.scope),
      data: JSON.stringify(event.data),
      created_at: event.createdAt,
    });
  }

  async readAfter(topic: string, cursor: string | undefined, limit: number): Promise<EventRecord[]> {
    return (await this.storage.events.readAfter(topic, cursor, limit)).map(rowToEvent);
  }

  /** A cursor older than the retention window can't be resumed gap-free; one from the future was never issued. */
  checkCursor(cursor: string, now = Date.now(), skewMs = 60_000): CursorCheck {
    const t = uuidv7Time(cursor);
    if (t > now + skewMs) return 'future';
    if (t < now - this.retentionMs) return 'stale';
    return 'ok';
  }

  async prune(now = Date.now()): Promise<number> {
    return this.storage.events.deleteBefore(uuidv7Floor(now - this.retentionMs));
  }
}
