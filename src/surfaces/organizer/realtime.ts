// Organizer realtime (seed 002): GET /api/v1/ws/:client_id?token=<organization API key>. Every
// connection of an organization gets its organizer events (job_progress, job_complete,
// file_uploaded, error) as the seed's flat JSON objects. Refusals happen before the upgrade, as
// plain HTTP: 400 malformed client_id, 401 bad/missing/revoked token, 409 client_id already connected,
// 429 when the key holds CAPSTAN_REALTIME_MAX_STREAMS_PER_KEY connections or the node is full.
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { authenticateOrgKey } from '../../auth/index.js';
import { orgTopic } from '../../events/index.js';
import { AppError, singleParam, upgradeReplies, upgradeRequired, type UpgradeRouter } from '../../http/index.js';
import { OrganizerSocketAccess, organizerFrame } from '../../organizer/index.js';
import { jsonWsCodec, readSettled, wsWire } from '../../realtime/index.js';
import type { AppContext } from '../../server/context.js';
import { SocketParams } from './schemas.js';

const PATH = /^\/api\/v1\/ws\/([^/]+)$/;
// `.` and `..` are dot segments, which clients and proxies resolve away: not names.
const CLIENT_ID = /^(?!\.\.?$)[A-Za-z0-9_.:-]{1,128}$/;
const codec = jsonWsCodec(organizerFrame);

/**
 * The socket as HTTP sees it. The upgrade never reaches Fastify (the router takes it on the server's
 * 'upgrade' event); this route documents the endpoint and answers the requests that are not upgrades.
 */
export function organizerSocketRoute(app: FastifyInstance): void {
  app.get('/api/v1/ws/:client_id', {
    schema: {
      tags: ['organizer realtime'], security: [{ orgApiKeyQuery: [] }], operationId: 'connectOrganizerSocket', summary: 'Organizer events over WebSocket',
      description: 'Connect with a WebSocket client (an `Upgrade: websocket` GET), the organization API key as ?token=. A connection first gets a job_progress for each queued or running job, '
        + 'then every organizer event of the organization (job_progress, job_complete, file_uploaded, error, file_updated, file_deleted, job_undone); the only client message is {"type":"ping"}. '
        + 'Messages and close codes: /asyncapi.json. Refusals (400, 401, 409 a client_id already connected, 429, 503) are plain HTTP answers to the upgrade; a request without Upgrade is 426.',
      params: SocketParams,
      querystring: Type.Object({ token: Type.Optional(Type.String({ description: 'The organization API key' })) }),
      response: upgradeReplies('Switching Protocols: the connection is now a WebSocket carrying organizer events (see /asyncapi.json).', ['conflict', 'too_many_connections']),
    },
  }, async () => {
    throw upgradeRequired();
  });
}

export function organizerRealtime(ctx: AppContext, upgrades: UpgradeRouter): void {
  const { realtime, organizer, config } = ctx;
  upgrades.add('/api/v1/ws/:client_id', PATH, async (req, target, accept) => {
    const clientId = PATH.exec(target.path)?.[1] ?? '';
    if (!CLIENT_ID.test(clientId)) throw new AppError('invalid_request', 'client_id must be 1-128 characters of A-Z a-z 0-9 _ . : -, and not . or ..');
    const { org, key } = await authenticateOrgKey(ctx.storage, singleParam(target.query, 'token'));
    // One live connection per client_id in an organization, and so many client_ids per key (cluster-wide).
    const lease = await realtime.admit(
      { key: `organizer:${org.id}:${clientId}`, max: 1, refusal: new AppError('conflict', `client_id ${clientId} is already connected`) },
      { key: `org_key:${key.id}`, max: config.realtimeMaxStreamsPerKey },
    );
    let accepted;
    try {
      accepted = await accept();
    } catch (e) {
      lease.release();
      throw e;
    }
    const access = new OrganizerSocketAccess();
    const connection = realtime.open({
      topic: orgTopic(org.id),
      access,
      // A new connection first hears where the organization's running jobs are; the live progress
      // that reading already reflects is not sent after it.
      snapshot: async () => {
        const { value: progress, through } = await readSettled(ctx.events, orgTopic(org.id), () => organizer.activeProgress(org.id));
        access.settle(progress, through);
        return progress.map((p) => JSON.stringify(p));
      },
      wire: wsWire(accepted),
      codec,
      lease,
      keyId: key.id,
      label: { surface: 'organizer', credential: `org_key:${key.id}`, orgId: org.id, remoteAddress: req.socket.remoteAddress ?? '' },
    });
    const reply = (body: Record<string, unknown>) => connection.push(JSON.stringify(body));
    // The router bounds how many messages a client may send; each costs one small reply at most.
    accepted.onMessage((raw, isBinary) => {
      let msg: unknown;
      try {
        msg = isBinary ? undefined : JSON.parse(raw.toString());
      } catch {
        msg = undefined;
      }
      const type = typeof msg === 'object' && msg !== null && !Array.isArray(msg) ? (msg as { type?: unknown }).type : undefined;
      if (type === 'ping') return reply({ type: 'pong' });
      reply({ type: 'error', jobId: null, error: 'Unsupported message: the only client message is {"type":"ping"}', code: 'INVALID_MESSAGE' });
    });
  });
}
