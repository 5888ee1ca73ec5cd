// SIGTERM / SIGINT: close gracefully and exit 0; a second signal exits at once. A signal that comes
// again within SAME_STOP_MS is the same stop delivered twice, not a second one: under `npm start` a
// terminal's Ctrl-C (or a supervisor that signals the whole process group) reaches both npm and the
// server, and npm passes its own on.
//
// SIGHUP stops gracefully too when the process has no terminal (a supervisor's reload: Capstan reads
// its configuration only at start). With a terminal, SIGHUP means the terminal is gone, and then it
// keeps Node's default, an immediate end, as a dead node's: a drain would write its log lines to the
// hung-up terminal (each an EIO, and the logger's flush at exit retries one for ever) and Node's own
// exit resets the terminal's modes and aborts on that EIO.
import { isatty } from 'node:tty';
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
  if (![0, 1, 2].some((fd) => isatty(fd))) process.on('SIGHUP', onSignal);
}
