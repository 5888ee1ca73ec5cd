// One realtime connection, transport-agnostic. Subscribe order is what makes resume gap-free:
// register live first (buffering), send the snapshot, replay the log after the cursor, then flush the
// buffer dropping ids already sent — no gap, no duplicate, in order. Access changes arrive as events
// of the same log, so they apply in order with everything else, wherever and whenever they happened.
import { ACCESS_EVENTS, isAccessEvent, revokedKeyIds, type EventLog, type EventRecord, type FeedMessage } from '../events/index.js';
import type { Fanout, FanoutMember, Membership } from './fanout.js';
import type { StallWatch, WatchedPeer } from './liveness.js';
import { TickWheel, tickPeriodMs } from './tick-wheel.js';
import { timeoutAt } from './timers.js';
import type { Access, Codec, ConnectionLabel, ConnectionLease, Frame, OpenConnection, TerminalType, Wire } from './types.js';

export interface ConnectionLimits {
  readonly heartbeatMs: number;
  readonly idleTimeoutMs: number;
  /** Bytes a client may have unread before it is closed as too slow. */
  readonly queueLimitBytes: number;
  readonly replayPageSize: number;
  /** Live events held while the replay runs; past this the client is too far behind. */
  readonly maxBufferedEvents: number;
}

export interface ConnectionSpec {
  readonly topic: string;
  /** Who this is, for access-change events: the contact on a hub stream. */
  readonly contactId?: string;
  /** The API key the stream was opened with: its revocation ends the stream. */
  readonly keyId?: string;
  readonly cursor?: string;
  readonly access: Access;
  /** Reloads access after a change; undefined means access is gone. */
  readonly refreshAccess?: () => Promise<Access | undefined>;
  /** Frames that describe current state, sent before anything else. */
  readonly snapshot?: () => Promise<readonly string[]>;
  readonly expiresAtMs?: number;
  readonly wire: Wire;
  readonly codec: Codec;
  readonly lease?: ConnectionLease;
  /** Who holds the connection and through which surface: what operators see in the list of open connections. */
  readonly label?: ConnectionLabel;
}

export interface ConnectionDeps {
  readonly log: EventLog;
  /** Where the connection hears its topic, grouped with the node's other connections that see the same. */
  readonly fanout: Pick<Fanout, 'join'>;
  readonly limits: ConnectionLimits;
  readonly onClosed: (connection: Connection) => void;
  readonly onError: (error: unknown) => void;
  /** The shared check of peers that cannot answer (SSE), when the platform has one. */
  readonly stalls?: StallWatch;
  /** The node's one timer for every connection's heartbeat and idle check (a wheel of its own without). */
  readonly ticks?: TickWheel;
}

type State = 'starting' | 'live' | 'closed';

/** How long an overflowed client has to read up to its terminal frame before its connection is reset. */
const OVERFLOW_LINGER_MS = 5000;

export class Connection implements FanoutMember {
  private state: State = 'starting';
  private access: Access;
  /** Highest event id handled (sent or filtered out): the dedupe line between replay and live. */
  private lastSeenId: string | undefined;
  /** Live events held while replaying or reloading access. */
  private held: EventRecord[] | undefined = [];
  /** An access reload in progress: events wait for it. */
  private refreshing: Promise<void> | undefined;
  /** Access changed again while a reload was running: it may have read the state before that change. */
  private refreshAgain = false;
  /** In its group's shared delivery: live, nothing held, no reload running. */
  private sharing = false;
  private membership: Membership | undefined;
  /** The wheel ticking this connection once armed (the node's, or one of its own without). */
  private ticks: TickWheel | undefined;
  /** Time since the last heartbeat or ping (since the stream may have gone silent, with a heartbeat frame). */
  private sinceBeat = 0;
  /** `writes` at the last tick: more since then means the stream was not silent. */
  private writesAtTick = 0;
  /** The check right at the idle deadline, when it falls between two ticks. */
  private idleRecheck: NodeJS.Timeout | undefined;
  /** The timer of the token's expiry, armed once the expiry is within two ticks. */
  private stopExpiry: (() => void) | undefined;
  private watched: WatchedPeer | undefined;
  /** Writes so far, and how many had left the buffer at the last tick (the idle rule reads these). */
  private writes = 0;
  private flushedWrites = 0;
  /**
   * Bytes of frames handed to the wire so far, and how many of them had left its buffer at the last
   * check: a slow reader whose buffer never empties still takes some between two ticks.
   */
  private bytesWritten = 0;
  private bytesFlushed = 0;
  private lastProgressAt = Date.now();
  private readonly since = Date.now();
  /** Logged events written to this client (snapshots and acknowledgements not counted). */
  private eventsSent = 0;
  /** Settles once start() has sent the snapshot and the replay (or failed): a hold() waits for it. */
  private readonly started: Promise<void>;
  private startDone: () => void = () => undefined;

