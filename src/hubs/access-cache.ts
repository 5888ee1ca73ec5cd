// What a hub stream needs before it opens — the hub, and the member's status and segments — read once
// per contact rather than once per connection: a browser with many tabs, or a connect storm after a
// restart, would otherwise read the same three rows thousands of times. A ban, a removal or new
// segments are `access.contact_*` events on the hub's topic, appended in the transaction that makes
// them, so the cache hears of them the way open streams do (as the API key cache does):
//  - on this node, from the commit itself (storage.onCommit), before the changing request answers;
//  - on every node, through the event feed (the bus, or the feed's periodic check of the log while
//    the bus is away). A resync (events may have been missed) drops the hub's members.
// A member is remembered only once its hub's topic is followed and nothing changed while it was read,
// so no change can fall between the read and the follow. Open streams reload their access from
// storage, never from here: they may hear an event before the cache does.
import { ACCESS_EVENTS, hubTopic, rowToEvent, type EventRecord, type FeedMessage } from '../events/index.js';
import type { Access } from '../realtime/index.js';
import type { EventRow, Hub } from '../storage/index.js';

/** Where committed events of a topic arrive on this node: the EventFeed. */
export interface AccessFeed {
  subscribe(topic: string, handler: (message: FeedMessage) => void): Promise<() => void>;
}

export interface MemberAccessCacheOptions {
  /** Members remembered at once, every hub together. */
  readonly capacity: number;
  /** The backstop: a member is read again after this long whatever happened. */
  readonly ttlMs: number;
}

export const DEFAULT_MEMBER_ACCESS_CACHE: MemberAccessCacheOptions = { capacity: 20_000, ttlMs: 30_000 };

/** An active member of a hub, as a stream's checks need it. */
export interface StreamMember {
  readonly hub: Hub;
  /** What the member may see; shared by all its streams (it holds no state). */
  readonly access: Access;
}

interface Entry {
  readonly hubId: string;
  readonly member: StreamMember;
  readonly expiresAtMs: number;
}

interface Follow {
  /** Set once the feed delivers every later event of the topic. */
  live: boolean;
  unsubscribe: (() => void) | undefined;
  /** Remembered members of this hub (their cache keys). */
  readonly keys: Set<string>;
}

const CONTACT_EVENTS: ReadonlySet<string> = new Set([ACCESS_EVENTS.contactRevoked, ACCESS_EVENTS.contactChanged]);
const HUB_TOPIC_PREFIX = hubTopic('');

const keyOf = (hubId: string, contactId: string): string => `${hubId} ${contactId}`;

export class MemberAccessCache {
  /** `<hub> <contact>` → the member, least recently used first (a Map iterates in insertion order). */
  private readonly entries = new Map<string, Entry>();
  /** Reads in progress: a connect storm for one contact reads its rows once. */
  private readonly reading = new Map<string, Promise<StreamMember | undefined>>();
  private readonly follows = new Map<string, Follow>();
  /** Bumped by every change heard: a read that started before one is neither remembered nor joined. */
  private epoch = 0;
  private closed = false;

  constructor(private readonly feed: AccessFeed, private readonly options: MemberAccessCacheOptions = DEFAULT_MEMBER_ACCESS_CACHE) {}

  get size(): number {
    return this.entries.size;
  }

  /** Hub topics followed for the cache's sake (at most one per hub with remembered members). */
  get followed(): number {
    return this.follows.size;
  }

  /**
   * The member as `read` finds it, or as remembered since; undefined when it is not an active member
   * (never remembered: the next connect reads again).
   */
  async get(hubId: string, contactId: string, read: () => Promise<StreamMember | undefined>): Promise<StreamMember | undefined> {
    const key = keyOf(hubId, contactId);
    const now = Date.now();
    const hit = this.entries.get(key);
    if (hit) {
      this.entries.delete(key);
      if (hit.expiresAtMs > now) {
        this.entries.set(key, hit);
        return hit.member;
      }
      this.follows.get(hubId)?.keys.delete(key);
    }
    const pending = this.reading.get(key);
    if (pending) return pending;
    const epoch = this.epoch;
    const promise = read().then(
      (member) => {
        if (this.reading.get(key) === promise) this.reading.delete(key);
        if (member && this.mayRemember(epoch, hubId)) this.remember(key, hubId, member);
        return member;
      },
      (e: unknown) => {
        if (this.reading.get(key) === promise) this.reading.delete(key);
        throw e;
      },
    );
    this.reading.set(key, promise);
    return promise;
  }

