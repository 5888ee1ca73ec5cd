// Organizer: take uploads (streamed to the blob store, sniffed on the way), list, download, rename,
// move and delete files, list folders, and start, show, cancel and undo organize jobs. Another
// organization's files and jobs are never found. Every change commits with its event.
import { Readable } from 'node:stream';
import type { BlobStore, BlobStat, ByteRange } from '../blobs/index.js';
import { isBlobError } from '../blobs/index.js';
import { orgTopic, type EventPublisher } from '../events/index.js';
import { answerLost, AppError, idempotencyInProgress } from '../http/errors.js';
import { isStorageUnavailable, type FileChange, type FileChangeResult, type OrganizerFile, type OrganizerJob, type Repos, type Storage } from '../storage/index.js';
import { newId } from '../util/ids.js';
import { fileKindOf, SNIFF_HEAD_BYTES, sniffBytes, sniffStream, utf16Text, type Sniffed } from '../util/sniff.js';
import { nowIso } from '../util/time.js';
import type { WorkflowEngine } from '../workflows/index.js';
import type { ShownProgress } from './access.js';
import { DEFAULT_CONTENT_LIMITS, tidyText } from './content.js';
import {
  fileDeletedEvent,
  fileUpdatedEvent,
  fileUploadedEvent,
  jobUndoneEvent,
  presentFile,
  presentJob,
  type FileView,
  type FolderView,
  type JobView,
} from './present.js';
import { UploadFingerprint, type UploadKey } from './upload-key.js';
import { ORGANIZER_WORKFLOW, type OrganizerWorkflowInput } from './workflow.js';

export interface OrganizerServiceOptions {
  readonly maxFileBytes: number;
  readonly maxUploadFiles: number;
  readonly maxJobFiles: number;
}

export interface JobInput {
  readonly file_ids?: readonly string[];
  readonly folder?: string;
  readonly recursive?: boolean;
}

const NAME_MAX = 255;
/** The longest extension (with its dot) a shortened name keeps: `.pdf`, `.tar.gz`'s `.gz`, `.docx`. */
const MAX_KEPT_EXTENSION = 16;
/** Failures listed by GET /api/v1/jobs/:id. */
const LISTED_FAILURES = 100;

// Control characters, and the bidirectional overrides, embeddings and isolates (U+202A–U+202E,
// U+2066–U+2069): with those a name like "invoice\u202Efdp.exe" shows as "invoiceexe.pdf".
const UNSAFE_IN_NAMES = /[\p{Cc}\u202A-\u202E\u2066-\u2069]/u;
const EVERY_UNSAFE = new RegExp(UNSAFE_IN_NAMES.source, 'gu');

/**
 * A client's file name: the last path segment, control and bidi-override characters removed, at most
 * 255 characters (code points: an emoji is one, never cut in half). A longer name keeps its extension.
 */
export function cleanFileName(raw: string): string {
  const base = raw.split(/[/\\]/).pop() ?? '';
  const name = [...base.replace(EVERY_UNSAFE, '').trim()];
  if (name.length <= NAME_MAX) return name.join('');
  const dot = name.lastIndexOf('.');
  const extension = dot > 0 && name.length - dot <= MAX_KEPT_EXTENSION ? name.slice(dot) : [];
  return [...name.slice(0, NAME_MAX - extension.length), ...extension].join('').trim();
}

/**
 * A new name for a file, as a person types it: refused rather than tidied (a rename that silently
 * drops part of what was typed is a surprise), under the same rules as an upload's name.
 */
export function checkNewName(raw: string): string {
  const name = raw;
  if (name.trim() === '' || [...name].length > NAME_MAX) throw new AppError('invalid_request', `name must be 1-${NAME_MAX} characters`);
  if (name !== name.trim()) throw new AppError('invalid_request', 'name may not start or end with spaces');
  if (/[/\\]/.test(name) || UNSAFE_IN_NAMES.test(name)) throw new AppError('invalid_request', 'name may not contain "/", "\\", control characters or bidirectional overrides (U+202A–U+202E, U+2066–U+2069)');
  if (isDotSegment(name)) throw new AppError('invalid_request', `"${name}" is not a valid file name`);
  return name;
}

