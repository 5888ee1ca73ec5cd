// SIGTERM / SIGINT / SIGHUP: close gracefully and exit 0; a second signal exits at once. SIGHUP is what
// a closed terminal sends a server started in it, and what a supervisor's reload sends: Capstan reads
// its configuration only at start, so it stops cleanly rather than being cut off by Node's default. A
// signal that comes again within SAME_STOP_MS is the same stop delivered twice, not a second one: under
// `npm start` a terminal's Ctrl-C (or a supervisor that signals the whole process group) reaches both
// npm and the server, and npm passes its own on.
import type { Logger } from '../http/index.js';

export const SAME_STOP_MS = 1000;

export function installSignalHandlers(logger: Logger, close: () => Promise<void>): void {
  let stoppedAt: number | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stoppedAt !== undefined) {
      if (Date.now() - stoppedAt < SAME_STOP_MS) {
        logger.info({ signal }, 'the same stop signalled again (by npm and the process group): still draining');
        return;
      }
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    stoppedAt = Date.now();
    logger.info({ signal }, 'shutting down');
    close().then(
      () => process.exit(0),
      (e: unknown) => {
        logger.error({ err: e }, 'error during shutdown');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  process.on('SIGHUP', onSignal);
}
