// Each node follows the topics its connections watch and hands every committed event of a topic to
// its local handlers exactly once, in seq order. The bus brings events fast; the log is the truth.
// A missed wake-up (its node died after commit, Redis was down, the bus reconnected) shows as a seq
// gap, as a topic head ahead of what was delivered, or as a resync from the bus, and is filled by
// reading the log — so connected and resuming clients never disagree.
import type { Logger } from '../http/index.js';
import type { Bus, BusMessage } from './bus.js';
import type { EventLog } from './log.js';
import type { EventRecord } from './types.js';

export type FeedMessage =
  | { readonly kind: 'event'; readonly event: EventRecord }
  /** Events were missed by the bus and are about to be delivered from the log: re-check access first. */
  | { readonly kind: 'resync' };

export type FeedHandler = (message: FeedMessage) => void;

export interface FeedOptions {
  /** How often the heads of followed topics are compared with what was delivered. */
  readonly checkEveryMs: number;
  /** How long an event that arrived ahead of its predecessors waits for them before the log is read. */
  readonly gapWaitMs: number;
  readonly pageSize: number;
}

/** Events held ahead of a gap; past this the log is simply read. */
const MAX_EARLY = 10_000;

interface Follow {
  readonly topic: string;
  readonly handlers: Set<FeedHandler>;
  /** The last seq handed to the handlers. */
  lastSeq: number;
  ready: boolean;
  reading: boolean;
  readAgain: boolean;
  /** Wake-ups were lost (the bus reconnected, a head stayed ahead): what the log brings next was missed. */
  resync: boolean;
  /** Events that came by bus ahead of lastSeq + 1, by seq. */
  readonly early: Map<number, EventRecord>;
  gapTimer: NodeJS.Timeout | undefined;
  /** A head seen ahead of lastSeq at the previous check (0: none). */
  suspectHead: number;
  unsubscribe: (() => void) | undefined;
  started: Promise<void> | undefined;
}

export class EventFeed {
  private readonly follows = new Map<string, Follow>();
  private readonly timer: NodeJS.Timeout;
  private checking = false;
  private checkFailing = false;

  constructor(
    private readonly bus: Bus,
    private readonly log: EventLog,
    private readonly options: FeedOptions,
    private readonly logger: Logger,
  ) {
    this.timer = setInterval(() => void this.check(), options.checkEveryMs);
    this.timer.unref();
  }

  /** Resolves once the topic's head is known: every event committed afterwards reaches `handler`. */
  async subscribe(topic: string, handler: FeedHandler): Promise<() => void> {
    let follow = this.follows.get(topic);
    if (!follow) {
      follow = {
        topic, handlers: new Set(), lastSeq: 0, ready: false, reading: false, readAgain: false, resync: false,
        early: new Map(), gapTimer: undefined, suspectHead: 0, unsubscribe: undefined, started: undefined,
      };
      this.follows.set(topic, follow);
      follow.started = this.start(follow);
    }
    const f = follow;
    f.handlers.add(handler);
    try {
      await f.started;
    } catch (e) {
      this.leave(f, handler);
      throw e;
    }
    return () => this.leave(f, handler);
  }

  /** Topics followed on this node (for metrics and tests). */
  get size(): number {
    return this.follows.size;
  }

  close(): void {
    clearInterval(this.timer);
    for (const f of this.follows.values()) this.end(f);
    this.follows.clear();
  }

  private async start(f: Follow): Promise<void> {
    // Not awaited: while the bus is away (a Redis outage) streams still open; once the subscription
    // is live, one read of the log covers anything committed before it was.
    this.bus.subscribe(f.topic, (m) => this.onBus(f, m)).then(
      (unsubscribe) => {
        if (this.follows.get(f.topic) !== f) return unsubscribe();
        f.unsubscribe = unsubscribe;
        void this.catchUp(f);
      },
      (e: unknown) => this.logger.warn({ err: e, topic: f.topic }, 'bus subscription failed; the log is checked instead'),
    );
    try {
      f.lastSeq = (await this.log.heads([f.topic])).get(f.topic) ?? 0;
    } catch (e) {
      if (this.follows.get(f.topic) === f) {
        this.follows.delete(f.topic);
        this.end(f);
      }
      throw e;
    }
    f.ready = true;
    this.flushEarly(f);
  }

  private leave(f: Follow, handler: FeedHandler): void {
    f.handlers.delete(handler);
    if (f.handlers.size > 0 || this.follows.get(f.topic) !== f) return;
    this.follows.delete(f.topic);
    this.end(f);
  }

