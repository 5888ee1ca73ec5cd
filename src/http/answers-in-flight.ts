// Answers a connection is still owed. HTTP/1.1 answers pipelined requests in order, so whatever the
// server says after them (the 400 for bytes that did not parse, the 101 of an upgrade sent behind a
// request) waits until they are written. Node keeps the answer it is writing as the socket's
// `_httpMessage`, and hands the socket to the next pipelined answer as that one finishes.

import type { Duplex } from 'node:stream';
import { unansweredOn } from './pipelining.js';

/** The parts of Node's ServerResponse this reads and sets. */
export interface AnswerInFlight {
  readonly headersSent: boolean;
  readonly writableEnded: boolean;
  readonly writableFinished: boolean;
  /** False: its head, when written, says `Connection: close`. */
  shouldKeepAlive: boolean;
  /** The request it answers: one still arriving is one whose body has not been read whole. */
  readonly req?: { readonly complete: boolean };
  once(event: 'finish' | 'close', listener: () => void): unknown;
  off(event: 'finish' | 'close', listener: () => void): unknown;
}

/** The answer Node is writing to the connection (the first of its pipelined ones), if any. */
export const answerInFlight = (socket: Duplex): AnswerInFlight | undefined => (socket as { _httpMessage?: AnswerInFlight | null })._httpMessage ?? undefined;

/**
 * Calls `then` once every answer the connection is owed has been written, at once when there is none;
 * a connection that ends meanwhile is destroyed instead. An answer that streams (an event stream, a
 * download) is waited for as long as it streams. With `closing`, the connection closes after them:
 * the last one says so in its head when that is still to be written, so that a pooling client does
 * not send its next request into the close.
 */
export function afterAnswersWritten(socket: Duplex, then: () => void, options: { readonly closing?: boolean } = {}): void {
  const current = answerInFlight(socket);
  if (!current || current.writableFinished) return then();
  let settled = false;
  const last = options.closing === true && !current.headersSent && unansweredOn(socket) <= 1 && !Object.hasOwn(socket, 'destroySoon');
  if (last) {
    current.shouldKeepAlive = false;
    // Node ends a connection after an answer that says close by calling this: `then` does instead.
    Object.assign(socket, {
      destroySoon: () => {
        delete (socket as { destroySoon?: unknown }).destroySoon;
        settled = true;
        then();
      },
    });
  }
  const onSettled = () => {
    current.off('finish', onSettled);
    current.off('close', onSettled);
    // The next pipelined answer takes the socket as this one finishes: look again after it has.
    setImmediate(() => {
      if (settled) return;
      settled = true;
      if (socket.destroyed || !socket.writable) socket.destroy();
      else afterAnswersWritten(socket, then, options);
    });
  };
  current.once('finish', onSettled);
  current.once('close', onSettled);
}
