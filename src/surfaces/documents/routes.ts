// The documents REST surface (seeds 000/001): upload, status, results, list, credits and realtime
// tokens, authenticated with the organization key in `capout-api-key`. Thin: it maps HTTP to the
// documents service.
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { authenticateOrgKey, rememberedOrgKey, type OrgPrincipal } from '../../auth/index.js';
import { AppError, bodylessAsEmpty, decodeBase64, idempotencyKeyOf, inlineFileOf, replies, schemas, useInlineFileJson, withErrorFields } from '../../http/index.js';
import { publicPathPrefix } from '../../config/index.js';
import type { AppContext } from '../../server/context.js';

import { Credits, DocParams, DocumentList, DocumentResult, DocumentStatus, IdempotencyHeaders, PaymentRequiredFields, RealtimeToken, UploadAccepted, UploadBody } from './schemas.js';

const tags = ['documents'];
const security = [{ orgApiKey: [] }];

export const REALTIME_TOKEN_PREFIX = 'rt_';

export function documentRoutes(ctx: AppContext) {
  return async function documents(root: FastifyInstance): Promise<void> {
    const app = root.withTypeProvider<TypeBoxTypeProvider>();
    const { documents, config } = ctx;
    const prefix = publicPathPrefix(config);
    const principals = new WeakMap<FastifyRequest, OrgPrincipal>();
    // The key is checked before the body is read: an upload with an unknown key is answered 401 (and
    // its connection closed) without reading megabytes of base64 first. A key verified a moment ago
    // (most requests) is known at once, without a promise.
    app.addHook('onRequest', (req, _reply, done) => {
      const header = req.headers['capout-api-key'];
      const key = typeof header === 'string' ? header : undefined;
      // Organizer calls also take the key as a bearer token: say where this API reads it.
      if (key === undefined) return done(new AppError('unauthorized', `Missing API key: send it in the capout-api-key header${req.headers.authorization === undefined ? '' : ' (this API does not read Authorization)'}`));
      const known = rememberedOrgKey(ctx.storage, key);
      if (known) {
        principals.set(req, known);
        return done();
      }
      authenticateOrgKey(ctx.storage, key).then((principal) => {
        principals.set(req, principal);
        done();
      }, done);
    });
    const principalOf = (req: FastifyRequest): OrgPrincipal => {
      const principal = principals.get(req);
      if (!principal) throw new AppError('unauthorized');
      return principal;
    };
    const orgOf = (req: FastifyRequest) => principalOf(req).org;

    // The file's base64 is decoded as the body arrives, not parsed whole (inline-file-body.ts).
    await app.register(async (scope) => {
      useInlineFileJson(scope, 'file_base64');
      scope.withTypeProvider<TypeBoxTypeProvider>().post('/upload', {
        // base64 is 4/3 of the bytes, and its whitespace is ignored: wrapped at 64 characters with CRLF,
        // escaped in JSON as \r\n, a line is 68 characters. The decoded size is checked against
        // documentMaxBytes (413).
        bodyLimit: Math.ceil(((config.documentMaxBytes * 4) / 3) * (68 / 64)) + 65_536,
        schema: {
          tags, security, operationId: 'uploadDocument', summary: 'Upload a document by URL or inline base64; processing starts at once',
          description: 'Exactly one of url / file_base64. The type is sniffed from the bytes (PDF, PNG, JPEG, TIFF). A base64 upload is billed at once for its pages; '
            + 'a URL upload must afford one page now and is billed when the fetched file is counted. 402 says how much is needed and held (required_micro, balance_micro). '
            + 'Optional Idempotency-Key header: the same key and body (an inline file compared by its bytes, however its base64 is wrapped) return the first response, marked Idempotent-Replayed: true; the same key with another body is 409.',
          headers: IdempotencyHeaders,
          body: UploadBody,
          response: withErrorFields(replies({ 201: { ...UploadAccepted, description: 'Accepted; processing has started', headers: schemas.replayHeaders } }, ['invalid_document', 'payment_required', 'idempotency_conflict']), 402, PaymentRequiredFields),
        },
      }, async (req, reply) => {
        const org = orgOf(req);
        const { url, file_base64, file_name, xn_address } = req.body;
        const file = file_base64 === undefined ? undefined : (inlineFileOf(req.body)?.bytes ?? decodeBase64(file_base64, 'file_base64'));
        const result = await documents.upload(org, { url, file, file_name, xn_address }, idempotencyKeyOf(req));
        if (result.replayed) reply.header('Idempotent-Replayed', 'true');
        return reply.code(result.status).send(result.body);
      });
    });

    app.get('/status/:document_id', {
      schema: { tags, security, operationId: 'getDocumentStatus', summary: 'Processing status of a document', params: DocParams, response: replies({ 200: DocumentStatus }, ['not_found']) },
    }, async (req) => {
      const org = orgOf(req);
      return documents.status(org.id, req.params.document_id);
    });

    app.get('/documents/:document_id/result', {
      schema: {
        tags, security, operationId: 'getDocumentResult', summary: 'Pages, structure and classified line items of a document',
        description: 'As far as processing has got: the output of a stage not done yet is null.',
        params: DocParams,
        response: replies({ 200: DocumentResult }, ['not_found']),
      },
    }, async (req) => {
      const org = orgOf(req);
      return documents.result(org.id, req.params.document_id);
    });

    app.get('/documents', {
      schema: {
        tags, security, operationId: 'listDocuments', summary: "The organization's documents, newest first",
        querystring: Type.Object({ limit: schemas.Limit(20, 100), offset: schemas.Offset }),
        response: replies({ 200: DocumentList }),
      },
    }, async (req) => {
      const org = orgOf(req);
      return documents.list(org.id, req.query.limit, req.query.offset);
    });

    app.get('/credits', {
      schema: { tags, security, operationId: 'getCredits', summary: "The organization's credit balance", response: replies({ 200: Credits }, ['not_found']) },
    }, async (req) => {
      const org = orgOf(req);
      return documents.credits(org.id);
    });

    app.post('/ws/token', {
      schema: {
        tags, security, operationId: 'createRealtimeToken', summary: 'Mint a short-lived realtime token for /ws/status and /sse/status',
        description: 'Valid for CAPSTAN_REALTIME_TOKEN_TTL_SECONDS and only for the organization; streams opened with it count against the key that minted it. Takes no body (or {}); a field is 400, since none is read.',
        body: schemas.EmptyBody,
        response: replies({ 200: RealtimeToken }),
      },
      // No body at all (curl -X POST, as seed 000 sends it) is the usual call.
      preValidation: bodylessAsEmpty,
    }, async (req) => {
      const { org, key } = principalOf(req);
      // kid: revoking the key that minted a token also ends the streams opened with it.
      const issued = await ctx.tokens.issue('realtime', org.id, { scope: 'documents', kid: key.id }, config.realtimeTokenTtlSeconds);
      return { token: REALTIME_TOKEN_PREFIX + issued.token, organization_id: org.id, expires_at: issued.expiresAt, ws_url: `${prefix}/ws/status`, sse_url: `${prefix}/sse/status` };
    });
  };
}
