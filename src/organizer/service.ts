// Organizer: take uploads (streamed to the blob store, sniffed on the way), list files, and start,
// show and cancel organize jobs. Another organization's files and jobs are never found.
import { Readable } from 'node:stream';
import type { BlobStore } from '../blobs/index.js';
import { orgTopic, type EventPublisher } from '../events/index.js';
import { AppError } from '../http/errors.js';
import type { OrganizerFile, OrganizerJob, Storage } from '../storage/index.js';
import { newId } from '../util/ids.js';
import { nowIso } from '../util/time.js';
import type { WorkflowEngine } from '../workflows/index.js';
import { presentFile, presentJob, type FileView, type JobView } from './present.js';
import { contentDate, HEAD_BYTES, sniffKind } from './sniff.js';
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
/** Failures listed by GET /api/v1/jobs/:id. */
const LISTED_FAILURES = 100;

/** A client's file name: the last path segment, control characters removed, at most 255 characters. */
export function cleanFileName(raw: string): string {
  const base = raw.split(/[/\\]/).pop() ?? '';
  return base.replace(/\p{Cc}/gu, '').trim().slice(0, NAME_MAX);
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

/** "/Invoices/2025/" → "Invoices/2025"; "" and "/" are the root. Refuses empty, blank, "." and ".." segments. */
export function normalizeFolder(raw: string): string {
  const trimmed = raw.replace(/^\/+|\/+$/g, '');
  if (trimmed === '') return '';
  const segments = trimmed.split('/');
  if (trimmed.length > 512 || segments.some((s) => s.trim() === '' || isDotSegment(s) || /[\p{Cc}\\]/u.test(s))) {
    throw new AppError('invalid_request', 'folder is not a valid folder path');
  }
  return segments.join('/');
}

/** One upload request: files are streamed to the blob store as they arrive and recorded together. */
export class UploadSession {
  private readonly rows: OrganizerFile[] = [];
  private readonly keys: string[] = [];

  constructor(
    private readonly service: OrganizerService,
    readonly orgId: string,
  ) {}

  get count(): number {
    return this.rows.length;
  }

  async addFile(rawName: string, contentType: string | undefined, source: AsyncIterable<Buffer> | Buffer): Promise<void> {
    const { maxFileBytes, maxUploadFiles } = this.service.options;
    if (this.rows.length >= maxUploadFiles) throw new AppError('invalid_request', `At most ${maxUploadFiles} files per upload`);
    const name = cleanFileName(rawName);
    if (!name) throw new AppError('invalid_request', 'Every file needs a name');
    if (isDotSegment(name)) throw new AppError('invalid_request', `"${name}" is not a valid file name`);
    const id = newId('file');
    const key = `organizer/${this.orgId}/${id}`;
    let size = 0;
    const head: Buffer[] = [];
    let headBytes = 0;
    async function* measured(): AsyncGenerator<Buffer> {
      for await (const chunk of Buffer.isBuffer(source) ? [source] : source) {
        size += chunk.length;
        if (size > maxFileBytes) throw new AppError('payload_too_large', `${name} is larger than ${maxFileBytes} bytes`);
        if (headBytes < HEAD_BYTES) {
          head.push(chunk.subarray(0, HEAD_BYTES - headBytes));
          headBytes += Math.min(chunk.length, HEAD_BYTES - headBytes);
        }
        yield chunk;
      }
    }
    this.keys.push(key);
    await this.service.blobs.put(key, Readable.from(measured()), { contentType: contentType ?? 'application/octet-stream' });
    if (size === 0) throw new AppError('invalid_request', `${name} is empty`);
    const bytes = Buffer.concat(head);
    const kind = sniffKind(bytes, name);
    const at = nowIso();
    this.rows.push({
      id, org_id: this.orgId, name, size_bytes: size, content_type: contentType ?? null, kind, content_date: contentDate(bytes, kind), blob_key: key,
      folder: '', locked: 0, created_at: at, updated_at: at,
    });
  }

  /** Records the files and announces each with `file_uploaded`, in one transaction. */
  async commit(): Promise<FileView[]> {
    if (this.rows.length === 0) throw new AppError('invalid_request', 'No file in the upload');
    await this.service.storage.transaction(async (tx) => {
      await tx.organizer.createFiles(this.rows);
      for (const f of this.rows) {
        await this.service.publisher.append(tx, { topic: orgTopic(f.org_id), orgId: f.org_id, type: 'organizer.file_uploaded', scope: {}, data: { fileId: f.id, name: f.name, size: Number(f.size_bytes) } });
      }
    });
    return this.rows.map(presentFile);
  }

  /** Removes what was stored for a request that failed part way. */
  async abort(): Promise<void> {
    await Promise.all(this.keys.map((k) => this.service.blobs.delete(k).catch(() => undefined)));
  }
}

export class OrganizerService {
  constructor(
    readonly storage: Storage,
    readonly blobs: BlobStore,
    private readonly workflows: WorkflowEngine,
    readonly publisher: EventPublisher,
    readonly options: OrganizerServiceOptions,
  ) {}

  startUpload(orgId: string): UploadSession {
    return new UploadSession(this, orgId);
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
    if (!(await this.storage.organizer.setLocked(orgId, fileId, locked, nowIso()))) throw new AppError('not_found', 'File not found');
    return this.getFile(orgId, fileId);
  }

  async createJob(orgId: string, input: JobInput): Promise<JobView> {
    if ((input.file_ids === undefined) === (input.folder === undefined)) throw new AppError('invalid_request', 'Send exactly one of file_ids or folder');
    const at = nowIso();
    const job: OrganizerJob = {
      id: newId('job'), org_id: orgId, workflow_id: newId('wf'), status: 'queued', source_folder: null, total_count: 0, processed_count: 0, organized: 0, failed: 0,
      current_file: null, created_at: at, updated_at: at, completed_at: null,
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
  async activeProgress(orgId: string): Promise<Record<string, unknown>[]> {
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
