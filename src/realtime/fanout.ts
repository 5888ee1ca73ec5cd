// Fan-out grouped by access scope. A node's connections to one topic through one codec form a group
// that follows the topic once; inside it, connections whose access has the same scope (hub members with
// the same segments, every organizer socket of an organization) sit in one bucket. For each event the
// group asks each bucket's access once and encodes the frame once, and each member of the bucket only
// queues the shared bytes — instead of every connection repeating the check and the frame lookup (as
// Centrifugo's hub keeps subscribers per channel). An event whose visibility depends on the member (a
// direct message) goes to each member's own check.
// A member that filters on its own — still starting, holding events while it replays or reloads its
// access — gets every message as before, and joins a bucket again once it is live with nothing held.
import { isAccessEvent, type EventRecord, type FeedMessage } from '../events/index.js';
import type { Access, Codec, Frame } from './types.js';

/** What a group needs of a connection. */
export interface FanoutMember {
  /** Every message, for a member that filters on its own. */
  onMessage(message: FeedMessage): void;
  /** An event for a member in a bucket: `frame` is its bytes, undefined when the bucket's access hides it. */
  take(event: EventRecord, frame: Frame | undefined): void;
}

/** A member's place in its group. */
export interface Membership {
  /** Shared delivery under `access` (the member is live, holds nothing and sees what `access` allows). */
  share(access: Access): void;
  /** Every message to the member's own onMessage. */
  own(): void;
  leave(): void;
}

/** Where committed events of a topic arrive on this node: the EventFeed. */
export interface TopicFeed {
  subscribe(topic: string, handler: (message: FeedMessage) => void): Promise<() => void>;
}

interface Bucket {
  /** The access every member's own agrees with on all but personal events (the first member's). */
  readonly access: Access;
  readonly members: Set<FanoutMember>;
}

class Group {
  /** Members that filter on their own. */
  readonly own = new Set<FanoutMember>();
  /** Members delivered to together, by the scope of their access. */
  readonly shared = new Map<unknown, Bucket>();
  /** Where each shared member sits. */
  readonly bucketOf = new Map<FanoutMember, unknown>();
  unsubscribe: (() => void) | undefined;
  started: Promise<void> | undefined;

  constructor(readonly topic: string, readonly codec: Codec) {}

  get size(): number {
    return this.own.size + this.bucketOf.size;
  }

  onMessage(message: FeedMessage): void {
    // A resync or an access change may move members between buckets while they take it: hand it to a
    // copy of the list, so each member gets it exactly once.
    if (message.kind === 'resync' || isAccessEvent(message.event)) {
      for (const member of [...this.own, ...this.bucketOf.keys()]) toOwn(member, message);
      return;
    }
    for (const member of this.own) toOwn(member, message);
    if (this.shared.size === 0) return;
    const event = message.event;
    // Encoded on first need, once for every bucket that shows it.
    let frame: Frame | undefined | null = null;
    for (const { access, members } of this.shared.values()) {
      if (access.personal?.(event)) {
        for (const member of members) toOwn(member, message);
        continue;
      }
      let shown: Frame | undefined;
      if (access.allows(event)) shown = frame === null ? (frame = this.codec.event(event)) : frame;
      for (const member of members) {
        try {
          member.take(event, shown);
        } catch {
          // One member failing must not stop delivery to the others; connections log their own errors.
        }
      }
    }
  }

  share(member: FanoutMember, access: Access): void {
    this.unshare(member);
    this.own.delete(member);
    const key = access.scopeKey ?? access;
    let bucket = this.shared.get(key);
    if (!bucket) this.shared.set(key, (bucket = { access, members: new Set() }));
    bucket.members.add(member);
    this.bucketOf.set(member, key);
  }

  makeOwn(member: FanoutMember): void {
    this.unshare(member);
    this.own.add(member);
  }

  remove(member: FanoutMember): void {
    this.unshare(member);
    this.own.delete(member);
  }

  private unshare(member: FanoutMember): void {
    if (!this.bucketOf.has(member)) return;
    const key = this.bucketOf.get(member);
    this.bucketOf.delete(member);
    const bucket = this.shared.get(key);
    bucket?.members.delete(member);
    if (bucket?.members.size === 0) this.shared.delete(key);
  }
}

function toOwn(member: FanoutMember, message: FeedMessage): void {
  try {
    member.onMessage(message);
  } catch {
    // One member failing must not stop delivery to the others; connections log their own errors.
  }
}

export class Fanout {
  /** topic → codec → group. */
  private readonly groups = new Map<string, Map<Codec, Group>>();

  constructor(private readonly feed: TopicFeed) {}

  /** Groups on this node (for tests and metrics). */
  get size(): number {
    let n = 0;
    for (const byCodec of this.groups.values()) n += byCodec.size;
    return n;
  }

  /**
   * Joins `member` to the group of `topic` and `codec`, filtering on its own until it shares; resolves
   * once every event committed afterwards reaches it.
   */
  async join(topic: string, codec: Codec, member: FanoutMember): Promise<Membership> {
    let byCodec = this.groups.get(topic);
    if (!byCodec) this.groups.set(topic, (byCodec = new Map()));
    let group = byCodec.get(codec);
    if (!group) {
      const g = new Group(topic, codec);
      byCodec.set(codec, g);
      g.started = this.feed.subscribe(topic, (m) => g.onMessage(m)).then(
        (unsubscribe) => {
          // The group emptied while its subscription was being made: nobody is left to hear the topic.
          if (this.groups.get(topic)?.get(codec) === g) g.unsubscribe = unsubscribe;
          else unsubscribe();
        },
        (e: unknown) => {
          this.forget(g);
          throw e;
        },
      );
      group = g;
    }
    const g = group;
    g.own.add(member);
    try {
      await g.started;
    } catch (e) {
      this.leave(g, member);
      throw e;
    }
    let left = false;
    return {
      share: (access) => void (left || g.share(member, access)),
      own: () => void (left || g.makeOwn(member)),
      leave: () => {
        if (left) return;
        left = true;
        this.leave(g, member);
      },
    };
  }

  private leave(g: Group, member: FanoutMember): void {
    g.remove(member);
    if (g.size > 0) return;
    this.forget(g);
    // A group whose subscription is still being made unsubscribes as soon as it is (see join).
    g.unsubscribe?.();
    g.unsubscribe = undefined;
  }

  private forget(g: Group): void {
    const byCodec = this.groups.get(g.topic);
    if (byCodec?.get(g.codec) !== g) return;
    byCodec.delete(g.codec);
    if (byCodec.size === 0) this.groups.delete(g.topic);
  }
}
