// Contact authentication for the member API: `Authorization: Bearer <contact token>` for this hub, held
// by an active member. Checked on every request, before the body is read, so a ban or removal takes
// effect at once. A token for another hub, or a member no longer active, is 404 like the stream.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { bearerToken } from '../../auth/index.js';
import { AppError, schemas } from '../../http/index.js';
import type { MemberActor } from '../../hubs/index.js';
import type { AppContext } from '../../server/context.js';

const members = new WeakMap<FastifyRequest, MemberActor>();

export function requireMember(app: FastifyInstance, ctx: AppContext): void {
  app.addHook('onRequest', async (req) => {
    const token = bearerToken(req.headers.authorization);
    if (!token) throw new AppError('unauthorized', 'Missing token');
    const verified = await ctx.tokens.verify('contact', token);
    const hubId = (req.params as { hub_id?: string }).hub_id;
    // A malformed id is 400 as on every other route, though this check runs before the schema's.
    if (hubId !== undefined && !schemas.isId(hubId)) throw new AppError('invalid_request', 'params.hub_id has an invalid format');
    if (hubId === undefined || verified.claims.hub_id !== hubId) throw new AppError('not_found', 'Hub not found');
    const member = await ctx.hubs.member(hubId, verified.subject);
    if (!member) throw new AppError('not_found', 'Hub not found');
    members.set(req, member);
  });
}

/** The member authenticated for this request. */
export function memberOf(req: FastifyRequest): MemberActor {
  const member = members.get(req);
  if (!member) throw new AppError('unauthorized', 'Missing token');
  return member;
}
