// What one load-client process counts for the soak, over all its resuming subscribers: the window
// figures (deliveries, latency, downtime) that each sample reports and starts again, and the running
// totals (cuts, reconnects, terminal events, violations with their evidence).
import { wallClockMs } from '../lib/clock.js';
import { Histogram } from '../lib/histogram.js';
import type { SoakSample, VerifyReply, Violation, ViolationKind } from './protocol.js';

/** Violations kept with their evidence per process; the rest are only counted. */
const EVIDENCE = 20;
const ERRORS = 5;

/** What the tally needs to know of a subscriber. */
export interface TalliedSubscriber {
  readonly name: string;
  readonly open: boolean;
  readonly lastId: string | undefined;
  readonly check: { readonly next: number; firstMissing(): number; completeUpTo(total: number): boolean };
}

export class SoakTally {
  private delivered = 0;
  private live = new Histogram();
  private replayed = new Histogram();
  private downtime = new Histogram();
  private cuts = 0;
  private serverEnded = 0;
  private reconnects = 0;
  private reconnectFailures = 0;
  private readonly reconnectErrors: string[] = [];
  private readonly terminals: Record<string, number> = {};
  private readonly violationCounts: Record<ViolationKind, number> = { gap: 0, duplicate: 0, 'out-of-order': 0, 'missing-at-end': 0 };
  private readonly violations: Violation[] = [];

  /** One event of the checked phase; `live` when it was published while the stream was open. */
  delivery(latencyMs: number, live: boolean): void {
    this.delivered++;
    (live ? this.live : this.replayed).recordMillis(latencyMs);
  }

  violation(v: Violation): void {
    this.violationCounts[v.kind]++;
    if (this.violations.length < EVIDENCE) this.violations.push(v);
  }

  cut(): void {
    this.cuts++;
  }

  ended(terminal: string | undefined): void {
    this.serverEnded++;
    if (terminal !== undefined) this.terminals[terminal] = (this.terminals[terminal] ?? 0) + 1;
  }

  /** A stream opened again; `downMs` since its previous one was cut or ended. */
  reconnected(downMs: number): void {
    this.reconnects++;
    this.downtime.recordMillis(downMs);
  }

  reconnectFailed(error: string): void {
    this.reconnectFailures++;
    if (this.reconnectErrors.length < ERRORS && !this.reconnectErrors.includes(error)) this.reconnectErrors.push(error);
  }

  /** The counters now; the window ones start again. */
  sample(subscribers: readonly TalliedSubscriber[]): SoakSample {
    let minNext = Infinity;
    let maxNext = 0;
    let connected = 0;
    for (const s of subscribers) {
      minNext = Math.min(minNext, s.check.next);
      maxNext = Math.max(maxNext, s.check.next);
      if (s.open) connected++;
    }
    const out: SoakSample = {
      type: 'sample',
      at: wallClockMs(),
      delivered: this.delivered,
      live: this.live.toData(),
      replayed: this.replayed.toData(),
      downtime: this.downtime.toData(),
      subscribers: subscribers.length,
      connected,
      cuts: this.cuts,
      serverEnded: this.serverEnded,
      reconnects: this.reconnects,
      reconnectFailures: this.reconnectFailures,
      reconnectErrors: [...this.reconnectErrors],
      terminals: { ...this.terminals },
      minNext: subscribers.length ? minNext : 0,
      maxNext,
      violationCounts: { ...this.violationCounts },
      violations: [...this.violations],
    };
    this.delivered = 0;
    this.live = new Histogram();
    this.replayed = new Histogram();
    this.downtime = new Histogram();
    return out;
  }

  /** Which subscribers lack some of 0 … total − 1 (nothing is counted: it may be asked again). */
  verify(subscribers: readonly TalliedSubscriber[], total: number): VerifyReply {
    const behind: Violation[] = [];
    let complete = 0;
    let connected = 0;
    for (const s of subscribers) {
      if (s.open) connected++;
      if (s.check.completeUpTo(total)) complete++;
      else if (behind.length < EVIDENCE) behind.push({ subscriber: s.name, kind: 'missing-at-end', expected: s.check.firstMissing(), resumedFrom: s.lastId, at: wallClockMs() });
    }
    return { type: 'verify', subscribers: subscribers.length, complete, connected, behind };
  }
}
