// The organize job as a durable workflow with one stage that works through the job's files in
// batches. Each batch's results (file state, new folder, job counts) commit in one transaction, so
// after a crash the stage resumes with the files still pending and no file is filed twice. Progress
// events are coalesced to one per interval per job; the last one is always 100 %.
import type { EventPublisher } from '../events/index.js';
import { orgTopic } from '../events/index.js';
import type { Logger } from '../http/index.js';
import type { JobCounts, JobFileResult, OrganizerJob, PendingJobFile, Storage } from '../storage/index.js';
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
  const publish = (job: OrganizerJob, type: string, data: Record<string, unknown>) =>
    publisher.publish({ topic: orgTopic(job.org_id), orgId: job.org_id, type: `organizer.${type}`, scope: { job_id: job.id }, data });
  const progress = (job: OrganizerJob, c: JobCounts) =>
    publish(job, 'job_progress', { jobId: job.id, progress: progressOf(c.processed, job.total_count), processedCount: c.processed, totalCount: job.total_count, currentFile: c.currentFile });

  const organize: Stage = {
    name: 'organize',
    async run(ctx) {
      const job = await storage.organizer.getJobById((ctx.input as OrganizerWorkflowInput).job_id);
      if (!job) throw new PermanentStageError('job_missing');
      let counts: JobCounts = { processed: job.processed_count, organized: job.organized, failed: job.failed, currentFile: job.current_file };
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
          counts = await storage.transaction(async (tx) => {
            const c = await tx.organizer.recordBatch(job.id, results, results.at(-1)?.name ?? null, nowIso());
            if (!c) throw new JobStopped();
            return c;
          });
        } catch (e) {
          // Cancelled: nothing of this batch was written; the engine discards the stage.
          if (e instanceof JobStopped) return undefined;
          throw e;
        }
        for (const r of results) {
          if (r.state !== 'failed' || errorsSent >= deps.maxErrorEvents) continue;
          errorsSent++;
          await publish(job, 'error', { jobId: job.id, error: r.error, code: r.errorCode });
        }
        if (Date.now() - lastProgressAt >= deps.progressIntervalMs && counts.processed < job.total_count) {
          lastProgressAt = Date.now();
          await progress(job, counts);
        }
      }
      // Also re-sent after a restart that found nothing left: the final 100 % is never lost.
      await progress(job, counts);
      return { organized: counts.organized, failed: counts.failed };
    },
  };

  const jobOf = async (tx: Pick<Storage, 'organizer'>, runInput: string) => tx.organizer.getJobById((JSON.parse(runInput) as OrganizerWorkflowInput).job_id);

  return {
    kind: ORGANIZER_WORKFLOW,
    stages: [organize],
    hooks: {
      async onTransition(tx, run, t) {
        const job = await jobOf(tx, run.input);
        if (!job) return;
        const at = nowIso();
        if (t.kind === 'stage_started' && job.status === 'queued') await tx.organizer.updateJob(job.id, { status: 'running', updated_at: at });
        if (t.kind === 'completed') await tx.organizer.updateJob(job.id, { status: 'completed', updated_at: at, completed_at: at });
        if (t.kind === 'failed' || t.kind === 'cancelled') await tx.organizer.updateJob(job.id, { status: t.kind, updated_at: at, completed_at: at });
      },
      async afterTransition(run, t) {
        if (t.kind !== 'completed' && t.kind !== 'failed' && t.kind !== 'cancelled') return;
        const job = await jobOf(storage, run.input);
        if (!job) return;
        await publish(job, 'job_complete', { jobId: job.id, status: job.status, organized: job.organized, failed: job.failed });
      },
    },
  };
}