/**
 * "." and ".." name no file or folder of their own: wherever these names are written out as paths (an
 * export, a sync client, a browser's download) they step into the folder itself or its parent. The
 * same holds for names that are only these padded with spaces, which several systems trim.
 */
function isDotSegment(name: string): boolean {
  const t = name.trim();
  return t === '.' || t === '..';
}

/**
 * "/Invoices/2025/" → "Invoices/2025"; "" and "/" are the root. Refuses empty, blank, "." and ".."
 * segments, segments that start or end with spaces, and what file names may not hold (control
 * characters, bidirectional overrides that make a folder read as something else).
 */
export function normalizeFolder(raw: string): string {
  const trimmed = raw.replace(/^\/+|\/+$/g, '');
  if (trimmed === '') return '';
  const segments = trimmed.split('/');
  if (trimmed.length > 512 || segments.some((s) => s.trim() !== s || s === '' || isDotSegment(s) || s.includes('\\') || UNSAFE_IN_NAMES.test(s))) {
    throw new AppError('invalid_request', 'folder is not a valid folder path: segments of 1 or more characters, without leading or trailing spaces, "\\", control characters or bidirectional overrides');
  }
  return segments.join('/');
}

/** The type an uploader claims for a file: kept as given, so it must be a plain header-sized value. */
function checkClaimedType(type: string | undefined): string | undefined {
  if (type === undefined) return undefined;
  if (type.length > 255 || /[\p{Cc}]/u.test(type)) throw new AppError('invalid_request', 'content_type must be at most 255 characters without control characters');
  return type;
}

/** One upload request: files are streamed to the blob store as they arrive and recorded together. */
export class UploadSession {
  private readonly rows: OrganizerFile[] = [];
  private readonly keys: string[] = [];
  private readonly fingerprint: UploadFingerprint | undefined;
  /** Set once the files' transaction has been sent: from then on its rows may exist, though unacknowledged. */
  private committing = false;

  constructor(
    private readonly service: OrganizerService,
    readonly orgId: string,
    private readonly idempotency?: UploadKey,
  ) {
    this.fingerprint = idempotency ? new UploadFingerprint() : undefined;
  }

  get count(): number {
    return this.rows.length;
  }

