// Exact delivery for one subscriber across all its connections: the sequence numbers 0, 1, 2, … each
// once, in order. A number past the one expected is a gap (what was skipped is remembered); one of
// the skipped arriving later is out of order; any other number already passed is a duplicate.
import type { ViolationKind } from './protocol.js';

export class SequenceCheck {
  /** The next number expected. */
  next = 0;
  /** Numbers a gap skipped that have not arrived since, as [from, to) ranges. */
  private readonly skipped: [number, number][] = [];

  /** Takes one received number; returns what was wrong with it, if anything. */
  receive(seq: number): ViolationKind | undefined {
    if (seq === this.next) {
      this.next++;
      return undefined;
    }
    if (seq > this.next) {
      this.skipped.push([this.next, seq]);
      this.next = seq + 1;
      return 'gap';
    }
    const i = this.skipped.findIndex(([from, to]) => seq >= from && seq < to);
    const range = this.skipped[i];
    if (!range) return 'duplicate';
    const [from, to] = range;
    this.skipped.splice(i, 1, ...([[from, seq], [seq + 1, to]] as [number, number][]).filter(([a, b]) => a < b));
    return 'out-of-order';
  }

  /** The lowest number not received yet (ranges stay in ascending order: gaps come in order, splits keep it). */
  firstMissing(): number {
    return this.skipped[0]?.[0] ?? this.next;
  }

  /** Whether 0 … total − 1 all arrived (a number that arrived late, out of order, counts as arrived). */
  completeUpTo(total: number): boolean {
    return this.next >= total && this.skipped.every(([from]) => from >= total);
  }
}
