// The organize job as a durable workflow with one stage that works through the job's files in
// batches. Each batch's results (file state, new folder, job counts) commit in one transaction, so
// after a crash the stage resumes with the files still pending and no file is filed twice. A batch's
// error and progress events commit with it. Progress events are coalesced to one per interval per
// job; the last one, 100 %, commits with the job's completion, right before job_complete.
import type { EventPublisher } from '../events/index.js';
import { orgTopic } from '../events/index.js';
import type { Logger } from '../http/index.js';
import type { JobCounts, JobFileResult, OrganizerJob, PendingJobFile, Repos, Storage } from '../storage/index.js';
import { nowIso } from '../util/time.js';
import { PermanentStageError, type Stage, type WorkflowDefinition } from '../workflows/index.js';
import { progressOf } from './present.js';
import { planFolder, type CompiledRules } from './rules.js';

export const ORGANIZER_WORKFLOW = 'organizer_job';

/** Per-file error codes carried by `error` events and GET /api/v1/jobs/:id. */
export const FILE_ERROR_CODES = { permission: 'PERMISSION_ERROR', missing: 'FILE_NOT_FOUND' } as const;

export interface OrganizerWorkflowInput {
  readonly job_id: string;
}

export interface OrganizerWorkflowDeps {
  readonly storage: Storage;
  readonly publisher: EventPublisher;
  readonly rules: CompiledRules;
  readonly batchSize: number;
  readonly progressIntervalMs: number;
  /** `error` events per job; later failures are only listed by GET /api/v1/jobs/:id. */
  readonly maxErrorEvents: number;
  readonly logger: Logger;
}

class JobStopped extends Error {}

function organizeOne(p: PendingJobFile, job: OrganizerJob, rules: CompiledRules): JobFileResult & { name: string } {
  const f = p.file;
  if (!f) return { fileId: p.fileId, name: p.fileId, state: 'failed', folder: null, errorCode: FILE_ERROR_CODES.missing, error: `File ${p.fileId} no longer exists` };
  if (f.org_id !== job.org_id || Number(f.locked) === 1) {
    return { fileId: f.id, name: f.name, state: 'failed', folder: null, errorCode: FILE_ERROR_CODES.permission, error: `Permission denied: ${f.name} is locked` };
  }
  const folder = planFolder({ name: f.name, kind: f.kind, contentDate: f.content_date, uploadedAt: f.created_at }, rules);
  return { fileId: f.id, name: f.name, state: 'organized', folder, errorCode: null, error: null };
}

export function organizerWorkflow(deps: OrganizerWorkflowDeps): WorkflowDefinition {
  const { storage, publisher } = deps;
  const append = (tx: Repos, job: OrganizerJob, type: string, data: Record<string, unknown>) =>
    publisher.append(tx, { topic: orgTopic(job.org_id), orgId: job.org_id, type: `organizer.${type}`, scope: { job_id: job.id }, data });
  const progress = (tx: Repos, job: OrganizerJob, c: JobCounts) =>
    append(tx, job, 'job_progress', { jobId: job.id, progress: progressOf(c.processed, job.total_count), processedCount: c.processed, totalCount: job.total_count, currentFile: c.currentFile });

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
        const batch = await storage.organizer.pending(job.id, deps.batchSize);
        if (batch.length === 0) break;
        const results = batch.map((p) => organizeOne(p, job, deps.rules));
        try {
          const { sent, due } = await storage.transaction(async (tx) => {
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
          if (t.kind === 'completed') await progress(tx, job, { processed: job.processed_count, organized: job.organized, failed: job.failed, currentFile: job.current_file });
          await append(tx, job, 'job_complete', { jobId: job.id, status, organized: job.organized, failed: job.failed });
        }
      },
    },
  };
}
