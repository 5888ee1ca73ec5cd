// The document status shape of GET /status/:id (seed 001), built from the document and its workflow.
import type { DocumentStatusColumns, RunStatusColumns, StageStatus } from '../storage/index.js';
import { DOCUMENT_STAGES, type DocumentStage } from './event-types.js';

export type StageProgress = 'in_progress' | 'complete' | 'failed' | null;

export interface OcrPages {
  readonly done: number;
  readonly total: number;
}

export interface DocumentStatus {
  readonly document_id: string;
  readonly status: 'processing' | 'completed' | 'failed';
  readonly progress: Readonly<Record<DocumentStage, StageProgress>>;
  /**
   * Beyond the seeds: pages whose text is known, of all the document's pages, counted while the ocr
   * stage runs (and kept after it); null until a page needs OCR, and for documents that need none.
   */
  readonly ocr_pages: OcrPages | null;
  readonly workflow_complete: boolean;
  readonly completed_at: string | null;
  readonly updated_at: string;
  /** Present when status is "failed": a stable reason such as pdf_encrypted or blocked_address. */
  readonly error?: string;
}

/** Takes whole rows as well as the narrow read GET /status makes (DocumentRepo.statusRead). */
export function documentStatus(doc: DocumentStatusColumns, run: RunStatusColumns | undefined, stages: readonly StageStatus[]): DocumentStatus {
  // Every GET /status comes through here: plain loops over five stages, no intermediate maps.
  const progress = {} as Record<DocumentStage, StageProgress>;
  for (const name of DOCUMENT_STAGES) {
    let status: StageProgress = null;
    for (const s of stages) if (s.stage === name) status = s.status as StageProgress;
    progress[name] = status;
  }
  const runStatus = run?.status ?? 'queued';
  const status = runStatus === 'completed' ? 'completed' : runStatus === 'failed' || runStatus === 'cancelled' ? 'failed' : 'processing';
  const updated = run && run.updated_at > doc.updated_at ? run.updated_at : doc.updated_at;
  return {
    document_id: doc.id,
    status,
    progress,
    ocr_pages: doc.ocr_pages_done === null || doc.ocr_pages_total === null ? null : { done: doc.ocr_pages_done, total: doc.ocr_pages_total },
    workflow_complete: runStatus === 'completed',
    completed_at: status === 'processing' ? null : (run?.completed_at ?? null),
    updated_at: updated,
    ...(status === 'failed' ? { error: doc.failure_reason ?? run?.error ?? 'failed' } : {}),
  };
}