  constructor(
    readonly id: string,
    private readonly spec: ConnectionSpec,
    private readonly deps: ConnectionDeps,
  ) {
    this.access = spec.access;
    this.started = new Promise((resolve) => (this.startDone = resolve));
    spec.wire.onClose(() => this.cleanup());
  }

  get transport(): Wire['transport'] {
    return this.spec.wire.transport;
  }

  get contactId(): string | undefined {
    return this.spec.contactId;
  }

  get closed(): boolean {
    return this.state === 'closed';
  }

  /** What the operators' list shows of this connection. */
  describe(): OpenConnection {
    const label = this.spec.label;
    return {
      id: this.id,
      surface: label?.surface ?? 'unknown',
      transport: this.transport,
      orgId: label?.orgId ?? null,
      credential: label?.credential ?? 'unknown',
      topic: this.spec.topic,
      remoteAddress: label?.remoteAddress ?? this.spec.wire.socket?.remoteAddress ?? '',
      since: this.since,
      bytesQueued: this.spec.wire.bufferedBytes(),
      eventsSent: this.eventsSent,
    };
  }

  async start(): Promise<void> {
    try {
      const membership = await this.deps.fanout.join(this.spec.topic, this.spec.codec, this);
      if (this.closed) return membership.leave();
      this.membership = membership;
      this.armTimers();
      if (this.spec.snapshot) for (const frame of await this.spec.snapshot()) this.write(frame);
      if (this.spec.cursor !== undefined) await this.replay(this.spec.cursor);
      if (this.closed) return;
      this.state = 'live';
      // An access reload still pending keeps holding; it releases the held events itself.
      if (!this.refreshing) this.releaseHeld();
    } catch (e) {
      this.deps.onError(e);
      this.spec.wire.destroy();
      this.cleanup();
    } finally {
      this.startDone();
    }
  }

  /** Sends a frame that is not a logged event (acknowledgements, snapshots after a subscribe). */
  push(frame: Frame): void {
    this.write(frame);
  }

  /**
   * Runs `change` while live events wait (a subscribe: read what it adds, send it, widen the access),
   * then delivers them under the access as `change` left it. An event that arrives during the read is
   * neither dropped for an access that did not allow it yet nor sent ahead of the state it follows;
   * the access decides whether the state already reflects it. One at a time with access reloads, and
   * after the opening snapshot: a snapshot read after the change would send its state again, or an
   * older one read before it.
   */
  async hold(change: () => Promise<void>): Promise<void> {
    await this.started;
    while (this.refreshing) await this.refreshing;
    if (this.closed) return;
    this.held ??= [];
    this.stopSharing();
    let done = (): void => undefined;
    this.refreshing = new Promise<void>((resolve) => {
      done = resolve;
    });
    try {
      await change();
    } finally {
      this.refreshing = undefined;
      done();
      if (this.refreshAgain) {
        this.refreshAgain = false;
        this.refreshAccess();
      } else if (this.state === 'live') this.releaseHeld();
    }
  }

  /** Replaces what this connection may see (a WebSocket client changed its subscriptions). */
  setAccess(access: Access): void {
    this.access = access;
    if (this.sharing) this.membership?.share(access);
  }

