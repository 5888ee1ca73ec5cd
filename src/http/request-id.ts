// A request's id, the X-Request-ID of its answer: the client's own when it sent a usable one, else a
// new UUID. Upgrades get theirs the same way, so a refused or accepted WebSocket handshake names its
// request like every other answer. An id shaped like a Capstan credential, or that holds the admin
// token anywhere in it, is not usable: the id is written into its request's log lines, and a secret sent in the wrong header
// must not be.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { holdsSecret } from './secret-shapes.js';

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
const given = new WeakMap<IncomingMessage, string>();

/**
 * The id of `req`, the same on every call for one request. `adminToken` is CAPSTAN_ADMIN_TOKEN: it has
 * no shape of its own to be recognised by, so the id is searched for it (`trace-<token>` would log it
 * as surely as the token alone).
 */
export function requestIdOf(req: IncomingMessage, adminToken: string | null): string {
  let id = given.get(req);
  if (id === undefined) {
    const incoming = req.headers['x-request-id'];
    const usable = typeof incoming === 'string' && REQUEST_ID.test(incoming) && !holdsSecret(incoming) && !(adminToken && incoming.includes(adminToken));
    id = usable ? incoming : randomUUID();
    given.set(req, id);
  }
  return id;
}
