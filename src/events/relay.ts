// The outbox relay: after a transaction commits, wake every node for each event it appended. A
// failed wake-up (Redis away) only delays delivery: the feeds find the events in the log.
import type { Logger } from '../http/index.js';
import type { Storage } from '../storage/index.js';
import type { Bus } from './bus.js';
import { rowToEvent } from './log.js';

export function startRelay(storage: Storage, bus: Bus, logger: Logger): void {
  let failing = false;
  storage.onCommit((rows) => {
    for (const row of rows) {
      bus.publish(row.topic, { kind: 'event', event: rowToEvent(row) }).then(
        () => {
          if (!failing) return;
          failing = false;
          logger.info('event wake-ups flow again');
        },
        (e: unknown) => {
          if (failing) return;
          failing = true;
          logger.warn({ err: e }, 'event wake-up failed; the feeds will find committed events in the log');
        },
      );
    }
  });
}
