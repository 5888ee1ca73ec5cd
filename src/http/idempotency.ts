// Idempotency-Key on actions that are not idempotent by themselves (a publish, a post, a ban). The
// key is claimed in the transaction that makes the change, so a retry after a lost answer (a 502 from
// a proxy whose node died) never applies it twice. That transaction commits only once the request's
// answer is known, and stores the answer with the change: a retry gets it again, marked
// `Idempotent-Replayed: true`, even when the node died right after the commit.
import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteHandlerMethod } from 'fastify';
import { withIdempotencyClaim, type ClaimState, type FoundIdempotencyRecord, type IdempotencyRepo } from '../storage/index.js';
import { answerLost, AppError, idempotencyInProgress, isAppError } from './errors.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set on a request made with an Idempotency-Key: its change commits with its answer (onSend). */
    idempotency?: ClaimState;
  }
}

const KEY = /^[\x21-\x7e]{1,255}$/;
/** An answer not recorded this long after its change committed was lost with its node. */
const IN_FLIGHT_MS = 30_000;

/** The request's Idempotency-Key, checked (a malformed one is 400), or undefined without one. */
export function idempotencyKeyOf(req: FastifyRequest): string | undefined {
  const key = req.headers['idempotency-key'];
  if (key === undefined) return undefined;
  if (typeof key !== 'string' || !KEY.test(key)) throw new AppError('invalid_request', 'Idempotency-Key must be 1-255 visible ASCII characters');
  return key;
}

/**
 * Runs a route's action so that an Idempotency-Key applies it at most once per key within `scope`
 * (whose keys they are: a hub's publishes, one contact's actions). Without the header it just runs.
 */
export async function idempotently<R>(repo: IdempotencyRepo, req: FastifyRequest, reply: FastifyReply, scope: string, action: () => Promise<R>): Promise<R | FastifyReply> {
  const key = idempotencyKeyOf(req);
  if (key === undefined) return action();
  const requestHash = requestHashOf(req.method, req.routeOptions.url, req.params, req.body ?? null);
  const seen = await repo.find(scope, key);
  if (seen) return replay(seen, requestHash, reply);
  try {
    const { result } = await withIdempotencyClaim({ scope, key, requestHash }, (state) => {
      req.idempotency = state;
      return action();
    }, { holdForAnswer: true });
    return result;
  } catch (e) {
    // A concurrent request with the key committed first: another request is refused at once, the same
    // one gets its answer (or, while that is not known yet, is asked to come back).
    const first = isAppError(e) && e.code === 'idempotency_conflict' ? await repo.find(scope, key) : undefined;
    if (first) return replay(first, requestHash, reply);
    throw e;
  }
}

const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * Every write route registered in `app`'s scope after this call accepts an Idempotency-Key, keyed
 * within `scopeOf(req)` (evaluated after the scope's authentication hooks).
 */
export function idempotentWrites(app: FastifyInstance, repo: IdempotencyRepo, scopeOf: (req: FastifyRequest) => string): void {
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    if (!methods.some((m) => WRITES.has(m))) return;
    const handler = route.handler as RouteHandlerMethod;
    route.handler = function (this: FastifyInstance, req, reply) {
      return idempotently(repo, req, reply, scopeOf(req), async () => handler.call(this, req, reply));
    };
  });
}

function replay(seen: FoundIdempotencyRecord, requestHash: string, reply: FastifyReply): FastifyReply {
  if (seen.request_hash !== requestHash) throw new AppError('idempotency_conflict');
  if (seen.status_code === 0 && Date.now() - Date.parse(seen.created_at) < IN_FLIGHT_MS) throw idempotencyInProgress();
  // Not recorded in time, or sealed under a token secret since changed.
  if (seen.status_code === 0 || seen.response === undefined) throw answerLost();
  return reply.code(seen.status_code).header('idempotent-replayed', 'true').type('application/json; charset=utf-8').send(seen.response);
}

/**
 * onSend hook: commits the change of a request made with an Idempotency-Key together with its answer,
 * before the answer leaves. A request that failed after its change (a 5xx) rolls it back: the key stays
 * free and nothing was applied.
 */
export async function recordIdempotentAnswer(repo: IdempotencyRepo, req: FastifyRequest, reply: FastifyReply, payload: unknown): Promise<void> {
  const state = req.idempotency;
  if (!state) return;
  const body = typeof payload === 'string' ? payload : Buffer.isBuffer(payload) ? payload.toString('utf8') : '';
  if (state.commitWith) return state.commitWith(reply.statusCode >= 500 ? undefined : { status: reply.statusCode, body });
  if (state.committed || reply.statusCode >= 500) return;
  // A success that committed no transaction changed nothing stored (a token mint): its key is taken
  // with its answer as it leaves, so a retry gets the same answer. A concurrent twin that took the key
  // first keeps it; this answer is then given but not kept. A refusal leaves the key free.
  if (reply.statusCode >= 400) return;
  const { scope, key, requestHash } = state.claim;
  state.committed = await repo.save({ scope, key, request_hash: requestHash, status_code: reply.statusCode, response: body, created_at: new Date().toISOString() });
}

/**
 * What identifies a request under its Idempotency-Key: method, route, path parameters and body. The
 * same fields in another order are the same request, so keys are sorted before hashing.
 */
export function requestHashOf(method: string, route: string | undefined, params: unknown, body: unknown): string {
  return createHash('sha256').update(JSON.stringify([method, route, params, body], sortedKeys)).digest('hex');
}

/** JSON.stringify replacer writing every object's keys in sorted order (arrays keep theirs). */
function sortedKeys(_key: string, value: unknown): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  const record = value as Record<string, unknown>;
  return Object.fromEntries(Object.keys(record).sort().map((k) => [k, record[k]]));
}
