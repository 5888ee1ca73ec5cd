// Documents realtime (seed 000): SSE at /sse/status and WebSocket at /ws/status, both on the shared
// connection core. A stream follows named documents (document_id, repeatable) and/or the latest N
// (recent=N); it opens with each followed document's current status.
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import type { RawData } from 'ws';
import { DocumentScope, type DocumentService, type DocumentStatus } from '../../documents/index.js';
import { orgTopic, type EventLog } from '../../events/index.js';
import { AppError, media, replies, singleParam, upgradeReplies, upgradeRequired, type Logger, type UpgradeRouter } from '../../http/index.js';
import { headerFirst, jsonWsCodec, readSettled, messageSseCodec, checkStreamAlone, openSseWire, sseDataFrame, wsWire, type Connection, type Slot, resumeCursor } from '../../realtime/index.js';
import type { AppContext } from '../../server/context.js';
import { REALTIME_TOKEN_PREFIX } from './routes.js';
import { streamScope } from './schemas.js';

const MAX_DOCUMENTS = 100;
/** Messages of one socket queued behind its running lookup before more are refused. */
const MAX_WAITING_MESSAGES = 32;
const DOC_ID = /^[A-Za-z0-9_-]{1,64}$/;
const tags = ['documents realtime'];
const security = [{ realtimeToken: [] }];
const sseCodec = messageSseCodec((e) => e.data);
const wsCodec = jsonWsCodec((e) => e.data);

async function verifyRealtimeToken(ctx: AppContext, raw: string | undefined) {
  if (!raw) throw new AppError('unauthorized', 'Missing token');
  const jwt = raw.startsWith(REALTIME_TOKEN_PREFIX) ? raw.slice(REALTIME_TOKEN_PREFIX.length) : raw;
  const verified = await ctx.tokens.verify('realtime', jwt);
  const orgId = verified.subject;
  const keyId = typeof verified.claims.kid === 'string' ? verified.claims.kid : undefined;
  // A token lives no longer than the key that minted it: revoking a leaked key ends its tokens' open
  // streams (an access.key_revoked event) and, here, refuses the streams they would open next.
  if (keyId !== undefined) {
    if (!(await ctx.storage.orgs.hasActiveKey(orgId, keyId))) throw new AppError('unauthorized', 'The API key that minted this token has been revoked');
  } else if (!(await ctx.storage.orgs.get(orgId))) throw new AppError('unauthorized', 'Invalid token');
  return { orgId, expiresAtMs: verified.expiresAtMs, keyId };
}

function parseScope(documentIds: readonly string[], recent: string | undefined): { ids: string[]; recent: number | undefined } {
  if (documentIds.length > MAX_DOCUMENTS) throw new AppError('invalid_request', `At most ${MAX_DOCUMENTS} document_id values`);
  for (const id of documentIds) if (!DOC_ID.test(id)) throw new AppError('invalid_request', 'document_id is malformed');
  let n: number | undefined;
  if (recent !== undefined) {
    if (!/^\d+$/.test(recent) || Number(recent) < 1 || Number(recent) > MAX_DOCUMENTS) throw new AppError('invalid_request', `recent must be an integer from 1 to ${MAX_DOCUMENTS}`);
    n = Number(recent);
  }
  return { ids: [...new Set(documentIds)], recent: n };
}