  async addFile(rawName: string, claimedType: string | undefined, source: AsyncIterable<Buffer> | Buffer): Promise<void> {
    const { maxFileBytes, maxUploadFiles } = this.service.options;
    const contentType = checkClaimedType(claimedType);
    if (this.rows.length >= maxUploadFiles) throw new AppError('invalid_request', `At most ${maxUploadFiles} files per upload`);
    const name = cleanFileName(rawName);
    if (!name) throw new AppError('invalid_request', 'Every file needs a name');
    if (isDotSegment(name)) throw new AppError('invalid_request', `"${name}" is not a valid file name`);
    const id = newId('file');
    const key = `organizer/${this.orgId}/${id}`;
    let size = 0;
    const head: Buffer[] = [];
    let headBytes = 0;
    const print = this.fingerprint?.file(rawName, contentType);
    async function* measured(): AsyncGenerator<Buffer> {
      for await (const chunk of Buffer.isBuffer(source) ? [source] : source) {
        size += chunk.length;
        if (size > maxFileBytes) throw new AppError('payload_too_large', `${name} is larger than ${maxFileBytes} bytes`);
        print?.update(chunk);
        if (headBytes < SNIFF_HEAD_BYTES) {
          head.push(chunk.subarray(0, SNIFF_HEAD_BYTES - headBytes));
          headBytes += Math.min(chunk.length, SNIFF_HEAD_BYTES - headBytes);
        }
        yield chunk;
      }
    }
    this.keys.push(key);
    await this.service.blobs.put(key, Readable.from(measured()), { contentType: contentType ?? 'application/octet-stream' });
    if (size === 0) throw new AppError('invalid_request', `${name} is empty`);
    print?.finish(size);
    const bytes = Buffer.concat(head);
    const utf16 = utf16Text(bytes);
    const sniffed = utf16 ? undefined : await this.sniff(bytes, size, key);
    const kind = utf16 ? 'text' : fileKindOf(sniffed, bytes);
    const at = nowIso();
    // A text file's content is its head, already in hand: kept now, so the job need not read it again.
    const text = kind === 'text' ? tidyText(utf16?.text ?? bytes.toString('utf8'), DEFAULT_CONTENT_LIMITS.textChars) : null;
    const mime = sniffed?.mime ?? (kind === 'text' ? `text/plain; charset=${utf16?.charset ?? 'utf-8'}` : null);
    this.rows.push({
      id, org_id: this.orgId, name, size_bytes: size, content_type: contentType ?? null, mime, kind,
      content_date: null, content_text: text, meta_date: null, camera: null, content_read_at: kind === 'text' ? at : null, document_type: null, blob_key: key,
      folder: '', locked: 0, created_at: at, updated_at: at,
    });
  }

  /** The head answers for most formats; a few keep what identifies them further in (a TIFF's directory at its end). */
  private async sniff(head: Buffer, size: number, key: string): Promise<Sniffed | undefined> {
    const found = await sniffBytes(head);
    if (found || size <= head.length) return found;
    const stream = await this.service.blobs.get(key);
    try {
      return await sniffStream(stream);
    } finally {
      stream.destroy();
    }
  }

  /**
   * Records the files and announces each with `file_uploaded`, in one transaction, with the upload's
   * Idempotency-Key if it has one. A key already taken answers with the first upload's files (replayed),
   * and this request's own copies are removed.
   */
  async commit(): Promise<{ files: FileView[]; replayed: boolean }> {
    if (this.rows.length === 0) throw new AppError('invalid_request', 'No file in the upload');
    const files = this.rows.map(presentFile);
    const claim = this.idempotency && this.fingerprint && { ...this.idempotency, requestHash: this.fingerprint.digest() };
    let taken = false;
    this.committing = true;
    await this.service.storage.transaction(async (tx) => {
      if (claim) {
        taken = !(await tx.idempotency.save({ scope: claim.scope, key: claim.key, request_hash: claim.requestHash, status_code: 201, response: JSON.stringify({ files }), created_at: nowIso() }));
        if (taken) return;
      }
      await tx.organizer.createFiles(this.rows);
      for (const f of this.rows) {
        await this.service.publisher.append(tx, { topic: orgTopic(f.org_id), orgId: f.org_id, type: 'organizer.file_uploaded', scope: {}, data: fileUploadedEvent(f) });
      }
    });
    if (!claim || !taken) return { files, replayed: false };
    const seen = await this.service.storage.idempotency.find(claim.scope, claim.key);
    if (!seen) throw idempotencyInProgress();
    if (seen.request_hash !== claim.requestHash) throw new AppError('idempotency_conflict');
    if (seen.response === undefined) throw answerLost();
    await this.abort();
    return { files: (JSON.parse(seen.response) as { files: FileView[] }).files, replayed: true };
  }

  /**
   * Removes what was stored for a request that failed part way. Not when the database went away during
   * the commit: it may have gone through unacknowledged, so the files may be its rows' (the
   * orphaned-blob sweep removes them if not). A client that left mid-body (a reset connection, like a
   * lost database) has no rows: its files go.
   */
  async abort(cause?: unknown): Promise<void> {
    if (this.committing && isStorageUnavailable(cause)) return;
    await Promise.all(this.keys.map((k) => this.service.blobs.delete(k).catch(() => undefined)));
  }
}

