// The organizer surface's request and response shapes (seed 002 and ours): files, folders, jobs, and
// the bodies that upload, rename, move, organize and lock them. camelCase, like the seed's events.
import { Type, type TSchema } from '@sinclair/typebox';
import { media, schemas } from '../../http/index.js';

const Timestamp = (description: string) => Type.String({ format: 'date-time', description });
const nullable = <T extends TSchema>(schema: T, description?: string) => Type.Union([schema, Type.Null()], description ? { description } : {});
const oneOf = (values: readonly string[], description?: string) => Type.Union(values.map((v) => Type.Literal(v)), description ? { description } : {});

export const FileParams = Type.Object({ file_id: schemas.Id('File id') });
export const JobParams = Type.Object({ job_id: schemas.Id('Job id') });
export const LockParams = Type.Object({ org_id: schemas.Id('Organization id'), file_id: schemas.Id('File id') });
export const SocketParams = Type.Object({ client_id: Type.String({ pattern: '^(?!\\.\\.?$)[A-Za-z0-9_.:-]{1,128}$', description: 'A distinct id per client session (e.g. a random UUID); one live connection per client_id in an organization' }) });

const FILE_EXAMPLE = {
  fileId: 'file_456', name: 'newfile.pdf', size: 512000, type: 'pdf', contentType: 'application/pdf', folder: 'Invoices/2025/03', locked: false,
  documentType: 'invoice', contentDate: '2025-03-14', excerpt: 'INVOICE No. 2025-031 Date: March 14, 2025', createdAt: '2025-03-20T09:12:00.000Z', updatedAt: '2025-03-20T09:13:05.000Z',
};

export const File = Type.Object({
  fileId: Type.String(),
  name: Type.String(),
  size: Type.Integer({ minimum: 0, description: 'Bytes' }),
  type: oneOf(['pdf', 'image', 'video', 'audio', 'archive', 'document', 'text', 'other'], 'Sniffed from the bytes, never from the name or the uploader\'s claim'),
  contentType: nullable(Type.String(), 'The type the uploader sent'),
  folder: Type.String({ description: 'The virtual folder ("" is the root, where uploads land)' }),
  locked: Type.Boolean({ description: 'A locked file is never moved, renamed or deleted' }),
  documentType: nullable(Type.String(), 'What the last organize job took it for: invoice, receipt, bank_statement, payslip, tax_form, contract, lease, insurance, medical, resume, screenshot, photo, or a rules file\'s own'),
  contentDate: nullable(Type.String(), 'The date its text is about (YYYY, YYYY-MM or YYYY-MM-DD), as the last organize job found it'),
  excerpt: nullable(Type.String(), 'The first 200 characters of its text, once read'),
  createdAt: Timestamp('When it was uploaded'),
  updatedAt: Timestamp('The last change'),
}, { examples: [FILE_EXAMPLE] });

export const FileList = Type.Object({ files: Type.Array(File), limit: Type.Integer(), offset: Type.Integer() });

export const UploadHeaders = Type.Object({
  'idempotency-key': Type.Optional(Type.String({ description: '1-255 visible ASCII characters, kept 24 h per organization. The same key with the same files returns the first response; with other files, 409 idempotency_conflict.' })),
});

export const Uploaded = Type.Object({ files: Type.Array(File) }, { examples: [{ files: [FILE_EXAMPLE] }] });

const jobFields = {
  jobId: Type.String(),
  status: oneOf(['queued', 'running', 'completed', 'failed', 'cancelled']),
  progress: Type.Integer({ minimum: 0, maximum: 100, description: 'Percent of the files processed' }),
  processedCount: Type.Integer({ minimum: 0 }),
  totalCount: Type.Integer({ minimum: 0 }),
  organized: Type.Integer({ minimum: 0 }),
  failed: Type.Integer({ minimum: 0 }),
  currentFile: nullable(Type.String(), 'The file being processed'),
  folder: nullable(Type.String(), 'The folder the job was started on; null for a job over file_ids'),
  createdAt: Timestamp('When the job was created'),
  completedAt: nullable(Timestamp('When the job ended')),
  undoneAt: nullable(Timestamp('When its moves were undone')),
};

const JOB_EXAMPLE = {
  jobId: 'job_123', status: 'running', progress: 65, processedCount: 65, totalCount: 100, organized: 64, failed: 1, currentFile: 'document.pdf', folder: 'Inbox',
  createdAt: '2025-03-20T09:12:00.000Z', completedAt: null, undoneAt: null,
};

export const Job = Type.Object(jobFields, { examples: [JOB_EXAMPLE] });

export const JobWithErrors = Type.Object({
  ...jobFields,
  errors: Type.Array(Type.Object({
    fileId: Type.String(),
    name: nullable(Type.String()),
    code: nullable(Type.String({ description: 'PERMISSION_ERROR, FILE_NOT_FOUND, …' })),
    error: nullable(Type.String()),
  }), { description: 'The first 100 failed files' }),
}, { examples: [{ ...JOB_EXAMPLE, errors: [{ fileId: 'file_789', name: 'contract.pdf', code: 'PERMISSION_ERROR', error: 'Permission denied: contract.pdf is locked' }] }] });

