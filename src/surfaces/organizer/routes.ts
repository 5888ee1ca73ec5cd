// The organizer REST surface under /api/v1: upload files (multipart/form-data streamed to the blob
// store, or JSON base64), list, get, download, rename, move and delete them, list folders, and create,
// get, cancel and undo organize jobs. Thin: it maps HTTP to the organizer service.
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Readable } from 'node:stream';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { adminGuard, IdempotencyHeaders, security as adminSecurity, writeErrors, written } from '../admin/index.js';
import { AppError, idempotencyKeyOf, idempotently, replies, schemas, sendStoredObject, storedObjectReplies, StoredObjectHeaders } from '../../http/index.js';
import type { FileView, UploadSession } from '../../organizer/index.js';
import type { Org } from '../../storage/index.js';
import type { AppContext } from '../../server/context.js';
import { orgOfRequest } from './auth.js';
import { boundaryOf, readField, readMultipart } from './multipart.js';
import { organizerSocketRoute } from './realtime.js';
import { File, FileBytes, FileList, FileParams, FileRange, Folders, Job, JobBody, JobParams, JobWithErrors, LockBody, LockParams, RenameBody, UndoneJob, Uploaded, UploadBody, UploadHeaders } from './schemas.js';

const tags = ['organizer'];
// The organization API key, in capout-api-key or as a bearer token.
const security: Record<string, string[]>[] = [{ orgApiKey: [] }, { orgApiKeyBearer: [] }];
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const MAX_FIELD_BYTES = 8 * 1024;

interface JsonFile {
  readonly name?: unknown;
  readonly content_base64?: unknown;
  readonly content_type?: unknown;
}

/**
 * An attachment's file name for every browser: a plain ASCII fallback, and the exact name as RFC 8187's
 * filename* (UTF-8, percent-encoded), which current browsers prefer.
 */
function contentDisposition(name: string): string {
  const fallback = name.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
  const exact = encodeURIComponent(name).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `attachment; filename="${fallback}"; filename*=UTF-8''${exact}`;
}

function decodeFile(f: JsonFile, maxBytes: number): { name: string; contentType: string | undefined; bytes: Buffer } {
  if (typeof f !== 'object' || f === null) throw new AppError('invalid_request', 'Each file is an object {name, content_base64}');
  if (typeof f.name !== 'string' || f.name.length === 0) throw new AppError('invalid_request', 'name is required');
  if (typeof f.content_base64 !== 'string') throw new AppError('invalid_request', 'content_base64 is required');
  if (f.content_type !== undefined && (typeof f.content_type !== 'string' || f.content_type.length > 255)) throw new AppError('invalid_request', 'content_type must be a string');
  const compact = f.content_base64.replace(/\s+/g, '');
  if (compact.length % 4 !== 0 || !BASE64.test(compact)) throw new AppError('invalid_request', 'content_base64 is not valid base64');
  const bytes = Buffer.from(compact, 'base64');
  if (bytes.length > maxBytes) throw new AppError('payload_too_large', `A base64 file may be at most ${maxBytes} bytes; use multipart/form-data`);
  return { name: f.name, contentType: f.content_type, bytes };
}

/** Room for one part's boundary and headers (a long filename, its filename*) beside its bytes. */
const MULTIPART_PART_OVERHEAD = 16_384;

