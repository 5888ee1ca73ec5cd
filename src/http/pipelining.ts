// Pipelined requests. Node stops reading a connection once answers wait to be written to it, but
// Capstan's handlers are async and its answers leave at the end of their pass (answer-batch.ts), so
// for a client pipelining thousands of requests without reading their answers that never happened
// in time: every request the kernel delivered was parsed and held at once (about 70 MB and seconds
// of the event loop for 50,000 on one connection). A connection is not read while it has
// MAX_UNANSWERED requests unanswered, and is read again once one is answered; one with more than
// MAX_PIPELINED unanswered is closed, and what it still holds does not run. Pausing the socket alone
// does not stop Node's parser, which reads the socket natively: this takes Node's own pause
// (`_paused`, which makes the server pause its parser after the chunk it is on, and which its drain
// handling already undoes), as Node does for answers waiting to be written.

import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/** Far above what a pipelining client needs to keep a connection busy (browsers do not pipeline). */
export const MAX_UNANSWERED = 16;
/**
 * Past this many unanswered requests the connection is closed. The pause takes effect after the read
 * the parser is on, and one read of 64 KiB holds some 1,800 small requests: a hundred connections
 * flooding at once still put 180,000 requests in the app and stalled it for seconds. A client that
 * waits for answers never has this many out; one that does is not reading them.
 */
export const MAX_PIPELINED = 64;

/** The parts of Node's HTTP server socket state this uses (lib/_http_server.js). */
interface ServerSocket {
  _paused?: boolean;
  parser?: { resume(): void } | null;
}

const unanswered = new WeakMap<Socket, number>();

/**
 * A request on `socket` reached the app (its first hook). False when the connection has too many
 * requests unanswered: it is closed, and the request must not run.
 */
export function requestArrived(socket: Socket | null): boolean {
  if (!socket) return true;
  const n = (unanswered.get(socket) ?? 0) + 1;
  unanswered.set(socket, n);
  if (n > MAX_PIPELINED) {
    socket.destroy();
    return false;
  }
  if (n === MAX_UNANSWERED) {
    (socket as Socket & ServerSocket)._paused = true;
    socket.pause();
  }
  return true;
}

/**
 * The answer to the last request a pipelining connection sent (one with another request unanswered
 * when it arrived): the one after which it may close. Kept for such connections only, which no
 * browser makes: an idle keep-alive connection or an open stream holds no answer here.
 */
const lastAnswer = new WeakMap<Socket, ServerResponse>();

/** The answer to the last request pipelined on `socket`, if one was, whether or not it is written. */
export function lastPipelinedAnswerOn(socket: object): ServerResponse | undefined {
  return lastAnswer.get(socket as Socket);
}

/** A request on `socket` has its answer sent. */
export function requestAnswered(socket: Socket | null): void {
  if (!socket) return;
  const n = unanswered.get(socket);
  if (n === undefined) return;
  unanswered.set(socket, n - 1);
  if (n === MAX_UNANSWERED) {
    const paused = socket as Socket & ServerSocket;
    // Node pauses the same way while answers wait to be written; its drain handler resumes then.
    if (paused.writableNeedDrain) return;
    paused._paused = false;
    paused.parser?.resume();
    socket.resume();
  }
}

/**
 * Counts each request as Node's server hands it over, before the app's own handler (Fastify's) makes
 * anything of it: the requests a closed connection still holds (up to a read's worth, some 1,800) cost
 * one call each, not a routed request each.
 */
export function limitPipelining(server: Server): void {
  const handlers = server.listeners('request') as ((req: IncomingMessage, res: ServerResponse) => void)[];
  server.removeAllListeners('request');
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    if (!requestArrived(req.socket)) return;
    if ((unanswered.get(req.socket) ?? 0) > 1) lastAnswer.set(req.socket, res);
    for (const handler of handlers) handler.call(server, req, res);
  });
}