export const UndoneJob = Type.Object({
  ...jobFields,
  restored: Type.Integer({ minimum: 0, description: 'Files moved back to where they came from' }),
  kept: Type.Integer({ minimum: 0, description: 'Files left where they are: moved since, locked or deleted' }),
});

export const Folders = Type.Object({
  parent: Type.String({ description: 'The folder looked in ("" is the root)' }),
  fileCount: Type.Integer({ minimum: 0, description: 'Files directly in parent' }),
  folders: Type.Array(Type.Object({
    name: Type.String(),
    path: Type.String(),
    fileCount: Type.Integer({ minimum: 0, description: 'Files directly in it' }),
    totalCount: Type.Integer({ minimum: 0, description: 'Files in it and all its subfolders' }),
  }), { description: 'Sorted by name' }),
}, { examples: [{ parent: '', fileCount: 3, folders: [{ name: 'Invoices', path: 'Invoices', fileCount: 0, totalCount: 12 }] }] });

const JsonFile = Type.Object({
  name: Type.String({ minLength: 1, description: 'The file name (its last path segment is kept)' }),
  content_base64: Type.String({ description: 'The bytes, standard base64' }),
  content_type: Type.Optional(Type.String({ maxLength: 255, description: 'The type the uploader claims; kept, never trusted' })),
}, { additionalProperties: false });

/** One file inline, or several under `files`: one object, so an unknown property is named exactly. */
const JsonUpload = Type.Object({
  name: Type.Optional(JsonFile.properties.name),
  content_base64: Type.Optional(JsonFile.properties.content_base64),
  content_type: JsonFile.properties.content_type,
  files: Type.Optional(Type.Array(JsonFile, { description: 'Several files; then name, content_base64 and content_type are not given' })),
}, {
  additionalProperties: false,
  description: 'One file as {name, content_base64, content_type?}, or several as {files: [...]}',
  examples: [
    { name: 'receipt.txt', content_base64: 'VG90YWwgJDEyLjAw', content_type: 'text/plain' },
    { files: [{ name: 'a.txt', content_base64: 'aGVsbG8=' }, { name: 'b.txt', content_base64: 'd29ybGQ=' }] },
  ],
});

export const UploadBody = {
  content: {
    'application/json': { schema: JsonUpload },
    // The stream is read part by part by the route; this schema documents the form.
    'multipart/form-data': {
      schema: Type.Object({
        file: Type.Optional(Type.String({ contentMediaType: 'application/octet-stream', description: 'Every part with a filename is a file, whatever its field name; other fields are ignored' })),
      }),
    },
  },
};

export const RenameBody = Type.Object({
  name: Type.Optional(Type.String({ maxLength: 1024, description: '1-255 characters, no "/", "\\", control characters or bidirectional overrides (U+202A–U+202E, U+2066–U+2069), not "." or ".."' })),
  folder: Type.Optional(Type.String({ maxLength: 1024, description: 'The folder to move it to ("" or "/" is the root)' })),
}, { additionalProperties: false, examples: [{ name: 'Car title.pdf', folder: 'Car/Papers' }] });

export const JobBody = (maxFiles: number) => Type.Object({
  file_ids: Type.Optional(Type.Array(schemas.Id('File id'), { maxItems: maxFiles, description: 'The organization\'s own files' })),
  folder: Type.Optional(Type.String({ maxLength: 512, description: 'Organize the files in this folder' })),
  recursive: Type.Optional(Type.Boolean({ description: 'With folder: its subfolders too' })),
}, { additionalProperties: false, examples: [{ file_ids: ['file_456', 'file_789'] }, { folder: 'Inbox/2025', recursive: false }] });

export const LockBody = Type.Object({ locked: Type.Boolean() }, { additionalProperties: false, examples: [{ locked: true }] });

/**
 * A file's bytes answer with the type sniffed at upload: any format the sniffer knows, text, or
 * application/octet-stream.
 */
const FILE_TYPES = ['*/*'];

const downloadHeaders = {
  'Content-Disposition': Type.String({ description: 'attachment, with the file name as an ASCII fallback and as filename* (UTF-8)' }),
  'Accept-Ranges': Type.Literal('bytes'),
  ETag: Type.String(),
  'Last-Modified': Type.String(),
};

export const FileBytes = media("The file's bytes, with the type sniffed at upload (application/octet-stream when unknown)", FILE_TYPES, { type: 'string', contentMediaType: 'application/octet-stream' }, downloadHeaders);

export const FileRange = media('The requested byte range', FILE_TYPES, { type: 'string', contentMediaType: 'application/octet-stream' }, {
  ...downloadHeaders,
  'Content-Range': Type.String({ description: 'bytes start-end/size' }),
});
