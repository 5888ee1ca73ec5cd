// The documents workflow: intake (fetch a URL upload, bill it), then the five seed stages
// ocr → structure → actions → trades → categories. Each stage's output is kept by the engine, so a
// restart resumes at the first unfinished stage. A failed document is refunded in the same
// transaction that marks it failed; each change of its status is reported in the transaction that
// makes it, page counts of the ocr stage included.
import { isBlobError, type BlobStore } from '../blobs/index.js';
import { debitCredits, grantCredits } from '../billing/index.js';
import type { EventPublisher } from '../events/index.js';
import { AppError } from '../http/errors.js';
import type { Logger } from '../http/index.js';
import {
  buildStructure,
  classifyActions,
  classifyCategories,
  classifyTrades,
  isDocumentError,
  lineItemsOf,
  sniffDocumentType,
  type DocumentExtractor,
  type DocumentRules,
  type DocumentStructure,
  type DocumentType,
  type ExtractedPage,
  type PageProgress,
} from '../pipelines/documents/index.js';
import type { Storage } from '../storage/index.js';
import { FetchError, safeFetch, type SafeFetchOptions } from '../util/safe-fetch.js';
import { nowIso } from '../util/time.js';
import { PermanentStageError, RetryableStageError, type Stage, type StageContext, type WorkflowDefinition } from '../workflows/index.js';
import { ProgressThrottle } from './ocr-progress.js';
import { reportDocumentStatus } from './report.js';

export const DOCUMENT_WORKFLOW = 'document';

/** At most one page count a document per interval on its stream (four a second); the last is always sent. */
export const OCR_PROGRESS_INTERVAL_MS = 250;

export interface DocumentWorkflowInput {
  readonly document_id: string;
}

export interface DocumentWorkflowDeps {
  readonly storage: Storage;
  readonly blobs: BlobStore;
  readonly publisher: EventPublisher;
  /** Page extraction (pdfjs + OCR), isolated in a worker thread. */
  readonly extractor: DocumentExtractor;
  readonly rules: DocumentRules;
  readonly fetch: SafeFetchOptions;
  readonly pricePerPageMicro: number;
  readonly maxPages: number;
  readonly logger: Logger;
}

interface Intake {
  readonly blob_key: string;
  readonly type: DocumentType;
  readonly pages: number;
}

export const blobKeyFor = (orgId: string, documentId: string): string => `documents/${orgId}/${documentId}/source`;

async function readAll(blobs: BlobStore, key: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of await blobs.get(key)) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/**
 * Pipeline errors become stage failures carrying their stable reason, permanent or worth a retry. A
 * stored file the blob store says is not there (local disk and S3 alike) was deleted behind the
 * document's back: reading it again cannot bring it back, so the document fails at once, unlike a
 * store that cannot be reached, which the engine waits for. A URL that could not be fetched for a
 * moment (unreachable, slow, busy) is fetched again as the stage's attempts allow.
 */
function asStageError(e: unknown): unknown {
  if (isBlobError(e, 'NoSuchKey')) return new PermanentStageError('document_missing', 'The document\'s stored file is gone from the blob store');
  if (isDocumentError(e)) return e.permanent ? new PermanentStageError(e.reason, e.message) : new RetryableStageError(e.reason, e.message, { cause: e });
  if (e instanceof FetchError) return e.transient ? new RetryableStageError(e.reason, e.message, { cause: e }) : new PermanentStageError(e.reason, e.message);
  return e;
}

