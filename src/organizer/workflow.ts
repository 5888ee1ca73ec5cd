// The organize job as a durable workflow with one stage that works through the job's files in
// batches. A file's content (a PDF's first pages, an image's EXIF and OCR) is read here, once per file,
// and kept on it; classification then uses it with the name and the type. Each batch's results (what
// was read, file state, new folder and the folder it came from, job counts) commit in one transaction,
// so after a crash the stage resumes with the files still pending and no file is filed twice. A batch's
// error and progress events commit with it. Progress events are coalesced to one per interval per
// job; the last one, 100 %, commits with the job's completion, right before job_complete.
import type { BlobStore } from '../blobs/index.js';
import type { EventPublisher } from '../events/index.js';
import { orgTopic } from '../events/index.js';
import type { Logger } from '../http/index.js';
import type { JobCounts, JobFileResult, OrganizerFile, OrganizerJob, PendingJobFile, Repos, Storage } from '../storage/index.js';
import { nowIso } from '../util/time.js';
import { PermanentStageError, type Stage, type WorkflowDefinition } from '../workflows/index.js';
import { DEFAULT_CONTENT_LIMITS, needsContentRead, readContent, type ContentExtractor, type ContentLimits, type FileContent } from './content.js';
import { progressOf } from './present.js';
import { classify, type CompiledRules } from './rules.js';

export const ORGANIZER_WORKFLOW = 'organizer_job';

/** Per-file error codes carried by `error` events and GET /api/v1/jobs/:id. */
export const FILE_ERROR_CODES = { permission: 'PERMISSION_ERROR', missing: 'FILE_NOT_FOUND' } as const;

export interface OrganizerWorkflowInput {
  readonly job_id: string;
}

export interface OrganizerWorkflowDeps {
  readonly storage: Storage;
  readonly blobs: BlobStore;
  readonly publisher: EventPublisher;
  readonly extractor: ContentExtractor;
  readonly rules: CompiledRules;
  readonly batchSize: number;
  readonly progressIntervalMs: number;
  /** `error` events per job; later failures are only listed by GET /api/v1/jobs/:id. */
  readonly maxErrorEvents: number;
  readonly logger: Logger;
  readonly contentLimits?: ContentLimits;
}

/**
 * A batch starts no new content read after this long: with OCR a file can take seconds, and a batch's
 * results and its progress event should not wait for two hundred of them; text layers read in
 * milliseconds still fill a whole batch.
 */
const READ_BUDGET_MS = 1_000;
/** Files read at once: the extractor's pool spreads them over its workers. */
const READ_CONCURRENCY = 4;

class JobStopped extends Error {}

type Outcome = JobFileResult & { readonly name: string };

const missing = (fileId: string, name: string): Outcome => ({
  fileId, name, state: 'failed', folder: null, previousFolder: null, errorCode: FILE_ERROR_CODES.missing, error: `File ${name} no longer exists`,
});
const locked = (f: Pick<OrganizerFile, 'id' | 'name'>): Outcome => ({
  fileId: f.id, name: f.name, state: 'failed', folder: null, previousFolder: null, errorCode: FILE_ERROR_CODES.permission, error: `Permission denied: ${f.name} is locked`,
});

type Read = FileContent | 'missing' | undefined;

const needsRead = (p: PendingJobFile): boolean => p.file !== undefined && Number(p.file.locked) === 0 && needsContentRead(p.file);

/**
 * Reads the batch's files in order, `READ_CONCURRENCY` at a time, until the budget is spent: the
 * batch is then cut before the first file that still needed reading. The first file is always read.
 */
async function readBatch(batch: readonly PendingJobFile[], read: (p: PendingJobFile) => Promise<Read>): Promise<{ files: PendingJobFile[]; reads: Read[] }> {
  const deadline = Date.now() + READ_BUDGET_MS;
  const reads: Read[] = new Array<Read>(batch.length);
  let next = 0;
  let end = batch.length;
  const lane = async () => {
    while (next < end) {
      const i = next++;
      const p = batch[i]!;
      if (!needsRead(p)) continue;
      // Indices are taken in order and this check does not wait: every file before `i` is (being) read.
      if (i > 0 && Date.now() > deadline) {
        end = Math.min(end, i);
        return;
      }
      reads[i] = await read(p);
    }
  };
  await Promise.all(Array.from({ length: READ_CONCURRENCY }, lane));
  return { files: batch.slice(0, end), reads: reads.slice(0, end) };
}

function organizeOne(p: PendingJobFile, job: OrganizerJob, rules: CompiledRules, read: Read): Outcome {
  const f = p.file;
  if (!f || read === 'missing') return missing(p.fileId, f?.name ?? p.fileId);
  if (f.org_id !== job.org_id || Number(f.locked) === 1) return locked(f);
  const content = read ?? { text: f.content_text, metaDate: f.meta_date, camera: f.camera === null ? null : Number(f.camera) === 1 };
  const placed = classify({ name: f.name, kind: f.kind, text: content.text ?? '', camera: content.camera ?? false, metaDate: content.metaDate, uploadedAt: f.created_at }, rules);
  return {
    fileId: f.id, name: f.name, state: 'organized', folder: placed.folder, previousFolder: f.folder, errorCode: null, error: null,
    ...(read ? { content: read } : {}), documentType: placed.documentType, contentDate: placed.contentDate,
  };
}