export function documentRealtimeRoutes(ctx: AppContext, upgrades: UpgradeRouter) {
  return async function documentRealtime(root: FastifyInstance): Promise<void> {
    const app = root.withTypeProvider<TypeBoxTypeProvider>();
    const { realtime, documents, events, config } = ctx;

    async function buildScope(orgId: string, ids: string[], recent: number | undefined): Promise<DocumentScope> {
      const latest = recent ? await documents.latestIds(orgId, recent) : [];
      return new DocumentScope([...latest.reverse(), ...ids], recent);
    }
    // The streams opened with the tokens one key minted share that key's budget (a token without a key
    // id, the organization's).
    const streamSlot = (orgId: string, keyId: string | undefined): Slot => ({ key: keyId ? `org_key:${keyId}` : `org:${orgId}`, max: config.realtimeMaxStreamsPerKey });

    app.get('/sse/status', {
      // A stream has no HEAD: Fastify's automatic one would open the stream on an answer that may carry
      // no body. HEAD is 405 with Allow: GET, as for any method a route does not take.
      exposeHeadRoute: false,
      schema: {
        tags, security, operationId: 'streamDocumentStatus', summary: 'Document status changes over Server-Sent Events',
        description: 'token from POST /ws/token; document_id (repeatable) and/or recent=N (1-100: the latest N documents, and newly uploaded ones join while the oldest leave). '
          + 'Messages are unnamed (EventSource onmessage) and carry the GET /status shape; the stream opens with the current status of each followed document. '
          + 'Resume with Last-Event-ID (or last_event_id): a cursor older than the replay window opens a fresh stream. Messages, terminal events and heartbeats: /asyncapi.json. '
          + 'The errors below are answered before the stream starts.',
        querystring: Type.Object({
          ...streamScope,
          last_event_id: Type.Optional(Type.String({ maxLength: 64, description: 'The resume cursor, for clients that cannot set Last-Event-ID' })),
        }),
        headers: Type.Object({ 'last-event-id': Type.Optional(Type.String({ description: 'The id of the last message received (a UUIDv7): the stream resumes after it' })) }),
        response: replies({
          200: media('A stream of document statuses (text/event-stream); each message\'s data is the GET /status shape. Described in /asyncapi.json.', ['text/event-stream']),
        }, ['invalid_cursor', 'too_many_connections']),
      },
    }, async (req, reply) => {
      if (realtime.draining) throw new AppError('draining');
      const { orgId, expiresAtMs, keyId } = await verifyRealtimeToken(ctx, req.query.token);
      const { ids, recent } = parseScope(req.query.document_id ?? [], req.query.recent);
      if (ids.length === 0 && recent === undefined) throw new AppError('invalid_request', 'Give document_id (repeatable) or recent=N');
      const given = await resumeCursor(events, headerFirst(req.headers['last-event-id'], 'last_event_id', req.query.last_event_id));
      // A cursor older than the replay window cannot be resumed gap-free. Ending the stream would not
      // help: a browser EventSource reconnects with the same Last-Event-ID forever. Every message here
      // is a whole status, so the current state of each document is the complete answer.
      const cursor = given !== undefined && (await events.checkCursor(given)) === 'stale' ? undefined : given;
      const scope = await buildScope(orgId, ids, recent);
      checkStreamAlone(reply.raw);
      const lease = await realtime.admit(streamSlot(orgId, keyId));
      const wire = openSseWire(reply, config.realtimeRetryMs);
      realtime.open({
        topic: orgTopic(orgId),
        cursor,
        access: scope,
        // A resumed stream skips the snapshot: the replay brings it up to date.
        snapshot: cursor === undefined ? statusSnapshot(events, documents, orgId, scope, sseStatusFrame) : undefined,
        expiresAtMs,
        keyId,
        wire,
        codec: sseCodec,
        lease,
        label: { surface: 'documents', credential: `realtime_token:${keyId ?? orgId}`, orgId, remoteAddress: req.ip },
      });
    });

    // The upgrade itself never reaches Fastify (the router takes it on the server's 'upgrade' event);
    // this route documents the endpoint and answers the requests that are not upgrades.
    app.get('/ws/status', {
      schema: {
        tags, security, operationId: 'connectDocumentStatusSocket', summary: 'Document status changes over WebSocket',
        description: 'Connect with a WebSocket client (an `Upgrade: websocket` GET); token from POST /ws/token, the same scope parameters as /sse/status. '
          + 'Server messages are GET /status shapes, subscribe/unsubscribe acknowledgements and errors; the client may send {"action":"subscribe"|"unsubscribe","document_ids":[…]}. '
          + 'Messages, terminal events and close codes: /asyncapi.json. Refusals (401, 400, 429, 503) are plain HTTP answers to the upgrade; a request without Upgrade is 426.',
        querystring: Type.Object(streamScope),
        response: upgradeReplies('Switching Protocols: the connection is now a WebSocket carrying document statuses (see /asyncapi.json).', ['too_many_connections']),
      },
    }, async () => {
      throw upgradeRequired();
    });

    upgrades.add('/ws/status', /^\/ws\/status$/, async (req, target, accept) => {
      if (realtime.draining) throw new AppError('draining');
      const { orgId, expiresAtMs, keyId } = await verifyRealtimeToken(ctx, singleParam(target.query, 'token'));
      const { ids, recent } = parseScope(target.query.getAll('document_id'), singleParam(target.query, 'recent'));
      const scope = await buildScope(orgId, ids, recent);
      const lease = await realtime.admit(streamSlot(orgId, keyId));
      let accepted;
      try {
        accepted = await accept();
      } catch (e) {
        lease.release();
        throw e;
      }
      const connection: Connection = realtime.open({
        topic: orgTopic(orgId),
        access: scope,
        snapshot: statusSnapshot(events, documents, orgId, scope, JSON.stringify),
        expiresAtMs,
        keyId,
        wire: wsWire(accepted),
        codec: wsCodec,
        lease,
        label: { surface: 'documents', credential: `realtime_token:${keyId ?? orgId}`, orgId, remoteAddress: req.socket.remoteAddress ?? '' },
      });
      const messages = new StatusSocketMessages(events, documents, orgId, scope, connection, ctx.logger);
      accepted.onMessage((raw, isBinary) => messages.receive(raw, isBinary));
    });
  };
}

