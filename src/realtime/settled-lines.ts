// Per followed resource, what a client was just shown of it (a status in a stream's opening snapshot,
// or a subscribe's answer) and the line in its topic that status reflects (readSettled). An event of
// that resource up to the line, or one that says exactly what was shown, would repeat it or, older,
// take the client back: it is not sent. What was shown is let go once a later event passes.
// The line alone does not always hold: on a busy topic readSettled may settle for a line a little
// early, and an event just past it can then repeat the status word for word.
import { isDeepStrictEqual } from 'node:util';
import type { EventRecord } from '../events/index.js';

interface Shown {
  readonly through: string | undefined;
  readonly data: unknown;
}

export class SettledLines {
  private readonly shown = new Map<string, Shown>();

  /** `said` gives what a status says, as equal ones compare: all of it unless a field does not count. */
  constructor(private readonly said: (data: unknown) => unknown = asSent) {}

  /** `data` of resource `id` was just sent; it reflects the topic's events up to `through` (undefined: none). */
  set(id: string, data: unknown, through: string | undefined): void {
    this.shown.set(id, { through, data: this.said(data) });
  }

  /**
   * False for an event of `id` that what was shown already reflects, or, when its data is all it
   * says (`dataIsAll`; not when its type names a moment the data does not show), that says the same.
   */
  after(id: string, event: EventRecord, dataIsAll = true): boolean {
    const shown = this.shown.get(id);
    if (shown === undefined) return true;
    if ((shown.through !== undefined && event.id <= shown.through) || (dataIsAll && isDeepStrictEqual(this.said(event.data), shown.data))) return false;
    this.shown.delete(id);
    return true;
  }

  forget(id: string): void {
    this.shown.delete(id);
  }
}

/** A value as a client reads it: through JSON, so a key left undefined is no key (as after the bus). */
export const asSent = (value: unknown): unknown => (value === undefined ? undefined : JSON.parse(JSON.stringify(value)));
