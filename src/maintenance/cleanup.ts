// One cleanup run: removes, a bounded batch of each kind, the state Capstan no longer needs (old
// idempotency keys, ended workflow runs nothing reads, ended webhook deliveries, expired console
// sessions, abandoned multipart uploads, orphaned blobs).
// Every step is idempotent, so any number of nodes may run it at once; a failing step is logged and
// the others still run.
import { EXPIRED_SESSION_GRACE_SECONDS } from '../auth/console-sessions.js';
import type { BlobStore, ExpiredUpload } from '../blobs/index.js';
import type { Logger } from '../http/index.js';
import type { CleanupRepo } from '../storage/index.js';
import { BlobSweep, sweepOrphanedBlobs } from './orphaned-blobs.js';

export interface CleanupDeps {
  readonly repo: CleanupRepo;
  readonly blobs: BlobStore;
  readonly logger: Logger;
  /** Epoch ms; tests move it instead of waiting. */
  readonly clock?: () => number;
  /** Where the blob sweep stopped; the scheduler keeps one across runs. */
  readonly sweep?: BlobSweep;
  /** Aborted: the run stops between steps and between blobs. */
  readonly signal?: AbortSignal;
  /** Told of the multipart uploads just expired, so what they belonged to stops naming them. */
  readonly onUploadsExpired?: (expired: readonly ExpiredUpload[]) => Promise<void>;
}

export interface CleanupOptions {
  /** Most items removed per kind and run (blobs: also the most examined). */
  readonly batchSize: number;
  readonly idempotencyRetentionMs: number;
  /**
   * Workflow kinds whose ended runs nothing reads any more. The caller names them: a kind whose runs
   * hold a resource's results must never be listed.
   */
  readonly removableWorkflowKinds: readonly string[];
  readonly workflowRetentionMs: number;
  /** How long a webhook delivery that ended stays in the delivery log after its last change. */
  readonly webhookDeliveryRetentionMs: number;
  /** Capstan's folders of the blob store; nothing outside them is listed, deleted or aborted. */
  readonly blobPrefixes: readonly string[];
  readonly blobOrphanGraceMs: number;
  /** How long a deleted video's object is kept after the deletion. */
  readonly deletedVideoRetentionMs: number;
  readonly multipartExpiryMs: number;
}

export type CleanupStep = 'idempotencyKeys' | 'workflowRuns' | 'webhookDeliveries' | 'consoleSessions' | 'abandonedUploads' | 'orphanedBlobs';

export type CleanupReport = Readonly<Record<CleanupStep, number>> & {
  /** Steps that threw (and were logged); the others ran all the same. */
  readonly failed: readonly CleanupStep[];
};

const iso = (ms: number): string => new Date(ms).toISOString();

export async function runCleanup(deps: CleanupDeps, options: CleanupOptions): Promise<CleanupReport> {
  const { repo, blobs, logger, signal } = deps;
  const now = (deps.clock ?? Date.now)();
  const limit = options.batchSize;
  const steps: Readonly<Record<CleanupStep, () => Promise<number>>> = {
    idempotencyKeys: () => repo.deleteIdempotencyBefore(iso(now - options.idempotencyRetentionMs), limit),
    workflowRuns: () => repo.deleteEndedRuns(options.removableWorkflowKinds, iso(now - options.workflowRetentionMs), limit),
    webhookDeliveries: () => repo.deleteEndedDeliveries(iso(now - options.webhookDeliveryRetentionMs), limit),
    // An expired session is refused already; its row only answers session_expired until it goes, which
    // is when its cookie has gone from the browser too.
    consoleSessions: () => repo.deleteExpiredConsoleSessions(iso(now - EXPIRED_SESSION_GRACE_SECONDS * 1000), limit),
    abandonedUploads: async () => {
      const expired = await blobs.expireAbandoned(options.multipartExpiryMs, { prefixes: options.blobPrefixes, limit });
      if (expired.length > 0) await deps.onUploadsExpired?.(expired);
      return expired.length;
    },
    orphanedBlobs: () =>
      sweepOrphanedBlobs(repo, blobs, deps.sweep ?? new BlobSweep(), {
        prefixes: options.blobPrefixes,
        limit,
        modifiedBefore: now - options.blobOrphanGraceMs,
        videoDeletedBeforeIso: iso(now - options.deletedVideoRetentionMs),
        ...(signal ? { signal } : {}),
      }),
  };
  const counts: Record<CleanupStep, number> = { idempotencyKeys: 0, workflowRuns: 0, webhookDeliveries: 0, consoleSessions: 0, abandonedUploads: 0, orphanedBlobs: 0 };
  const failed: CleanupStep[] = [];
  for (const step of Object.keys(steps) as CleanupStep[]) {
    if (signal?.aborted) break;
    try {
      counts[step] = await steps[step]();
    } catch (e) {
      failed.push(step);
      logger.warn({ err: e, step }, 'cleanup step failed');
    }
  }
  return { ...counts, failed };
}