const sseStatusFrame = (s: DocumentStatus): string => sseDataFrame({ ...s });

/**
 * The frames a new stream opens with: each followed document's current status, and the line in the
 * topic they reflect, so that the live events held meanwhile skip what they already said. Made
 * outside the route handlers so that an open stream holds these references, not a handler's whole scope.
 */
function statusSnapshot(events: EventLog, documents: DocumentService, orgId: string, scope: DocumentScope, frame: (s: DocumentStatus) => string): () => Promise<string[]> {
  return async () => {
    const { value: statuses, through } = await readSettled(events, orgTopic(orgId), () => documents.statuses(orgId, scope.list()));
    scope.settle(statuses, through);
    return statuses.map(frame);
  };
}

/**
 * One socket's client messages: subscribe and unsubscribe. One message at a time per socket: replies
 * follow the order of the requests (a subscribe never lands after the unsubscribe sent behind it) and
 * a client has one lookup running at most. The router bounds the rate; a client that keeps sending
 * while its lookups wait is told to slow down.
 */
class StatusSocketMessages {
  private waiting = 0;
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly events: EventLog,
    private readonly documents: DocumentService,
    private readonly orgId: string,
    private readonly scope: DocumentScope,
    private readonly connection: Connection,
    private readonly logger: Logger,
  ) {}

  /** Takes a message; what it returns settles once its reply is written (the router waits for it before a close). */
  receive(raw: RawData, isBinary: boolean): Promise<void> {
    if (this.waiting >= MAX_WAITING_MESSAGES) {
      // Refused without a lookup, but answered in its place: replies keep the order of the requests.
      // The router's rate bound keeps how many such answers can queue small.
      this.queue = this.queue.then(() => this.reply({ type: 'error', code: 'rate_limited', error: `At most ${MAX_WAITING_MESSAGES} messages may wait for their replies` }));
      return this.queue;
    }
    this.waiting++;
    const text = isBinary ? undefined : raw.toString();
    this.queue = this.queue
      .then(() => this.handle(text))
      .catch((e: unknown) => this.logger.warn({ err: e }, 'websocket message failed'))
      .then(() => {
        this.waiting--;
      });
    return this.queue;
  }

  private reply(body: Record<string, unknown>): void {
    this.connection.push(JSON.stringify(body));
  }

  private async handle(text: string | undefined): Promise<void> {
    let msg: unknown;
    try {
      msg = text === undefined ? undefined : JSON.parse(text);
    } catch {
      msg = undefined;
    }
    if (typeof msg !== 'object' || msg === null || Array.isArray(msg)) return this.reply({ type: 'error', code: 'invalid_request', error: 'Messages must be JSON objects' });
    const { action, document_ids } = msg as { action?: unknown; document_ids?: unknown };
    if (action !== 'subscribe' && action !== 'unsubscribe') return this.reply({ type: 'error', code: 'invalid_request', error: `Unknown action ${JSON.stringify(action ?? null)}; use subscribe or unsubscribe` });
    if (!Array.isArray(document_ids) || document_ids.length > MAX_DOCUMENTS || !document_ids.every((d): d is string => typeof d === 'string' && DOC_ID.test(d))) {
      return this.reply({ type: 'error', code: 'invalid_request', error: `document_ids must be an array of up to ${MAX_DOCUMENTS} document ids` });
    }
    const ids = [...new Set(document_ids)];
    if (action === 'unsubscribe') {
      this.scope.remove(ids);
      return this.reply({ type: 'unsubscribed', document_ids: ids });
    }
    // Live events wait while the statuses are read and sent: one that arrives meanwhile for a document
    // being added is sent after its status, unless that status already reflects it.
    await this.connection.hold(async () => {
      const { value: found, through } = await readSettled(this.events, orgTopic(this.orgId), () => this.documents.statuses(this.orgId, ids));
      const known = new Set(found.map((s) => s.document_id));
      this.scope.add(known);
      this.scope.settle(found, through);
      this.reply({ type: 'subscribed', document_ids: [...known], not_found: ids.filter((d) => !known.has(d)) });
      for (const s of found) this.connection.push(JSON.stringify(s));
    });
  }
}
