// The durable event log: read after a cursor (for clients) or after a sequence number (for the feeds
// that follow a topic on each node), the retention window, and pruning. Appends happen inside the
// transaction of the change they report, through the publisher.
import type { EventRow, Storage } from '../storage/index.js';
import { uuidv7Time } from '../util/ids.js';
import type { EventRecord } from './types.js';

export function rowToEvent(row: EventRow): EventRecord {
  return {
    id: row.id,
    seq: Number(row.seq),
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

/** Full replay pages kept in memory: during a resume storm every client asks for the same pages. */
const PAGE_CACHE_SIZE = 256;

export class EventLog {
  private readonly pages = new Map<string, EventRecord[]>();
  /** The newest event id last read from the log, to take cursors ahead of this node's clock. */
  private newest: string | undefined;

  constructor(
    private readonly storage: Storage,
    readonly retentionMs: number,
  ) {}

  /**
   * Events of `topic` after `cursor`, oldest first. A full page can never change (a topic's ids
   * increase in commit order), so full pages are cached and shared — with their encoded frames — by
   * every connection that replays them; a short last page is always read fresh.
   */
  async readAfter(topic: string, cursor: string | undefined, limit: number): Promise<EventRecord[]> {
    const key = `${topic}\u0000${cursor ?? ''}\u0000${limit}`;
    const cached = this.pages.get(key);
    if (cached) return cached;
    const events = (await this.storage.events.readAfter(topic, cursor, limit)).map(rowToEvent);
    if (events.length === limit && cursor !== undefined) {
      if (this.pages.size >= PAGE_CACHE_SIZE) this.pages.delete(this.pages.keys().next().value as string);
      this.pages.set(key, events);
    }
    return events;
  }

  async readAfterSeq(topic: string, seq: number, limit: number): Promise<EventRecord[]> {
    return (await this.storage.events.readAfterSeq(topic, seq, limit)).map(rowToEvent);
  }

  /** The id of the topic's last committed event; undefined for a topic that never had one. */
  lastId(topic: string): Promise<string | undefined> {
    return this.storage.events.lastId(topic);
  }

  /** The last seq of each topic (0 for a topic that never had an event). */
  async heads(topics: readonly string[]): Promise<Map<string, number>> {
    const found = await this.storage.events.heads(topics);
    for (const t of topics) if (!found.has(t)) found.set(t, 0);
    return found;
  }

  /**
   * A cursor older than the retention window can't be resumed gap-free; one from the future was never
   * issued. Ids carry their node's clock, so a cursor a little ahead of this node's clock may come
   * from a node whose clock is ahead: it is taken when the log holds an event at least as new, and
   * is from the future otherwise (resumed, it would hide every event of the next seconds).
   */
  async checkCursor(cursor: string, now = Date.now(), skewMs = 60_000): Promise<CursorCheck> {
    const t = uuidv7Time(cursor);
    if (t > now + skewMs) return 'future';
    if (t < now - this.retentionMs) return 'stale';
    if (t <= now || (this.newest !== undefined && cursor <= this.newest)) return 'ok';
    this.newest = await this.storage.events.newestId();
    return this.newest !== undefined && cursor <= this.newest ? 'ok' : 'future';
  }

  /** Drops events older than the retention window, but none from `keepFrom` on (an id a reader still needs). */
  async prune(now = Date.now(), keepFrom?: string): Promise<number> {
    this.pages.clear();
    const floor = uuidv7Floor(now - this.retentionMs);
    return this.storage.events.deleteBefore(keepFrom !== undefined && keepFrom < floor ? keepFrom : floor);
  }
}
