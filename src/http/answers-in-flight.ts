// Answers a connection is still owed. HTTP/1.1 answers pipelined requests in order, so whatever the
// server says after them (the 400 for bytes that did not parse, the 101 of an upgrade sent behind a
// request) waits until they are written. Node keeps the answer it is writing as the socket's
// `_httpMessage`, and hands the socket to the next pipelined answer as that one finishes.

import type { Duplex } from 'node:stream';
import { lastPipelinedAnswerOn } from './pipelining.js';

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
  emit(event: 'drain'): boolean;
}

/** The answer Node is writing to the connection (the first of its pipelined ones), if it is not done. */
export function answerInFlight(socket: Duplex): AnswerInFlight | undefined {
  const current = (socket as { _httpMessage?: AnswerInFlight | null })._httpMessage ?? undefined;
  return current?.writableFinished === false ? current : undefined;
}

/** Calls `then` once `current` has finished or closed, and the next pipelined answer (if any) has the socket. */
export function afterAnswer(current: AnswerInFlight, then: () => void): void {
  const settled = () => {
    current.off('finish', settled);
    current.off('close', settled);
    setImmediate(then);
  };
  current.once('finish', settled);
  current.once('close', settled);
}

/**
 * The connection closes after the answers it is owed: the last of them says so in its head when that
 * is still to be written (so that a pooling client does not send its next request into the close),
 * and `then` runs in place of Node's own close after it. False when that answer's head is written.
 */
export function closeAfterLastAnswer(socket: Duplex, then: () => void): boolean {
  const pipelined = lastPipelinedAnswerOn(socket) as AnswerInFlight | undefined;
  const last = pipelined && !pipelined.writableFinished ? pipelined : answerInFlight(socket);
  if (!last || last.writableFinished || last.headersSent || last.req?.complete === false || Object.hasOwn(socket, 'destroySoon')) return false;
  last.shouldKeepAlive = false;
  // Node ends a connection after an answer that says close by calling this.
  Object.assign(socket, {
    destroySoon: () => {
      delete (socket as { destroySoon?: unknown }).destroySoon;
      then();
    },
  });
  return true;
}

/**
 * Hands an upgrade's socket on once the answers it is owed are written (at once when there are none).
 * Node took its own listeners off the socket for the upgrade, its 'drain' among them, so those answers
 * get it from here (without, one larger than the socket's buffer would wait for it for good). A
 * connection that ends meanwhile is left to its close.
 */
export function afterAnswersOwed(socket: Duplex, then: () => void): void {
  if (!answerInFlight(socket)) return then();
  const forwardDrain = () => void answerInFlight(socket)?.emit('drain');
  socket.on('drain', forwardDrain);
  const next = () => {
    const current = answerInFlight(socket);
    if (current && !socket.destroyed && socket.writable) return afterAnswer(current, next);
    socket.off('drain', forwardDrain);
    if (!socket.destroyed && socket.writable) then();
  };
  next();
}
