// One timer for the periodic check of every connection of a node (idle deadline, heartbeat), instead
// of a timer each. Connections sit in one of a few slots; a single interval visits one slot per step,
// so each connection is ticked once per period and the ticks of many connections spread over the
// period instead of all firing together.

/** Slots are never shorter than this: a shorter period gets fewer slots (one below 2 × this). */
const MIN_STEP_MS = 10;
const MAX_SLOTS = 16;

/** What the wheel ticks: one connection's periodic check. */
export interface Ticking {
  tick(): void;
}

export class TickWheel {
  private readonly slots: Set<Ticking>[];
  private readonly stepMs: number;
  /** The slot the next step visits. */
  private cursor = 0;
  private count = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(readonly periodMs: number) {
    const slots = Math.max(1, Math.min(MAX_SLOTS, Math.floor(periodMs / MIN_STEP_MS)));
    this.slots = Array.from({ length: slots }, () => new Set<Ticking>());
    this.stepMs = periodMs / slots;
  }

  get size(): number {
    return this.count;
  }

  /**
   * Ticks `member` once per period from now on, until it is removed; the first tick comes about one
   * period after this call (the slot just visited, so it is the last to come round again). A member is
   * added once. It is an object rather than a function so that a connection needs no closure to be one.
   */
  add(member: Ticking): void {
    const slot = this.slots[(this.cursor + this.slots.length - 1) % this.slots.length]!;
    slot.add(member);
    this.count += 1;
    if (this.timer === undefined) {
      this.timer = setInterval(() => this.step(), this.stepMs);
      this.timer.unref();
    }
  }

  /** Stops ticking `member` (a no-op for one that is not on the wheel). */
  remove(member: Ticking): void {
    for (const slot of this.slots) {
      if (!slot.delete(member)) continue;
      this.count -= 1;
      if (this.count === 0) this.stop();
      return;
    }
  }

  private step(): void {
    const slot = this.slots[this.cursor]!;
    this.cursor = (this.cursor + 1) % this.slots.length;
    // A member may remove itself (its connection closes); Set iteration allows that.
    for (const member of slot) member.tick();
  }

  private stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}

/**
 * The period of a connection's check: half its heartbeat, so that a stream which carried an event in
 * the last half period can skip its heartbeat without going silent for longer than one heartbeat
 * (Connection.tick); and at least three checks per idle window.
 */
export function tickPeriodMs(heartbeatMs: number, idleTimeoutMs: number): number {
  return Math.max(10, Math.min(heartbeatMs > 0 ? Math.ceil(heartbeatMs / 2) : idleTimeoutMs, Math.ceil(idleTimeoutMs / 3)));
}
