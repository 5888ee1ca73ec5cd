// When a stream should try again, and how long it waits first. Shared by every realtime surface so
// they agree: the server's hints win, a stream that never opened reports its first error (a wrong base
// URL must not become a silent retry loop), and errors no retry can fix end the stream at once.
import { backoffDelay, sleep, type BackoffOptions } from './backoff.js';
import { abortedError, CapstanError } from './errors.js';

export interface ReconnectOptions {
  readonly backoff?: BackoffOptions;
  /**
   * Failed attempts in a row before the stream gives up with the last error. Default: no limit once
   * the stream has been open; a stream that never opened stops at the first error a retry would not
   * obviously fix (no answer, an answer that is not Capstan's).
   */
  readonly maxRetries?: number;
}

/** Answers worth another try: the server is busy, draining, restarting, or briefly unreachable. */
function retryable(e: CapstanError, everOpened: boolean): boolean {
  if (e.status === 429 || e.status === 408 || e.status >= 500) return e.code !== 'invalid_response' || everOpened;
  if (e.code === 'network_error') return everOpened;
  return false;
}

export class Reconnector {
  private failures = 0;
  private everOpened = false;
  /** Whether the current attempt opened (an SSE stream: sent its first bytes). */
  private openedNow = false;
  /** The SSE `retry:` value the server sent: its reconnection time after a cut. */
  serverRetryMs: number | undefined;

  constructor(
    private readonly options: ReconnectOptions,
    private readonly signal: AbortSignal,
  ) {}

  get hasOpened(): boolean {
    return this.everOpened;
  }

  opened(): void {
    this.everOpened = true;
    this.openedNow = true;
    this.failures = 0;
  }

  /** After a failed connect: waits, or throws `e` when another try would not help. */
  async afterFailure(e: unknown): Promise<void> {
    this.openedNow = false;
    if (this.signal.aborted) throw abortedError(this.signal);
    if (!(e instanceof CapstanError) || !retryable(e, this.everOpened)) throw e;
    if (this.failures >= (this.options.maxRetries ?? Infinity)) throw e;
    await sleep(backoffDelay(this.failures++, this.options.backoff, e.retryAfter), this.signal);
  }

  /**
   * After a stream was cut without a terminal event: the server's `retry:` first, then backoff. A
   * stream cut before it sent anything (headers, then silence) is a failed attempt: `maxRetries` of
   * those in a row end it.
   */
  async afterCut(): Promise<void> {
    const silent = !this.openedNow;
    this.openedNow = false;
    if (silent && this.failures >= (this.options.maxRetries ?? Infinity)) {
      throw new CapstanError({ status: 0, code: 'network_error', message: `The stream answered and then sent nothing, again after ${this.failures} retries` });
    }
    const hint = this.failures === 0 ? this.serverRetryMs : undefined;
    await sleep(backoffDelay(this.failures++, this.options.backoff, hint), this.signal);
  }

  /** The wait a draining server asked for (retry_ms), falling back to its `retry:`. */
  async afterDrain(retryMs: number | undefined): Promise<void> {
    this.openedNow = false;
    await sleep(backoffDelay(this.failures, this.options.backoff, retryMs ?? this.serverRetryMs), this.signal);
  }
}

/** An AbortController that also aborts when `parent` does; `dispose` detaches it. */
export function linkedController(parent: AbortSignal): { controller: AbortController; dispose: () => void } {
  const controller = new AbortController();
  const onAbort = () => controller.abort(parent.reason);
  if (parent.aborted) controller.abort(parent.reason);
  else parent.addEventListener('abort', onAbort, { once: true });
  return { controller, dispose: () => parent.removeEventListener('abort', onAbort) };
}
