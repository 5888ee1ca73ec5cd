// How late the event loop runs what is due. Node's monitor is a timer that fires every
// `LOOP_DELAY_RESOLUTION_MS` and records how long each interval really took, so each of its samples
// wakes an idle process: at the Prometheus client's default of 10 ms beside a second monitor at
// 20 ms, an idle node woke about 140 times a second. Every monitor in the process shares this one
// coarser period; a stall still shows, since the tick that falls due inside it fires late by the
// rest of it.
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';

/** The period of every event-loop delay monitor in the process (the node stats and `/metrics`). */
export const LOOP_DELAY_RESOLUTION_MS = 50;

/** The event loop's delay, read (and reset) once per sample. */
export class LoopDelay {
  private readonly histogram: IntervalHistogram = monitorEventLoopDelay({ resolution: LOOP_DELAY_RESOLUTION_MS });

  constructor() {
    this.histogram.enable();
  }

  /**
   * The p99 in ms since the last read of how much later than due the monitor's ticks ran. Node records
   * each tick's whole interval, the period included, so the period is taken off: an idle loop reads
   * about 0, not the period.
   */
  read(): number {
    const p99 = this.histogram.percentile(99) / 1e6;
    this.histogram.reset();
    return lateByMs(p99);
  }

  close(): void {
    this.histogram.disable();
  }
}

/** How late a tick ran, from its whole interval in ms (0 for none recorded), to 0.01 ms. */
export function lateByMs(intervalMs: number): number {
  if (!Number.isFinite(intervalMs) || intervalMs <= LOOP_DELAY_RESOLUTION_MS) return 0;
  return Math.round((intervalMs - LOOP_DELAY_RESOLUTION_MS) * 100) / 100;
}
