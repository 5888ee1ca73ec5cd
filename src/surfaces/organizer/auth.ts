// The organizer surface authenticates with the organization API key: `capout-api-key` (as the
// documents surface) or `Authorization: Bearer <key>` on REST, and `?token=<key>` on the WebSocket.
import type { FastifyRequest } from 'fastify';
import { authenticateOrgKey, bearerToken } from '../../auth/index.js';
import type { Org } from '../../storage/index.js';
import type { AppContext } from '../../server/context.js';

export async function orgOfRequest(ctx: AppContext, req: FastifyRequest): Promise<Org> {
  const header = req.headers['capout-api-key'];
  const key = typeof header === 'string' && header !== '' ? header : bearerToken(req.headers.authorization);
  return (await authenticateOrgKey(ctx.storage, key)).org;
}