  private end(f: Follow): void {
    clearTimeout(f.gapTimer);
    f.gapTimer = undefined;
    f.unsubscribe?.();
    f.unsubscribe = undefined;
  }

  private onBus(f: Follow, message: BusMessage): void {
    if (message.kind === 'resync') {
      f.resync = true;
      void this.catchUp(f);
      return;
    }
    const event = message.event;
    if (event.seq <= f.lastSeq) return;
    if (f.ready && !f.reading && event.seq === f.lastSeq + 1) {
      this.deliver(f, event);
      if (f.early.size > 0) this.flushEarly(f);
      return;
    }
    if (f.early.size >= MAX_EARLY) {
      f.early.clear();
      void this.catchUp(f);
      return;
    }
    f.early.set(event.seq, event);
    if (f.ready && !f.reading) this.armGap(f);
  }

  /** Delivers what came early and now follows on; a remaining hole waits a little, then reads the log. */
  private flushEarly(f: Follow): void {
    for (let next = f.early.get(f.lastSeq + 1); next; next = f.early.get(f.lastSeq + 1)) {
      f.early.delete(next.seq);
      this.deliver(f, next);
    }
    for (const seq of f.early.keys()) if (seq <= f.lastSeq) f.early.delete(seq);
    if (f.early.size > 0) this.armGap(f);
    else if (f.gapTimer) {
      clearTimeout(f.gapTimer);
      f.gapTimer = undefined;
    }
  }

  private armGap(f: Follow): void {
    if (f.gapTimer) return;
    f.gapTimer = setTimeout(() => {
      f.gapTimer = undefined;
      void this.catchUp(f);
    }, this.options.gapWaitMs);
    f.gapTimer.unref();
  }

  /** Reads the log after lastSeq until it has nothing more, delivering in order. */
  private async catchUp(f: Follow): Promise<void> {
    if (!f.ready) return;
    if (f.reading) {
      f.readAgain = true;
      return;
    }
    f.reading = true;
    clearTimeout(f.gapTimer);
    f.gapTimer = undefined;
    try {
      do {
        f.readAgain = false;
        for (;;) {
          const page = await this.log.readAfterSeq(f.topic, f.lastSeq, this.options.pageSize);
          if (this.follows.get(f.topic) !== f) return;
          if (page.length > 0 && f.resync) {
            f.resync = false;
            this.emit(f, { kind: 'resync' });
          }
          // A seq can only be missing from the log when it was pruned; go on from what is there.
          for (const event of page) if (event.seq > f.lastSeq) this.deliver(f, event);
          if (page.length < this.options.pageSize) break;
        }
      } while (f.readAgain);
      f.resync = false;
    } catch (e) {
      // The periodic check tries again.
      this.logger.warn({ err: e, topic: f.topic }, 'reading the event log failed');
    } finally {
      f.reading = false;
    }
    this.flushEarly(f);
  }

  private deliver(f: Follow, event: EventRecord): void {
    f.lastSeq = event.seq;
    this.emit(f, { kind: 'event', event });
  }

  private emit(f: Follow, message: FeedMessage): void {
    for (const handler of f.handlers) {
      try {
        handler(message);
      } catch {
        // One failing connection must not stop delivery to the others; connections log their own errors.
      }
    }
  }

  /**
   * Compares the heads of followed topics with what was delivered. A topic seen behind at two checks
   * in a row lost its wake-up (a wake-up merely in flight arrives well within one interval).
   */
  private async check(): Promise<void> {
    if (this.checking) return;
    const follows = [...this.follows.values()].filter((f) => f.ready && !f.reading);
    if (follows.length === 0) return;
    this.checking = true;
    try {
      const heads = await this.log.heads(follows.map((f) => f.topic));
      for (const f of follows) {
        const head = heads.get(f.topic) ?? 0;
        if (head <= f.lastSeq) {
          f.suspectHead = 0;
        } else if (f.suspectHead > 0 && f.lastSeq < f.suspectHead) {
          // A lost wake-up: its connections re-check their access before what they missed.
          f.suspectHead = 0;
          f.resync = true;
          void this.catchUp(f);
        } else {
          f.suspectHead = head;
        }
      }
      if (this.checkFailing) this.logger.info('event log reachable again');
      this.checkFailing = false;
    } catch (e) {
      if (!this.checkFailing) this.logger.warn({ err: e }, 'checking the event log failed');
      this.checkFailing = true;
    } finally {
      this.checking = false;
    }
  }
}