/** The error for a change a file refused: another organization's file, or a gone one, is never found. */
/** Times a hand change reads the file again after another change came first. */
const MAX_CHANGE_ATTEMPTS = 5;

function refusal(result: Extract<FileChangeResult, { refused: unknown }>): AppError {
  return result.refused === 'locked' ? new AppError('conflict', 'The file is locked: it cannot be renamed, moved or deleted') : new AppError('not_found', 'File not found');
}

export class OrganizerService {
  constructor(
    readonly storage: Storage,
    readonly blobs: BlobStore,
    private readonly workflows: WorkflowEngine,
    readonly publisher: EventPublisher,
    readonly options: OrganizerServiceOptions,
  ) {}

  /** An upload into `orgId`; with `idempotency`, applied at most once per key. */
  startUpload(orgId: string, idempotency?: UploadKey): UploadSession {
    return new UploadSession(this, orgId, idempotency);
  }

  async listFiles(orgId: string, query: { folder?: string; recursive?: boolean; limit: number; offset: number }) {
    const folder = query.folder === undefined ? undefined : normalizeFolder(query.folder);
    const rows = await this.storage.organizer.listFiles(orgId, { folder, recursive: query.recursive, limit: query.limit, offset: query.offset });
    return { files: rows.map(presentFile), limit: query.limit, offset: query.offset };
  }

  async getFile(orgId: string, fileId: string): Promise<FileView> {
    const f = await this.storage.organizer.getFile(orgId, fileId);
    if (!f) throw new AppError('not_found', 'File not found');
    return presentFile(f);
  }

  /** An admin's lock: a locked file stays where it is and jobs report it with PERMISSION_ERROR. */
  async setLocked(orgId: string, fileId: string, locked: boolean): Promise<FileView> {
    if (!(await this.storage.transaction((tx) => tx.organizer.setLocked(orgId, fileId, locked, nowIso())))) throw new AppError('not_found', 'File not found');
    return this.getFile(orgId, fileId);
  }

  /** A file's bytes (or a range of them) with what a download needs to describe them. */
  async content(orgId: string, fileId: string): Promise<{ file: OrganizerFile; stat: BlobStat; mime: string; open: (range?: ByteRange) => Promise<Readable> }> {
    const file = await this.storage.organizer.getFile(orgId, fileId);
    const stat = file && (await this.blobs.stat(file.blob_key));
    if (!file || !stat) throw new AppError('not_found', 'File not found');
    const open = async (range?: ByteRange) => {
      try {
        return await this.blobs.get(file.blob_key, range);
      } catch (e) {
        // Deleted between the stat and the read.
        if (isBlobError(e, 'NoSuchKey')) throw new AppError('not_found', 'File not found');
        throw e;
      }
    };
    return { file, stat, mime: file.mime ?? 'application/octet-stream', open };
  }

  /** Renames and/or moves a file by hand; a locked file is 409. Announced with `file_updated`. */
  async updateFile(orgId: string, fileId: string, input: { name?: string; folder?: string }): Promise<FileView> {
    if (input.name === undefined && input.folder === undefined) throw new AppError('invalid_request', 'Send name, folder or both');
    const change: FileChange = {
      ...(input.name === undefined ? {} : { name: checkNewName(input.name) }),
      ...(input.folder === undefined ? {} : { folder: normalizeFolder(input.folder) }),
    };
    const updated = await this.storage.transaction(async (tx) => {
      // The change applies to the file as it was read, so the event's previous name and folder are
      // what it replaced: a change committed meanwhile (another request's, on another connection)
      // makes it read the file again.
      for (let attempt = 0; ; attempt++) {
        const before = await tx.organizer.getFile(orgId, fileId);
        if (!before) throw refusal({ refused: 'missing' });
        const result = await tx.organizer.changeFile(orgId, fileId, before, change, nowIso());
        if ('refused' in result) {
          if (result.refused === 'changed' && attempt < MAX_CHANGE_ATTEMPTS) continue;
          if (result.refused === 'changed') throw new AppError('conflict', 'The file is being changed by other requests at the same time; retry shortly', { 'Retry-After': '1' });
          throw refusal(result);
        }
        if (before.name !== result.file.name || before.folder !== result.file.folder) {
          await this.appendFileEvent(tx, orgId, 'file_updated', fileUpdatedEvent(before, result.file));
        }
        return result.file;
      }
    });
    return presentFile(updated);
  }

