// Waiting for a server the harness started to serve: ready when its /healthz answers while the
// process runs, and a process that ends first is reported as ended, with its exit code, not as a
// server that "did not answer within" the wait.
import { waitForHttp } from './net.js';
import type { Child } from './processes.js';

/** The process ended before it answered. */
export class ExitedBeforeReady extends Error {
  override readonly name = 'ExitedBeforeReady';
  constructor(
    readonly child: string,
    /** The exit code, or the signal's name. */
    readonly code: number | string,
    url: string,
  ) {
    super(`${child} exited (${typeof code === 'number' ? `code ${code}` : code}) before ${url} answered`);
  }
}

/** Whether the process (its `timeout` wrapper, which ends with it) still runs. */
export function isRunning(child: Child): boolean {
  return child.proc.exitCode === null && child.proc.signalCode === null;
}

/** Waits for `url` to answer while `child` runs; throws ExitedBeforeReady when the process ends first. */
export async function waitUntilServing(child: Child, url: string, timeoutMs: number): Promise<void> {
  try {
    await waitForHttp(url, timeoutMs, () => isRunning(child));
  } catch (e) {
    if (isRunning(child)) throw e;
    throw new ExitedBeforeReady(child.name, await child.exited, url);
  }
}
