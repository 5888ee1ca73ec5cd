// A hub subscriber that behaves through cuts as a browser EventSource does: when its connection is
// cut (the harness resets the socket, no close handshake) or the server ends the stream, it waits a
// random moment and reconnects with Last-Event-ID = the id of the last event it received. Every
// payload of the checked phase goes through its SequenceCheck, so a gap, a duplicate or a reordering
// across reconnects is counted, with evidence, the moment it arrives.
import type { ClientRequest } from 'node:http';
import { wallClockMs } from '../lib/clock.js';
import type { BenchPayload, ResumeSpec } from './protocol.js';
import { SequenceCheck } from './sequence-check.js';
import type { SoakTally } from './soak-tally.js';
import { SseFrames } from './sse-frames.js';
import { openSseRequest } from './sse-request.js';

export interface SubscriberTarget {
  readonly url: URL;
  readonly headers: Readonly<Record<string, string>>;
  readonly localAddress: string;
  readonly timeoutMs: number;
}

/** One open stream of the subscriber. */
interface Stream {
  readonly req: ClientRequest;
  /** When its 200 arrived: an event published before then reached it by replay. */
  readonly openedAt: number;
  readonly resumedFrom: string | undefined;
  cut: boolean;
  done: boolean;
  terminal: string | undefined;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class ResumingSubscriber {
  readonly counts = new Map<string, number>();
  readonly check = new SequenceCheck();
  lastId: string | undefined;
  private stream: Stream | undefined;
  private stopped = false;
  /** When the previous stream was cut or ended, while reconnecting. */
  private downSince: number | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    readonly name: string,
    private readonly target: SubscriberTarget,
    private readonly spec: ResumeSpec,
    private readonly tally: SoakTally,
    /** The benchmark payload an event's data holds, if it is one. */
    private readonly payloadOf: (data: string) => BenchPayload | undefined,
    /** Every benchmark payload, as the load client records any connection's (per-phase counts and latency). */
    private readonly record: (payload: BenchPayload, at: number) => void,
  ) {}

  get open(): boolean {
    return this.stream !== undefined && !this.stream.done && !this.stream.cut;
  }

  /** Opens the first stream; a refusal is tried again, up to the spec's attempts. */
  async start(): Promise<this> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.connect(this.target.timeoutMs);
        return this;
      } catch (e) {
        if (attempt >= this.spec.firstAttempts || this.stopped) throw e;
        await sleep(this.spec.retryMs);
      }
    }
  }

  /** Resets the socket of the open stream; false when there is none. */
  cut(): boolean {
    const s = this.stream;
    if (!s || s.done || s.cut) return false;
    s.cut = true;
    this.downSince = wallClockMs();
    this.tally.cut();
    const socket = s.req.socket;
    if (socket && !socket.destroyed) socket.resetAndDestroy();
    else s.req.destroy();
    return true;
  }

  close(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.stream?.req.destroy();
  }

  private async connect(timeoutMs: number): Promise<void> {
    const resumedFrom = this.lastId;
    const headers = resumedFrom === undefined ? this.target.headers : { ...this.target.headers, 'last-event-id': resumedFrom };
    const { req, res } = await openSseRequest(this.target.url, headers, this.target.localAddress, timeoutMs);
    // A reset after the headers surfaces as errors on both; the close that follows is what counts.
    req.on('error', () => undefined);
    res.on('error', () => undefined);
    if (this.stopped) {
      req.destroy();
      return;
    }
    const stream: Stream = { req, openedAt: wallClockMs(), resumedFrom, cut: false, done: false, terminal: undefined };
    this.stream = stream;
    if (this.downSince !== undefined) {
      this.tally.reconnected(stream.openedAt - this.downSince);
      this.downSince = undefined;
    }
    const frames = new SseFrames();
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      // After a cut the stream is gone for this subscriber, as it is for a browser, even if bytes were in flight.
      if (stream.cut) return;
      const at = wallClockMs();
      for (const e of frames.pushEvents(chunk)) this.onEvent(stream, e.id, e.event, e.data, at);
    });
    const ended = () => this.ended(stream);
    res.once('close', ended);
    req.once('close', ended);
  }

  private onEvent(stream: Stream, id: string | undefined, event: string | undefined, data: string | undefined, at: number): void {
    // Terminal events carry no id: they end the stream and are not a cursor.
    if (id === undefined && event?.startsWith('stream.')) stream.terminal = event;
    if (data !== undefined) {
      const payload = this.payloadOf(data);
      if (payload) {
        this.record(payload, at);
        if (payload.p === this.spec.phase) this.checkOne(stream, payload, id, at);
      }
    }
    if (id !== undefined) this.lastId = id;
  }

  private checkOne(stream: Stream, payload: BenchPayload, id: string | undefined, at: number): void {
    this.tally.delivery(at - payload.t, payload.t >= stream.openedAt);
    const expected = this.check.next;
    const kind = this.check.receive(payload.s);
    if (kind) this.tally.violation({ subscriber: this.name, kind, expected, got: payload.s, eventId: id, resumedFrom: stream.resumedFrom, at });
  }

  private ended(stream: Stream): void {
    if (stream.done) return;
    stream.done = true;
    if (this.stopped) return;
    if (!stream.cut) {
      this.downSince = wallClockMs();
      this.tally.ended(stream.terminal);
    }
    this.timer = setTimeout(() => this.reconnect(), Math.random() * this.spec.reconnectWithinMs);
  }

  private reconnect(): void {
    if (this.stopped) return;
    this.connect(this.spec.reconnectTimeoutMs).catch((e: unknown) => {
      this.tally.reconnectFailed(e instanceof Error ? e.message : String(e));
      if (!this.stopped) this.timer = setTimeout(() => this.reconnect(), this.spec.retryMs);
    });
  }
}