  /** Deletes a file, its row and then its bytes; a locked file is 409. Announced with `file_deleted`. */
  async deleteFile(orgId: string, fileId: string): Promise<void> {
    const deleted = await this.storage.transaction(async (tx) => {
      const result = await tx.organizer.deleteFile(orgId, fileId);
      if ('refused' in result) throw refusal(result);
      await this.appendFileEvent(tx, orgId, 'file_deleted', fileDeletedEvent(result.file));
      return result.file;
    });
    // After the commit: a failure here leaves an orphan blob, which the cleanup's sweep removes.
    await this.blobs.delete(deleted.blob_key).catch(() => undefined);
  }

  /** The folders directly under `parent` ('' is the root), with their file counts. */
  async listFolders(orgId: string, rawParent: string | undefined): Promise<{ parent: string; fileCount: number; folders: FolderView[] }> {
    const parent = normalizeFolder(rawParent ?? '');
    const counts = await this.storage.organizer.folderCounts(orgId, parent);
    const prefix = parent === '' ? '' : `${parent}/`;
    const children = new Map<string, { fileCount: number; totalCount: number }>();
    let here = 0;
    for (const { folder, files } of counts) {
      if (folder === parent) {
        here += files;
        continue;
      }
      const [name = ''] = folder.slice(prefix.length).split('/');
      const child = children.get(name) ?? { fileCount: 0, totalCount: 0 };
      child.totalCount += files;
      if (folder === prefix + name) child.fileCount += files;
      children.set(name, child);
    }
    const folders = [...children.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([name, c]): FolderView => ({ name, path: prefix + name, fileCount: c.fileCount, totalCount: c.totalCount }));
    return { parent, fileCount: here, folders };
  }

  /**
   * Moves every file the job filed back where it was, except those moved (or locked) since: those stay.
   * Only an ended job can be undone, once. Announced with `job_undone`.
   */
  async undoJob(orgId: string, jobId: string): Promise<JobView & { restored: number; kept: number }> {
    const { job, counts } = await this.storage.transaction(async (tx) => {
      const job = await tx.organizer.getJob(orgId, jobId);
      if (!job) throw new AppError('not_found', 'Job not found');
      if (job.status === 'queued' || job.status === 'running') throw new AppError('conflict', `The job is ${job.status}: cancel it, or wait for it to end, before undoing it`);
      if (job.undone_at !== null) throw new AppError('conflict', 'The job has already been undone');
      const counts = await tx.organizer.undoJob(job.id, nowIso());
      if (!counts) throw new AppError('conflict', 'The job has already been undone');
      await this.publisher.append(tx, { topic: orgTopic(orgId), orgId, type: 'organizer.job_undone', scope: { job_id: job.id }, data: jobUndoneEvent(job.id, counts) });
      return { job, counts };
    });
    return { ...presentJob((await this.storage.organizer.getJob(orgId, job.id)) ?? job), ...counts };
  }

  private appendFileEvent(tx: Repos, orgId: string, type: 'file_updated' | 'file_deleted', data: Record<string, unknown>) {
    return this.publisher.append(tx, { topic: orgTopic(orgId), orgId, type: `organizer.${type}`, scope: {}, data });
  }