  /** Drops the named members of a hub (banned, removed, segments changed). */
  forgetContacts(hubId: string, contactIds: readonly string[]): void {
    this.epoch++;
    this.reading.clear();
    const keys = this.follows.get(hubId)?.keys;
    for (const contactId of contactIds) {
      const key = keyOf(hubId, contactId);
      this.entries.delete(key);
      keys?.delete(key);
    }
  }

  /** Drops every member of a hub (its changes may have been missed). */
  forgetHub(hubId: string): void {
    this.epoch++;
    this.reading.clear();
    const follow = this.follows.get(hubId);
    if (!follow) return;
    for (const key of follow.keys) this.entries.delete(key);
    follow.keys.clear();
  }

  /** Changes committed by this process, heard at commit (storage.onCommit). */
  onCommit(rows: readonly EventRow[]): void {
    for (const row of rows) {
      if (!CONTACT_EVENTS.has(row.type) || !row.topic.startsWith(HUB_TOPIC_PREFIX)) continue;
      const hubId = row.topic.slice(HUB_TOPIC_PREFIX.length);
      let event: EventRecord | undefined;
      try {
        event = rowToEvent(row);
      } catch {
        event = undefined;
      }
      this.heard(hubId, event);
    }
  }

  close(): void {
    this.closed = true;
    this.epoch++;
    this.reading.clear();
    for (const f of this.follows.values()) f.unsubscribe?.();
    this.follows.clear();
    this.entries.clear();
  }

  /** An access change of the hub: its named contacts go; one that names none (unreadable) drops the hub. */
  private heard(hubId: string, event: EventRecord | undefined): void {
    const ids = event?.scope.contact_ids;
    if (Array.isArray(ids) && ids.every((x): x is string => typeof x === 'string')) this.forgetContacts(hubId, ids);
    else this.forgetHub(hubId);
  }

  private mayRemember(epoch: number, hubId: string): boolean {
    if (this.closed || epoch !== this.epoch || this.options.capacity <= 0) return false;
    const follow = this.follows.get(hubId);
    if (follow?.live) return true;
    // Not followed yet: start now; members read after it is live will be remembered.
    if (!follow) this.follow(hubId);
    return false;
  }

  private remember(key: string, hubId: string, member: StreamMember): void {
    this.entries.delete(key);
    this.entries.set(key, { hubId, member, expiresAtMs: Date.now() + this.options.ttlMs });
    this.follows.get(hubId)?.keys.add(key);
    if (this.entries.size <= this.options.capacity) return;
    const [oldestKey, oldest] = this.entries.entries().next().value as [string, Entry];
    this.entries.delete(oldestKey);
    this.follows.get(oldest.hubId)?.keys.delete(oldestKey);
    this.unfollowIfEmpty(oldest.hubId);
  }

  private follow(hubId: string): void {
    const follow: Follow = { live: false, unsubscribe: undefined, keys: new Set() };
    this.follows.set(hubId, follow);
    this.feed.subscribe(hubTopic(hubId), (m) => this.onFeed(hubId, m)).then(
      (unsubscribe) => {
        if (this.follows.get(hubId) !== follow) return unsubscribe();
        follow.unsubscribe = unsubscribe;
        follow.live = true;
      },
      // The log could not be read: nothing of this hub is remembered; the next read tries again.
      () => {
        if (this.follows.get(hubId) === follow) this.follows.delete(hubId);
      },
    );
  }

  private onFeed(hubId: string, message: FeedMessage): void {
    if (message.kind === 'resync') return this.forgetHub(hubId);
    if (CONTACT_EVENTS.has(message.event.type)) this.heard(hubId, message.event);
  }

  /** A hub with nothing remembered stops being followed (the feed reads heads of followed topics). */
  private unfollowIfEmpty(hubId: string): void {
    const follow = this.follows.get(hubId);
    if (!follow?.live || follow.keys.size > 0) return;
    this.follows.delete(hubId);
    follow.unsubscribe?.();
  }
}