  /** Ends the stream with a terminal event (no id: not resumable), then closes. */
  terminate(type: TerminalType, data: Readonly<Record<string, unknown>> = {}): void {
    if (this.closed) return;
    const wire = this.spec.wire;
    wire.write(this.spec.codec.terminal(type, data));
    if (type === 'stream.overflow') this.endOverflowed(wire);
    else wire.end(type);
    this.cleanup();
  }

  /**
   * An overflowed client is not reading, or barely. Its terminal frame goes behind what it has not
   * read, and it gets a few seconds to read up to it and close. Node would close the socket as soon as
   * the kernel took the last bytes, leaving them to an orphaned socket that keeps resending into a
   * closed window for minutes; so this socket waits for the client instead, and one that has not
   * closed by the deadline is reset, which frees its buffers at once (a WebSocket, whose close
   * handshake the client never answers, is reset by its wire).
   */
  private endOverflowed(wire: Wire): void {
    const socket = wire.socket;
    if (socket) socket.destroySoon = () => void socket.end();
    wire.end('stream.overflow');
    // Not unref'd: a server that is closing waits for this connection, so the timer must keep running.
    setTimeout(() => {
      if (socket && !socket.destroyed) socket.resetAndDestroy();
      if (wire.reset) wire.reset();
      else wire.destroy();
    }, OVERFLOW_LINGER_MS);
  }

  private async replay(cursor: string): Promise<void> {
    let after = cursor;
    this.lastSeenId = cursor;
    for (;;) {
      const page = await this.deps.log.readAfter(this.spec.topic, after, this.deps.limits.replayPageSize);
      for (const event of page) {
        // Replay is paced by the reader: wait for room instead of treating a catch-up as overflow.
        await this.drained();
        if (this.closed) return;
        this.deliver(event);
        // An access change in the replay: what follows is filtered under the new access.
        while (this.refreshing) await this.refreshing;
      }
      const last = page.at(-1);
      if (!last || page.length < this.deps.limits.replayPageSize) return;
      after = last.id;
    }
  }

  /** A message from the topic while this connection filters on its own (see fanout.ts). */
  onMessage(message: FeedMessage): void {
    if (this.closed) return;
    if (message.kind === 'resync') return this.refreshAccess();
    if (this.held) {
      if (this.held.length >= this.deps.limits.maxBufferedEvents) return this.terminate('stream.overflow', { reason: 'slow_consumer' });
      this.held.push(message.event);
      return;
    }
    this.deliver(message.event);
  }

  /** An event the group checked against this connection's access and encoded (frame undefined: hidden). */
  take(event: EventRecord, frame: Frame | undefined): void {
    if (this.closed) return;
    // A replay may have read an event the feed brings only now.
    if (this.lastSeenId !== undefined && event.id <= this.lastSeenId) return;
    this.lastSeenId = event.id;
    if (frame === undefined) return;
    this.write(frame);
    this.eventsSent++;
  }

  private deliver(event: EventRecord): void {
    if (this.lastSeenId !== undefined && event.id <= this.lastSeenId) return;
    this.lastSeenId = event.id;
    if (isAccessEvent(event)) return this.onAccessEvent(event);
    if (!this.access.allows(event)) return;
    const frame = this.spec.codec.event(event);
    if (frame === undefined) return;
    this.write(frame);
    this.eventsSent++;
  }

  private write(frame: Frame): void {
    if (this.closed) return;
    if (this.spec.wire.bufferedBytes() > this.deps.limits.queueLimitBytes && this.behind()) {
      this.terminate('stream.overflow', { reason: 'slow_consumer' });
      return;
    }
    this.spec.wire.write(frame);
    this.writes++;
    this.bytesWritten += frame.length;
  }

  /**
   * Past the bound, whether the client is behind. This turn's frames count until the turn ends, so
   * a burst of more than the bound within one turn would end a client that takes all it is sent:
   * they go to the transport now, and only what it still holds then counts.
   */
  private behind(): boolean {
    this.spec.wire.flush();
    return this.spec.wire.bufferedBytes() > this.deps.limits.queueLimitBytes;
  }