  async createJob(orgId: string, input: JobInput): Promise<JobView> {
    if ((input.file_ids === undefined) === (input.folder === undefined)) throw new AppError('invalid_request', 'Send exactly one of file_ids or folder');
    const at = nowIso();
    const job: OrganizerJob = {
      id: newId('job'), org_id: orgId, workflow_id: newId('wf'), status: 'queued', source_folder: null, total_count: 0, processed_count: 0, organized: 0, failed: 0,
      current_file: null, created_at: at, updated_at: at, completed_at: null, undone_at: null,
    };
    const { maxJobFiles } = this.options;
    const enqueue = (tx: Parameters<Parameters<Storage['transaction']>[0]>[0]) =>
      this.workflows.enqueue(tx, { kind: ORGANIZER_WORKFLOW, orgId, resourceId: job.id, input: { job_id: job.id } satisfies OrganizerWorkflowInput, id: job.workflow_id });
    let created: OrganizerJob;
    if (input.file_ids !== undefined) {
      const ids = [...new Set(input.file_ids)];
      if (ids.length === 0) throw new AppError('invalid_request', 'A job needs at least one file');
      if (ids.length > maxJobFiles) throw new AppError('invalid_request', `At most ${maxJobFiles} files per job`);
      const found = new Set((await this.storage.organizer.filesByIds(orgId, ids)).map((f) => f.id));
      const missing = ids.find((id) => !found.has(id));
      if (missing !== undefined) throw new AppError('not_found', `File ${missing} not found`);
      created = { ...job, total_count: ids.length };
      await this.storage.transaction(async (tx) => {
        await tx.organizer.createJob(created, ids);
        await enqueue(tx);
      });
    } else {
      const folder = normalizeFolder(input.folder ?? '');
      created = { ...job, source_folder: folder };
      const count = await this.storage.transaction(async (tx) => {
        const n = await tx.organizer.createFolderJob(created, folder, input.recursive ?? false, maxJobFiles);
        if (n > 0) await enqueue(tx);
        return n;
      });
      if (count === 0) throw new AppError('invalid_request', `The folder "${folder}" has no files`);
      created = { ...created, total_count: count };
    }
    this.workflows.wake();
    return presentJob(created);
  }

  async getJob(orgId: string, jobId: string): Promise<JobView & { errors: { fileId: string; name: string | null; code: string | null; error: string | null }[] }> {
    const job = await this.job(orgId, jobId);
    const failures = job.failed > 0 ? await this.storage.organizer.failures(job.id, LISTED_FAILURES) : [];
    return { ...presentJob(job), errors: failures.map((f) => ({ fileId: f.file_id, name: f.name, code: f.error_code, error: f.error })) };
  }

  async cancelJob(orgId: string, jobId: string): Promise<JobView> {
    const job = await this.job(orgId, jobId);
    const ended = () => new AppError('conflict', `The job has already ended (${job.status === 'queued' || job.status === 'running' ? 'just now' : job.status})`);
    if (job.status !== 'queued' && job.status !== 'running') throw ended();
    if (!(await this.workflows.cancel(job.workflow_id))) throw ended();
    return presentJob(await this.job(orgId, jobId));
  }

  /** Current progress of the organization's running jobs: what a new connection is told first. */
  async activeProgress(orgId: string): Promise<(ShownProgress & Record<string, unknown>)[]> {
    const jobs = await this.storage.organizer.activeJobs(orgId, 100);
    return jobs.map((j) => {
      const v = presentJob(j);
      return { type: 'job_progress', jobId: v.jobId, progress: v.progress, processedCount: v.processedCount, totalCount: v.totalCount, currentFile: v.currentFile };
    });
  }

  private async job(orgId: string, jobId: string): Promise<OrganizerJob> {
    const job = await this.storage.organizer.getJob(orgId, jobId);
    if (!job) throw new AppError('not_found', 'Job not found');
    return job;
  }
}
