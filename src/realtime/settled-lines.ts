// Per followed resource, the line in its topic that the status just sent to a client reflects
// (readSettled): the events of that resource up to the line are not sent again, since each would
// repeat that status or, older, take the client back. A line is dropped once a later event passes it.

export class SettledLines {
  private readonly lines = new Map<string, string>();

  /** The statuses of `ids` just sent reflect the topic's events up to `through` (undefined: none yet). */
  set(ids: Iterable<string>, through: string | undefined): void {
    if (through === undefined) return;
    for (const id of ids) this.lines.set(id, through);
  }

  /** False for an event of `id` that its sent status already reflects. */
  after(id: string, eventId: string): boolean {
    const through = this.lines.get(id);
    if (through === undefined) return true;
    if (eventId <= through) return false;
    this.lines.delete(id);
    return true;
  }

  forget(id: string): void {
    this.lines.delete(id);
  }
}