  private onAccessEvent(event: EventRecord): void {
    if (event.type === ACCESS_EVENTS.keyRevoked) {
      if (this.spec.keyId !== undefined && revokedKeyIds(event).includes(this.spec.keyId)) this.terminate('stream.unauthorized', { reason: 'key_revoked' });
      return;
    }
    const me = this.spec.contactId;
    if (me === undefined || !event.scope.contact_ids?.includes(me)) return;
    if (event.type === ACCESS_EVENTS.contactRevoked) return this.terminate('stream.unauthorized', { reason: 'access_revoked' });
    if (event.type === ACCESS_EVENTS.contactChanged) this.refreshAccess();
  }

  /** Reloads what this connection may see, holding live events until it is known. */
  private refreshAccess(): void {
    const refresh = this.spec.refreshAccess;
    if (!refresh) return;
    if (this.refreshing) {
      this.refreshAgain = true;
      return;
    }
    this.held ??= [];
    this.stopSharing();
    this.refreshing = refresh().then(
      (access) => {
        this.refreshing = undefined;
        if (this.closed) return;
        if (!access) return this.terminate('stream.unauthorized', { reason: 'access_revoked' });
        this.access = access;
        if (this.refreshAgain) {
          this.refreshAgain = false;
          return this.refreshAccess();
        }
        if (this.state === 'live') this.releaseHeld();
      },
      (e: unknown) => {
        this.refreshing = undefined;
        this.deps.onError(e);
        if (this.state === 'live') this.releaseHeld();
      },
    );
  }

  /**
   * Delivers held events, then shares its group's delivery; one of them may start another access
   * reload, which holds the rest again.
   */
  private releaseHeld(): void {
    const held = this.held ?? [];
    this.held = undefined;
    for (let i = 0; i < held.length; i++) {
      if (this.closed) return;
      this.deliver(held[i]!);
      if (this.refreshing) {
        this.held = [...held.slice(i + 1), ...(this.held ?? [])];
        return;
      }
    }
    if (this.closed) return;
    this.sharing = true;
    this.membership?.share(this.access);
  }

  /** Filters on its own again: events are about to be held. */
  private stopSharing(): void {
    if (!this.sharing) return;
    this.sharing = false;
    this.membership?.own();
  }

  /**
   * A connection needs no timer of its own while it is idle: the node's wheel ticks it (idle check,
   * heartbeat, and the token's expiry once it is near), and the stall watch holds it as a peer.
   */
  private armTimers(): void {
    const { heartbeatMs, idleTimeoutMs } = this.deps.limits;
    const wire = this.spec.wire;
    this.armExpiry();
    if (wire.socket && this.deps.stalls) this.watched = this.deps.stalls.watch(wire.socket, this);
    this.ticks = this.deps.ticks ?? new TickWheel(tickPeriodMs(heartbeatMs, idleTimeoutMs));
    this.ticks.add(this);
  }

  /** The periodic check, once per period of the wheel: idle deadline, heartbeat, expiry. */
  tick(): void {
    this.checkIdle();
    if (this.closed) return;
    this.armExpiry();
    const { heartbeatMs } = this.deps.limits;
    if (heartbeatMs <= 0) return;
    const period = this.tickMs();
    const beat = this.spec.codec.heartbeat();
    if (beat === undefined) {
      // A ping is also how the peer is heard from (its pong): one every heartbeat, events or not.
      this.sinceBeat += period;
      if (this.sinceBeat >= heartbeatMs) {
        this.sinceBeat = 0;
        this.spec.wire.ping?.();
        this.writes++;
      }
      return;
    }
    // A heartbeat frame only keeps a silent stream's path open, so a stream that carried anything
    // since the last tick needs none: at one event a second to every stream, no heartbeat is written.
    // `sinceBeat` is then how long the stream may have been silent, counted from the start of the
    // period the last write fell in; the heartbeat goes out at the last tick before that passes one
    // heartbeat, so the silence never does.
    if (this.writes !== this.writesAtTick) this.sinceBeat = period;
    else this.sinceBeat += period;
    if (this.sinceBeat + period > heartbeatMs) {
      this.write(beat);
      this.sinceBeat = 0;
    }
    this.writesAtTick = this.writes;
  }

