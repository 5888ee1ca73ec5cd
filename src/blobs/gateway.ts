// The upload gateway: where the local store's presigned part URLs point. It plays S3's part of a
// presigned UploadPart: check the URL's signature and expiry, stream the body to disk, hold it to the
// Content-MD5 the client sent, if any, and answer with the part's ETag header (exposed to browsers by
// the app's CORS settings).
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Readable } from 'node:stream';
import { AppError, media, replies } from '../http/index.js';
import { BlobError, isBlobError } from './errors.js';
import { blobHttpError } from './http-errors.js';
import type { LocalDiskBlobStore } from './local-disk.js';
import { GATEWAY_PATH, type PartUrlSigner } from './presign.js';
import { MAX_PART_NUMBER, MIN_PART_NUMBER } from './types.js';

export interface UploadGatewayDeps {
  readonly store: LocalDiskBlobStore;
  readonly signer: PartUrlSigner;
  /** Largest part accepted; S3's own limit is 5 GiB. */
  readonly maxPartBytes: number;
}

// All of them are written by the signer: a client passes the URL on untouched.
const PartQuery = Type.Object({
  key: Type.String({ minLength: 1, maxLength: 1024, description: 'The object key the part belongs to' }),
  uploadId: Type.String({ minLength: 1, maxLength: 128, description: 'The multipart upload' }),
  partNumber: Type.Integer({ minimum: MIN_PART_NUMBER, maximum: MAX_PART_NUMBER }),
  expires: Type.Integer({ minimum: 0, description: 'Unix seconds after which the URL is refused' }),
  signature: Type.String({ minLength: 1, maxLength: 128, description: 'HMAC-SHA256 over the other parameters (base64url)' }),
});

const FORBIDDEN = {
  bad_signature: 'The upload URL signature does not match; request a new presigned URL',
  expired: 'The upload URL has expired; request a new presigned URL',
} as const;

export function uploadGateway(deps: UploadGatewayDeps) {
  return async function gateway(scope: FastifyInstance): Promise<void> {
    const app = scope.withTypeProvider<TypeBoxTypeProvider>();
    // Part bodies are raw bytes of any (or no) content type, streamed rather than buffered. Only this
    // plugin's scope parses bodies this way; the rest of the app keeps its JSON parser.
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('*', (_req, payload, done) => done(null, payload));

    app.put(GATEWAY_PATH, {
      schema: {
        operationId: 'uploadPart',
        tags: ['developer SDK'],
        // The signature in the URL is the credential.
        security: [],
        summary: 'Upload one part\'s bytes to a presigned part URL (local store only)',
        description: 'Where presign-part\'s presignedUrl points when blobs are stored on local disk (with S3 it points at the bucket instead): take the URL as it is, never build it. The body is the part\'s raw bytes, of any content type; answer 200 with the ETag header that complete wants. A Content-MD5 header (the base64 of the part\'s MD5) is checked as S3 checks it: bytes that hash otherwise are 400 (BadDigest: …) and nothing of them is kept, a value that is not the base64 of 16 bytes is 400 (InvalidDigest: …) before the body is read. A part may be uploaded again before complete; the last upload wins. A URL whose signature does not match or that has expired is 403 forbidden; an upload that no longer exists (aborted, completed, expired) is 404 (NoSuchUpload: …).',
        querystring: PartQuery,
        response: replies({
          200: media('The part is stored. The body is empty: the ETag header is the answer', ['application/octet-stream'], { type: 'string', maxLength: 0 }, {
            ETag: { type: 'string', description: 'The part\'s entity tag, quoted: send it back in complete\'s parts[].etag' },
          }),
        }, ['forbidden', 'not_found']),
      },
    }, async (req, reply) => {
      try {
        // Parameters were checked first (400); then the signature and expiry (403).
        const verdict = deps.signer.verify(req.query);
        if (!verdict.ok) throw new AppError('forbidden', FORBIDDEN[verdict.reason]);
        if (Number(req.headers['content-length'] ?? 0) > deps.maxPartBytes) throw tooLarge(deps.maxPartBytes);
        const contentMd5 = readContentMd5(req.headers['content-md5']);
        const body = (req.body as Readable | undefined) ?? Readable.from([]);
        const { key, uploadId, partNumber } = verdict.part;
        // A body without Content-Length (chunked) is bounded as it streams: the store stops at the limit.
        const limit = { maxBytes: deps.maxPartBytes, error: () => tooLarge(deps.maxPartBytes) };
        const etag = await deps.store.uploadPart(key, uploadId, partNumber, body, { limit, contentMd5 });
        return reply.code(200).header('ETag', etag).send();
      } catch (e) {
        // Refused before its body was read: close rather than drain up to a whole part to keep the connection.
        if (!req.raw.complete) reply.header('Connection', 'close');
        throw isBlobError(e) ? blobHttpError(e) : e;
      }
    });
  };
}

/** A Content-MD5 header as S3 takes it: the base64 of the body's 16-byte MD5 (RFC 1864), or none. */
function readContentMd5(header: string | string[] | undefined): Buffer | undefined {
  if (header === undefined) return undefined;
  // Two headers (joined with a comma, or a list) are no digest either.
  if (typeof header !== 'string' || !BASE64_MD5.test(header)) throw new BlobError('InvalidDigest', 'The Content-MD5 you specified is not valid: give the base64 of the body\'s 16-byte MD5, or no Content-MD5');
  return Buffer.from(header, 'base64');
}

const BASE64_MD5 = /^[A-Za-z0-9+/]{21}[AQgw]==$/;

const tooLarge = (max: number): AppError => new AppError('payload_too_large', `A part may be at most ${max} bytes`, {}, { limit_bytes: max });
