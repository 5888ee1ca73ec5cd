// A snapshot's place in its topic's log. A stream that opens (or a socket that subscribes) sends the
// current state first, while live events of the same topic keep arriving: some of them were committed
// before the state was read, and are already in it. Sent after it, they would repeat what it said or,
// older than it, take the client back (`completed`, then `processing` again). Appends to a topic commit
// in id order (storage/repos/events.ts), so the topic's last id read before the state and again after
// it, unchanged, names exactly the events the state reflects: those up to it and no other.
import type { EventLog } from '../events/index.js';

/** A read of current state, and the last event of its topic that it reflects (undefined: none yet). */
export interface SettledRead<T> {
  readonly value: T;
  readonly through: string | undefined;
}

/** Reads again when the topic moved during a read; a busy topic settles for the first read's line. */
const ATTEMPTS = 3;

/**
 * Reads `read` between two reads of the topic's last event id, again while they differ. When they
 * never agree, `through` is the last read's first id: every event up to it was committed before the
 * state was read, so dropping those never loses one, while a few later ones may repeat it (the
 * scopes also skip an event that says word for word what was shown: settled-lines.ts).
 * `read` must see every commit made before it starts (any read outside a transaction does: on SQLite
 * a read after a statement on the writing connection starts a fresh read transaction).
 */
export async function readSettled<T>(log: Pick<EventLog, 'lastId'>, topic: string, read: () => Promise<T>): Promise<SettledRead<T>> {
  for (let attempt = 1; ; attempt++) {
    const before = await log.lastId(topic);
    const value = await read();
    const after = await log.lastId(topic);
    if (before === after || attempt === ATTEMPTS) return { value, through: before };
  }
}
