// How long a request body may take to arrive: a base time, plus time in proportion to what has
// arrived. A big upload that keeps coming at the minimum rate is never cut, however long it takes; a
// stalled or trickling body, which holds a connection and its buffers for nothing, is refused with
// 408 request_timeout (and its connection closed) once it falls behind.
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