export function organizerRoutes(ctx: AppContext) {
  return async function organizer(root: FastifyInstance): Promise<void> {
    const app = root.withTypeProvider<TypeBoxTypeProvider>();
    const { organizer, config } = ctx;
    // Multipart bodies are handed to the route as a stream, which it reads part by part (this plugin only).
    // One that declares more than the most files of the most bytes an upload may carry (with room for
    // each part's headers) is refused before a byte of it is read, and before any `100 Continue`.
    const maxMultipartBytes = config.organizerMaxUploadFiles * (config.organizerMaxFileBytes + MULTIPART_PART_OVERHEAD);
    app.addContentTypeParser('multipart/form-data', (req, payload, done) => {
      const declared = Number(req.headers['content-length']);
      if (declared > maxMultipartBytes) {
        done(new AppError('payload_too_large', `The request body is larger than an upload may be: ${config.organizerMaxUploadFiles} files of ${config.organizerMaxFileBytes} bytes at most`, {}, { limit_bytes: maxMultipartBytes }), undefined);
        return;
      }
      done(null, payload);
    });

    // Credentials are checked before the body is read: an upload with an unknown key is answered 401
    // (and its connection closed) without reading up to organizerMaxFileBytes of it first.
    const orgs = new WeakMap<FastifyRequest, Org>();
    const authenticated = {
      onRequest: async (req: FastifyRequest) => {
        orgs.set(req, await orgOfRequest(ctx, req));
      },
    };
    const orgOf = (req: FastifyRequest): Org => {
      const org = orgs.get(req);
      if (!org) throw new AppError('unauthorized');
      return org;
    };

    async function fill(session: UploadSession, run: () => Promise<void>): Promise<{ files: FileView[]; replayed: boolean }> {
      try {
        await run();
        return await session.commit();
      } catch (e) {
        await session.abort(e);
        throw e;
      }
    }

    app.post('/api/v1/files', {
      ...authenticated,
      config: { accepts: 'multipart/form-data or application/json' },
      bodyLimit: Math.ceil((config.organizerMaxBase64Bytes * 4) / 3) + 65_536,
      schema: {
        tags, security, operationId: 'uploadFiles', summary: 'Upload files: multipart/form-data (streamed) or JSON base64',
        description: 'multipart/form-data: every part with a filename is a file (field name free), up to CAPSTAN_ORGANIZER_MAX_UPLOAD_FILES per request, each up to CAPSTAN_ORGANIZER_MAX_FILE_BYTES. '
          + 'JSON: {"name", "content_base64", "content_type"?} or {"files": [ ... ]}, each file up to CAPSTAN_ORGANIZER_MAX_BASE64_BYTES. Each file is announced with a file_uploaded event. '
          + 'An empty file or an upload with no file is 400; the request is all or nothing. The key may also be sent as Authorization: Bearer <key>. '
          + 'Optional Idempotency-Key header: a retry with the same key and the same files (names, types and bytes, multipart or base64) gets the first answer, marked Idempotent-Replayed: true, '
          + 'and its files are not stored twice; the same key with other files is 409 idempotency_conflict.',
        headers: UploadHeaders,
        body: UploadBody,
        response: replies({ 201: { ...Uploaded, headers: schemas.replayHeaders } }, ['idempotency_conflict']),
      },
    }, async (req, reply) => {
      const org = orgOf(req);
      const key = idempotencyKeyOf(req);
      const session = organizer.startUpload(org.id, key === undefined ? undefined : { scope: org.id, key });
      const contentType = req.headers['content-type'];
      let files;
      if (contentType !== undefined && /^multipart\/form-data\b/i.test(contentType)) {
        const boundary = boundaryOf(contentType);
        if (!boundary) throw new AppError('invalid_request', 'multipart/form-data needs a boundary parameter');
        files = await fill(session, async () => {
          for await (const part of readMultipart(req.body as Readable, boundary)) {
            if (part.filename === undefined) await readField(part.body, MAX_FIELD_BYTES);
            else await session.addFile(part.filename, part.contentType, part.body);
          }
        });
      } else {
        const body = req.body as { files?: unknown } & JsonFile | undefined;
        if (typeof body !== 'object' || body === null) throw new AppError('invalid_request', 'Send multipart/form-data or a JSON object');
        if (body.files !== undefined && (body.name !== undefined || body.content_base64 !== undefined || body.content_type !== undefined)) {
          throw new AppError('invalid_request', 'Send one file as {name, content_base64} or several as {files: [...]}, not both');
        }
        const list = body.files !== undefined ? body.files : [body];
        if (!Array.isArray(list)) throw new AppError('invalid_request', 'files must be an array');
        const decoded = (list as JsonFile[]).map((f) => decodeFile(f, config.organizerMaxBase64Bytes));
        files = await fill(session, async () => {
          for (const f of decoded) await session.addFile(f.name, f.contentType, f.bytes);
        });
      }
      if (files.replayed) reply.header('Idempotent-Replayed', 'true');
      return reply.code(201).send({ files: files.files });
    });

    app.get('/api/v1/files', {
      ...authenticated,
      schema: {
        tags, security, operationId: 'listFiles', summary: "The organization's files, newest first",
        description: 'folder: only files in that virtual folder ("" or "/" is the root, where uploads land); recursive=true adds its subfolders.',
        querystring: Type.Object({
          folder: Type.Optional(Type.String({ maxLength: 512, description: 'Only files in this folder ("" or "/" is the root)' })),
          recursive: Type.Optional(Type.Boolean({ description: 'With folder: its subfolders too' })),
          limit: schemas.Limit(50, 500),
          offset: schemas.Offset,
        }),
        response: replies({ 200: FileList }),
      },
    }, async (req) => {
      const org = orgOf(req);
      return organizer.listFiles(org.id, req.query);
    });

    app.get('/api/v1/files/:file_id', {
      ...authenticated,
      schema: { tags, security, operationId: 'getFile', summary: 'A file: name, size, sniffed type, folder, lock', params: FileParams, response: replies({ 200: File }, ['not_found']) },
    }, async (req) => {
      const org = orgOf(req);
      return organizer.getFile(org.id, req.params.file_id);
    });

    app.get('/api/v1/files/:file_id/content', {
      ...authenticated,
      schema: {
        tags, security, operationId: 'downloadFile', summary: "A file's bytes, as a download, with HTTP Range (206, 416)",
        description: 'Content-Type is the type sniffed from the bytes at upload (application/octet-stream when unknown), never the type the uploader claimed; '
          + 'Content-Disposition: attachment with the file\'s name. One byte range per request; several, or an unparsable Range header, get the whole file. If-Range, If-None-Match / If-Modified-Since (304) and If-Match / If-Unmodified-Since (412 precondition_failed) as RFC 9110 says.',
        params: FileParams,
        headers: StoredObjectHeaders,
        response: storedObjectReplies(FileBytes, FileRange, ['not_found']),
      },
    }, async (req, reply) => {
      const org = orgOf(req);
      const { file, stat, mime, open } = await organizer.content(org.id, req.params.file_id);
      reply
        .header('Cache-Control', 'private, no-cache')
        .header('Content-Disposition', contentDisposition(file.name))
        // Stored bytes are whatever a user uploaded: never rendered as a page of this origin.
        .header('X-Content-Type-Options', 'nosniff')
        .header('Content-Security-Policy', "default-src 'none'; sandbox");
      return sendStoredObject(req, reply, { ...stat, contentType: mime, open });
    });

    app.patch('/api/v1/files/:file_id', {
      ...authenticated,
      schema: {
        tags, security, operationId: 'updateFile', summary: 'Rename and/or move a file',
        description: 'name: the new file name (1-255 characters, no "/", "\\", control characters or bidirectional overrides, not "." or ".."); folder: the folder to move it to ("" or "/" is the root). '
          + 'At least one. A locked file is 409 conflict; another organization\'s file is 404. Announced with a file_updated event when something changed.',
        params: FileParams,
        body: RenameBody,
        response: replies({ 200: File }, ['not_found', 'conflict']),
      },
    }, async (req) => {
      const org = orgOf(req);
      return organizer.updateFile(org.id, req.params.file_id, req.body);
    });

    app.delete('/api/v1/files/:file_id', {
      ...authenticated,
      schema: {
        tags, security, operationId: 'deleteFile', summary: 'Delete a file and its bytes (204)',
        description: 'A locked file is 409 conflict; another organization\'s file is 404. Announced with a file_deleted event. A job that reaches the file later reports it with FILE_NOT_FOUND.',
        params: FileParams,
        response: replies({ 204: Type.Null({ description: 'Deleted' }) }, ['not_found', 'conflict']),
      },
    }, async (req, reply) => {
      const org = orgOf(req);
      await organizer.deleteFile(org.id, req.params.file_id);
      return reply.code(204).send();
    });

    app.get('/api/v1/folders', {
      ...authenticated,
      schema: {
        tags, security, operationId: 'listFolders', summary: 'The folders directly under a folder, with file counts',
        description: 'parent: the folder to look in ("" or absent: the root). {parent, fileCount (files directly in parent), folders: [{name, path, fileCount, totalCount}]}, '
          + 'sorted by name; totalCount includes subfolders. Folders exist while files are in them.',
        querystring: Type.Object({ parent: Type.Optional(Type.String({ maxLength: 512, description: 'The folder to look in ("" or absent: the root)' })) }),
        response: replies({ 200: Folders }),
      },
    }, async (req) => {
      const org = orgOf(req);
      return organizer.listFolders(org.id, req.query.parent);
    });

    app.post('/api/v1/jobs', {
      ...authenticated,
      schema: {
        tags, security, operationId: 'createJob', summary: 'Start an organize job over files or a folder',
        description: 'Exactly one of file_ids (the organization\'s own: an unknown id is 404) or folder (with recursive for its subfolders). A job with no files is 400. 201 with the job; progress arrives as job_progress / error / job_complete events.',
        body: JobBody(config.organizerMaxJobFiles),
        response: replies({ 201: Job }, ['not_found']),
      },
    }, async (req, reply) => {
      const org = orgOf(req);
      return reply.code(201).send(await organizer.createJob(org.id, req.body));
    });

    app.get('/api/v1/jobs/:job_id', {
      ...authenticated,
      schema: { tags, security, operationId: 'getJob', summary: 'A job: status, counts, and its first 100 failed files', params: JobParams, response: replies({ 200: JobWithErrors }, ['not_found']) },
    }, async (req) => {
      const org = orgOf(req);
      return organizer.getJob(org.id, req.params.job_id);
    });

    app.post('/api/v1/jobs/:job_id/cancel', {
      ...authenticated,
      schema: {
        tags, security, operationId: 'cancelJob', summary: 'Cancel a queued or running job (409 once it has ended)', description: 'Takes no body. The job stops before its next batch.',
        params: JobParams, response: replies({ 200: Job }, ['not_found', 'conflict']),
      },
    }, async (req) => {
      const org = orgOf(req);
      return organizer.cancelJob(org.id, req.params.job_id);
    });

    app.post('/api/v1/jobs/:job_id/undo', {
      ...authenticated,
      schema: {
        tags, security, operationId: 'undoJob', summary: "Undo an ended job's moves",
        description: 'Every file the job moved goes back to the folder it came from, unless it has been moved (or locked, or deleted) since: those stay. '
          + 'The job plus {restored, kept}; a queued or running job, or one already undone, is 409. Announced with a job_undone event. Takes no body.',
        params: JobParams,
        response: replies({ 200: UndoneJob }, ['not_found', 'conflict']),
      },
    }, async (req) => {
      const org = orgOf(req);
      return organizer.undoJob(org.id, req.params.job_id);
    });

    app.put('/admin/v1/orgs/:org_id/files/:file_id/lock', {
      onRequest: adminGuard(ctx),
      schema: {
        tags: ['admin'], security: adminSecurity, operationId: 'setFileLock', summary: "Lock or unlock an organization's file (admin token or console session)",
        description: 'A locked file is never moved: an organize job reports it with an error event, code PERMISSION_ERROR, and counts it as failed; renaming, moving or deleting it is 409. '
          + 'While CAPSTAN_ADMIN_TOKEN is unset the route does not exist (404 route_not_found).',
        params: LockParams,
        headers: IdempotencyHeaders,
        body: LockBody,
        response: replies({ 200: written(File, 'The file, with its lock as set') }, writeErrors('not_found')),
      },
    }, async (req, reply) => {
      // An admin write like the others under /admin/v1: the admin scope's Idempotency-Key.
      return idempotently(ctx.storage.idempotency, req, reply, 'admin', () => organizer.setLocked(req.params.org_id, req.params.file_id, req.body.locked));
    });

    organizerSocketRoute(app);
  };
}