/**
 * The batch's outcomes against the files as they are now, inside the batch's transaction: a file
 * deleted, locked or moved while its content was being read is reported (or moved from) as it is now.
 */
async function settle(tx: Repos, job: OrganizerJob, outcomes: readonly Outcome[]): Promise<Outcome[]> {
  const ids = outcomes.filter((o) => o.state === 'organized').map((o) => o.fileId);
  const now = new Map((await tx.organizer.filesByIds(job.org_id, ids)).map((f) => [f.id, f]));
  return outcomes.map((o) => {
    if (o.state !== 'organized') return o;
    const f = now.get(o.fileId);
    if (!f) return missing(o.fileId, o.name);
    if (Number(f.locked) === 1) return locked(f);
    return { ...o, previousFolder: f.folder };
  });
}

export function organizerWorkflow(deps: OrganizerWorkflowDeps): WorkflowDefinition {
  const { storage, publisher } = deps;
  const limits = deps.contentLimits ?? DEFAULT_CONTENT_LIMITS;
  const append = (tx: Repos, job: OrganizerJob, type: string, data: Record<string, unknown>) =>
    publisher.append(tx, { topic: orgTopic(job.org_id), orgId: job.org_id, type: `organizer.${type}`, scope: { job_id: job.id }, data });
  const progress = (tx: Repos, job: OrganizerJob, c: JobCounts) =>
    append(tx, job, 'job_progress', { jobId: job.id, progress: progressOf(c.processed, job.total_count), processedCount: c.processed, totalCount: job.total_count, currentFile: c.currentFile });

  /** A file whose content cannot be read is classified without it; only a stop of the stage ends the batch. */
  const read = async (p: PendingJobFile, signal: AbortSignal): Promise<Read> => {
    const f = p.file;
    if (!f) return undefined;
    try {
      return await readContent(f, { blobs: deps.blobs, extractor: deps.extractor, limits }, signal);
    } catch (e) {
      if (signal.aborted) throw e;
      deps.logger.warn({ err: e, fileId: f.id }, 'organizer: reading a file\'s content failed; it is classified by name and type');
      return { text: null, metaDate: null, camera: null };
    }
  };

  const organize: Stage = {
    name: 'organize',
    async run(ctx) {
      const job = await storage.organizer.getJobById((ctx.input as OrganizerWorkflowInput).job_id);
      if (!job) throw new PermanentStageError('job_missing');
      let errorsSent = job.failed;
      let lastProgressAt = 0;
      for (;;) {
        // The embedded SQLite driver answers synchronously: yield so HTTP and sockets are served between batches.
        await new Promise((resolve) => setImmediate(resolve));
        if (ctx.signal.aborted) return undefined;
        const pending = await storage.organizer.pending(job.id, deps.batchSize);
        if (pending.length === 0) break;
        let batch: { files: PendingJobFile[]; reads: Read[] };
        try {
          batch = await readBatch(pending, (p) => read(p, ctx.signal));
        } catch (e) {
          if (ctx.signal.aborted) return undefined;
          throw e;
        }
        const outcomes = batch.files.map((p, i) => organizeOne(p, job, deps.rules, batch.reads[i]));
        try {
          const { sent, due } = await storage.transaction(async (tx) => {
            const results = await settle(tx, job, outcomes);
            const c = await tx.organizer.recordBatch(job.id, results, results.at(-1)?.name ?? null, nowIso());
            if (!c) throw new JobStopped();
            let sent = errorsSent;
            for (const r of results) {
              if (r.state !== 'failed' || sent >= deps.maxErrorEvents) continue;
              sent++;
              await append(tx, job, 'error', { jobId: job.id, error: r.error, code: r.errorCode });
            }
            const due = Date.now() - lastProgressAt >= deps.progressIntervalMs && c.processed < job.total_count;
            if (due) await progress(tx, job, c);
            return { sent, due };
          });
          errorsSent = sent;
          if (due) lastProgressAt = Date.now();
        } catch (e) {
          // Cancelled: nothing of this batch was written; the engine discards the stage.
          if (e instanceof JobStopped) return undefined;
          throw e;
        }
      }
      return {};
    },
  };

  const jobOf = async (tx: Pick<Storage, 'organizer'>, runInput: string) => tx.organizer.getJobById((JSON.parse(runInput) as OrganizerWorkflowInput).job_id);

  return {
    kind: ORGANIZER_WORKFLOW,
    stages: [organize],
    retryRefusal: 'A failed organize job cannot be retried: job_complete was sent and organizer clients take it as the job\'s end; start a new job',
    hooks: {
      async onTransitions(tx, run, transitions) {
        for (const t of transitions) {
          const job = await jobOf(tx, run.input);
          if (!job) return;
          const at = nowIso();
          if (t.kind === 'stage_started' && job.status === 'queued') await tx.organizer.updateJob(job.id, { status: 'running', updated_at: at });
          if (t.kind !== 'completed' && t.kind !== 'failed' && t.kind !== 'cancelled') continue;
          const status = t.kind === 'completed' ? 'completed' : t.kind;
          await tx.organizer.updateJob(job.id, { status, updated_at: at, completed_at: at });
          // The last word on where the job got: 100 when it completed, where it stopped otherwise.
          await progress(tx, job, { processed: job.processed_count, organized: job.organized, failed: job.failed, currentFile: job.current_file });
          await append(tx, job, 'job_complete', { jobId: job.id, status, organized: job.organized, failed: job.failed });
        }
      },
    },
  };
}