export function documentWorkflow(deps: DocumentWorkflowDeps): WorkflowDefinition {
  const { storage, blobs } = deps;
  const docId = (ctx: StageContext) => (ctx.input as DocumentWorkflowInput).document_id;

  const intake: Stage = {
    name: 'intake',
    async run(ctx) {
      const doc = await storage.documents.getById(docId(ctx));
      if (!doc) throw new PermanentStageError('document_missing');
      if (doc.blob_key && doc.mime && doc.pages !== null) return { blob_key: doc.blob_key, type: doc.mime as DocumentType, pages: doc.pages } satisfies Intake;
      if (!doc.source_url) throw new PermanentStageError('document_missing');
      let bytes: Buffer;
      try {
        bytes = (await safeFetch(doc.source_url, deps.fetch)).bytes;
      } catch (e) {
        throw asStageError(e);
      }
      if (bytes.length === 0) throw new PermanentStageError('empty_file');
      const type = await sniffDocumentType(bytes);
      if (!type) throw new PermanentStageError('unsupported_type');
      let pages: number;
      try {
        pages = await deps.extractor.countPages(bytes, type);
      } catch (e) {
        throw asStageError(e);
      }
      // As for an inline upload: refused before it is billed, whatever the balance.
      if (pages > deps.maxPages) throw new PermanentStageError('too_many_pages');
      const key = blobKeyFor(doc.org_id, doc.id);
      await blobs.put(key, bytes, { contentType: type });
      const cost = pages * deps.pricePerPageMicro;
      await storage.transaction(async (tx) => {
        // Billing and the facts it bills for land together; a retried intake never bills twice.
        const fresh = await tx.documents.getById(doc.id);
        if (fresh && fresh.cost_micro === 0 && cost > 0) {
          try {
            await debitCredits(tx, { orgId: doc.org_id, amountMicro: cost, reason: 'document', ref: doc.id });
          } catch {
            throw new PermanentStageError('insufficient_credits');
          }
        }
        await tx.documents.update(doc.id, { blob_key: key, mime: type, size_bytes: bytes.length, pages, cost_micro: cost, updated_at: nowIso() });
      });
      return { blob_key: key, type, pages } satisfies Intake;
    },
  };

  /**
   * Pages done, each count in its own small transaction with the status it changes, and only while
   * this worker holds the run: a worker that lost its lease must not overwrite its successor's count.
   */
  const recordOcrPages = (ctx: StageContext) => async (pages: PageProgress) => {
    const documentId = docId(ctx);
    await storage.transaction(async (tx) => {
      const run = await tx.workflows.get(ctx.run.id);
      if (run?.status !== 'running' || run.lease_owner !== ctx.run.lease_owner) return;
      await tx.documents.update(documentId, { ocr_pages_done: pages.done, ocr_pages_total: pages.total, updated_at: nowIso() });
      await reportDocumentStatus(tx, deps.publisher, documentId);
    });
  };

  const ocr: Stage = {
    name: 'ocr',
    async run(ctx) {
      const { blob_key, type } = ctx.outputs.get('intake') as Intake;
      const progress = new ProgressThrottle(OCR_PROGRESS_INTERVAL_MS, recordOcrPages(ctx), deps.logger);
      try {
        const pages = await deps.extractor.extractPages(await readAll(blobs, blob_key), type, { maxPages: deps.maxPages, signal: ctx.signal, onProgress: (p) => progress.update(p) });
        // The last count (done == total) is reported before the stage's completion is.
        await progress.flush();
        return pages;
      } catch (e) {
        // The pages read before the failure stay counted (a scan with no text anywhere was read
        // whole): the status the failure leaves shows the last count, not whichever one the
        // throttle happened to have written.
        await progress.flush();
        throw asStageError(e);
      }
    },
  };

  const structure: Stage = { name: 'structure', run: async (ctx) => buildStructure(ctx.outputs.get('ocr') as ExtractedPage[]) };
  const actions: Stage = { name: 'actions', run: async (ctx) => classifyActions(lineItemsOf(ctx.outputs.get('structure') as DocumentStructure), deps.rules) };
  const trades: Stage = { name: 'trades', run: async (ctx) => classifyTrades(ctx.outputs.get('actions') as ReturnType<typeof classifyActions>, deps.rules) };
  const categories: Stage = { name: 'categories', run: async (ctx) => classifyCategories(ctx.outputs.get('trades') as ReturnType<typeof classifyTrades>, deps.rules) };

  return {
    kind: DOCUMENT_WORKFLOW,
    stages: [intake, ocr, structure, actions, trades, categories],
    hooks: {
      async onTransitions(tx, run, transitions) {
        const documentId = (JSON.parse(run.input) as DocumentWorkflowInput).document_id;
        for (const t of transitions) {
          // Every attempt at OCR counts its pages from the start.
          if (t.kind === 'stage_started' && t.stage === 'ocr') await tx.documents.update(documentId, { ocr_pages_done: null, ocr_pages_total: null, updated_at: nowIso() });
          if (t.kind !== 'failed' && t.kind !== 'cancelled') continue;
          const doc = await tx.documents.getById(documentId);
          if (!doc) return;
          if (doc.cost_micro > 0) await grantCredits(tx, { orgId: doc.org_id, amountMicro: doc.cost_micro, reason: 'refund', ref: doc.id });
          await tx.documents.update(doc.id, { failure_reason: t.kind === 'failed' ? t.error : 'cancelled', updated_at: nowIso() });
        }
        await reportDocumentStatus(tx, deps.publisher, documentId);
      },
      async onRetry(tx, run) {
        // The failure refunded the document's price: a retry charges it again (402 when short).
        const doc = await tx.documents.getById((JSON.parse(run.input) as DocumentWorkflowInput).document_id);
        if (!doc) throw new AppError('conflict', 'The document of this run no longer exists');
        if (doc.cost_micro > 0) await debitCredits(tx, { orgId: doc.org_id, amountMicro: doc.cost_micro, reason: 'document', ref: doc.id });
        await tx.documents.update(doc.id, { failure_reason: null, ocr_pages_done: null, ocr_pages_total: null, updated_at: nowIso() });
        await reportDocumentStatus(tx, deps.publisher, doc.id);
      },
    },
  };
}
