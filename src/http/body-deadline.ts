// How long a request body may take to arrive: a base time, plus time in proportion to what has
// arrived. A big upload that keeps coming at the minimum rate is never cut, however long it takes; a
// stalled or trickling body, which holds a connection and its buffers for nothing, is refused with
// 408 request_timeout (and its connection closed) once it falls behind.
import type { ServerResponse } from 'node:http';
import { Transform, type Readable } from 'node:stream';
import { AppError } from './errors.js';

export interface BodyDeadline {
  readonly baseMs: number;
  readonly minBytesPerSecond: number;
}

/** `source` passed through; the stream fails with request_timeout when the body falls behind. */
export function timedBody(source: Readable, limits: BodyDeadline): Readable {
  const started = Date.now();
  let received = 0;
  let timer: NodeJS.Timeout | undefined;
  const body = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      received += chunk.length;
      done(null, chunk);
    },
  });
  const check = (): void => {
    const left = started + limits.baseMs + (received * 1000) / limits.minBytesPerSecond - Date.now();
    if (left > 0) {
      timer = setTimeout(check, left);
      timer.unref();
      return;
    }
    // Only this stream fails: the request (and its socket) stay up for the 408 answer.
    source.unpipe(body);
    body.destroy(new AppError('request_timeout', `The request body did not arrive in time (at least ${limits.minBytesPerSecond} bytes per second after the first ${Math.round(limits.baseMs / 1000)} s)`));
  };
  timer = setTimeout(check, limits.baseMs);
  timer.unref();
  const stop = () => clearTimeout(timer);
  body.once('end', stop);
  body.once('close', stop);
  // A reader that stopped reading (the route answered first) must not see an unhandled error.
  body.on('error', () => undefined);
  source.once('error', (e) => body.destroy(e));
  source.pipe(body);
  return body;
}

/**
 * Request bodies still arriving. When a closing server's grace is over, cutting their connections
 * would leave each client with a reset and no word of what happened; each is refused instead, the
 * way a late body is: its stream fails, so that its route never runs (nothing stored, nothing
 * charged) or, reading it, stops and cleans up, and the error is the answer.
 */
export class ArrivingBodies {
  private readonly bodies = new Map<Readable, { readonly source: Readable; readonly res: ServerResponse }>();

  /** Lists `body` (read from `source`, answered on `res`) until it has arrived or failed. */
  add(body: Readable, source: Readable, res: ServerResponse): void {
    this.bodies.set(body, { source, res });
    const done = () => this.bodies.delete(body);
    body.once('end', done);
    body.once('close', done);
  }

  /** Fails every body still arriving with `error`; settles once their answers are written, or after `withinMs`. */
  async refuseAll(error: Error, withinMs: number): Promise<void> {
    const answers: Promise<void>[] = [];
    for (const [body, { source, res }] of this.bodies) {
      answers.push(new Promise<void>((resolve) => {
        if (res.writableFinished || res.destroyed) return resolve();
        res.once('finish', resolve);
        res.once('close', resolve);
      }));
      // The request pipes into its body stream only: nothing more of it goes anywhere.
      source.unpipe();
      body.destroy(error);
    }
    this.bodies.clear();
    if (answers.length === 0) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.all(answers), new Promise<void>((resolve) => (timer = setTimeout(resolve, withinMs)))]);
    clearTimeout(timer);
  }
}