  /** The stall watch found that the peer stopped acknowledging. */
  stalled(): void {
    this.watched = undefined;
    this.drop();
  }

  private tickMs(): number {
    return this.ticks?.periodMs ?? tickPeriodMs(this.deps.limits.heartbeatMs, this.deps.limits.idleTimeoutMs);
  }

  /**
   * Arms the expiry's timer once the expiry falls before the tick after next: a tick may come a little
   * late, and the stream must end at the expiry instant, not at the first tick after it.
   */
  private armExpiry(): void {
    const at = this.spec.expiresAtMs;
    if (at === undefined || this.stopExpiry !== undefined || at - Date.now() >= 2 * this.tickMs()) return;
    this.stopExpiry = timeoutAt(at, () => this.terminate('stream.expired', { reason: 'token_expired' }));
  }

  private checkIdle(): void {
    if (this.closed) return;
    const { heartbeatMs, idleTimeoutMs } = this.deps.limits;
    const wire = this.spec.wire;
    const now = Date.now();
    const buffered = wire.bufferedBytes();
    // Progress: what was written has all left the buffer (a ping counts, it is written past it), or
    // some of it has since the last check. A string frame counts its characters, never more than its
    // bytes, so an undercount can only hide progress until the buffer drains, never invent it.
    const flushed = this.bytesWritten - buffered;
    if ((buffered === 0 && this.writes !== this.flushedWrites) || flushed > this.bytesFlushed) {
      this.flushedWrites = buffered === 0 ? this.writes : this.flushedWrites;
      this.bytesFlushed = Math.max(this.bytesFlushed, flushed);
      this.lastProgressAt = now;
    }
    // Idle since neither an event nor a heartbeat reached the client, or since the peer last
    // answered a ping (bytes to a vanished peer leave Node's buffer all the same): drop it. A peer is
    // heard from only in answer to pings: without heartbeats its silence means nothing.
    const heardAt = heartbeatMs > 0 && wire.lastHeardAt ? wire.lastHeardAt() : now;
    const aliveAt = Math.min(this.lastProgressAt, heardAt);
    const left = aliveAt + idleTimeoutMs - now;
    if (left <= 0) return this.drop();
    // The next tick would come after the deadline: check again right at it, so the window holds.
    if (left < this.tickMs() && this.idleRecheck === undefined) {
      this.idleRecheck = setTimeout(() => {
        this.idleRecheck = undefined;
        this.checkIdle();
      }, left + 1);
      this.idleRecheck.unref();
    }
  }

  /**
   * Drops a connection whose peer is gone: no terminal event, it could not arrive. With a reset, so
   * what the kernel still holds for it is freed now, not left to an orphaned socket that keeps
   * resending it for minutes.
   */
  private drop(): void {
    if (this.closed) return;
    const wire = this.spec.wire;
    const socket = wire.socket;
    if (socket && !socket.destroyed) socket.resetAndDestroy();
    if (wire.reset) wire.reset();
    else wire.destroy();
    this.cleanup();
  }

  /** Resolves when the transport's buffer has room again (replay pages wait on slow readers). */
  private async drained(): Promise<void> {
    while (!this.closed && this.spec.wire.bufferedBytes() > this.deps.limits.queueLimitBytes / 2) {
      if (Date.now() - this.lastProgressAt > this.deps.limits.idleTimeoutMs) return;
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  private cleanup(): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.held = undefined;
    this.membership?.leave();
    this.ticks?.remove(this);
    clearTimeout(this.idleRecheck);
    this.stopExpiry?.();
    if (this.watched) this.deps.stalls?.unwatch(this.watched);
    this.spec.lease?.release();
    this.deps.onClosed(this);
  }
}
