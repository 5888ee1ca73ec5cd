// An organization's usage at a glance: its work by outcome, its money in and out, its active keys.
import { AppError } from '../http/errors.js';
import type { RunCount, Storage } from '../storage/index.js';
import { WORK_KINDS } from './kinds.js';

export interface WorkCounts {
  readonly total: number;
  readonly completed: number;
  /** Failed or cancelled. */
  readonly failed: number;
  /** Queued or running. */
  readonly in_flight: number;
}

export interface OrgUsage {
  readonly org_id: string;
  readonly documents: WorkCounts;
  readonly videos: WorkCounts;
  readonly organize_jobs: WorkCounts;
  readonly credits_spent_micro: number;
  readonly credits_granted_micro: number;
  readonly api_keys_active: number;
}

function countsOf(rows: readonly RunCount[], kind: string): WorkCounts {
  const n = (...statuses: string[]) => rows.filter((r) => r.kind === kind && statuses.includes(r.status)).reduce((sum, r) => sum + r.count, 0);
  return { total: n('queued', 'running', 'completed', 'failed', 'cancelled'), completed: n('completed'), failed: n('failed', 'cancelled'), in_flight: n('queued', 'running') };
}

export async function orgUsage(storage: Storage, orgId: string): Promise<OrgUsage> {
  if (!(await storage.orgs.get(orgId))) throw new AppError('not_found', 'Organization not found');
  const [rows, totals, keys] = await Promise.all([
    storage.workflows.countByStatus(orgId, Object.values(WORK_KINDS)),
    storage.ledger.totals(orgId),
    storage.orgs.countActiveKeys(orgId),
  ]);
  return {
    org_id: orgId,
    documents: countsOf(rows, WORK_KINDS.document),
    videos: countsOf(rows, WORK_KINDS.video),
    organize_jobs: countsOf(rows, WORK_KINDS.organize),
    credits_spent_micro: totals.spentMicro,
    credits_granted_micro: totals.grantedMicro,
    api_keys_active: keys,
  };
}
