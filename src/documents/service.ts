// Documents: accept an upload (URL or base64), bill it, start its workflow; answer status, results,
// lists and credits. Another organization's document is never found.
import { createHash } from 'node:crypto';
import { isIP } from 'node:net';
import type { BlobStore } from '../blobs/index.js';
import { debitCredits, formatDollars, insufficientCredits } from '../billing/index.js';
import type { EventPublisher } from '../events/index.js';
import { answerLost, AppError, idempotencyInProgress } from '../http/errors.js';
import { isDocumentError, sniffDocumentType, type ClassifiedLineItem, type DocumentExtractor, type DocumentStructure, type ExtractedPage } from '../pipelines/documents/index.js';
import { isStorageUnavailable, storedStageStatuses, type DocumentRow, type Org, type Storage } from '../storage/index.js';
import { newId } from '../util/ids.js';
import { isRefusedAddress } from '../util/safe-fetch.js';
import { nowIso } from '../util/time.js';
import type { WorkflowEngine } from '../workflows/index.js';
import { DOCUMENT_STAGES } from './event-types.js';
import { reportDocumentStatus } from './report.js';
import { documentStatus, type DocumentStatus } from './status.js';
import { blobKeyFor, DOCUMENT_WORKFLOW, type DocumentWorkflowInput } from './workflow.js';

export interface UploadInput {
  readonly url?: string | undefined;
  /** The file of an inline (base64) upload, decoded. */
  readonly file?: Buffer | undefined;
  readonly file_name: string;
  readonly xn_address?: string | undefined;
}

export interface UploadResult {
  readonly document_id: string;
  readonly workflow_id: string;
  readonly status: 'processing';
  readonly created_at: string;
  readonly status_url: string;
  readonly ws_url: string;
}

export interface DocumentServiceOptions {
  readonly pricePerPageMicro: number;
  readonly maxBytes: number;
  /** More pages than this is refused at upload (inline) or fails the document (by URL), unbilled. */
  readonly maxPages: number;
  readonly fetchAllow: readonly string[];
  /** Starts the relative URLs of answers: the public URL's path ('' at the root). */
  readonly pathPrefix: string;
}

/** What an upload's Idempotency-Key is bound to: the same key with another body is a conflict. */
function uploadHash(input: UploadInput): string {
  // The file by its own hash: the same bytes are the same upload however their base64 was wrapped.
  const file = input.file === undefined ? null : createHash('sha256').update(input.file).digest('hex');
  return createHash('sha256').update(JSON.stringify([input.url ?? null, file, input.file_name, input.xn_address ?? null])).digest('hex');
}

/** Another request took the upload's Idempotency-Key between the first look and this commit. */
class KeyTakenMeanwhile extends Error {}

export class DocumentService {
  constructor(
    private readonly storage: Storage,
    private readonly blobs: BlobStore,
    private readonly workflows: WorkflowEngine,
    private readonly publisher: EventPublisher,
    private readonly extractor: DocumentExtractor,
    private readonly options: DocumentServiceOptions,
  ) {}

  async upload(org: Org, input: UploadInput, idempotencyKey: string | undefined): Promise<{ status: number; body: UploadResult; replayed: boolean }> {
    // Hashing a 20 MB file holds the event loop for some milliseconds: only a request with a key has
    // anything to compare it with.
    const keyed = idempotencyKey === undefined ? undefined : { key: idempotencyKey, hash: uploadHash(input) };
    if (keyed) {
      const recorded = await this.recordedUpload(org.id, keyed.key, keyed.hash);
      if (recorded) return recorded;
    }
    if ((input.url === undefined) === (input.file === undefined)) throw new AppError('invalid_request', 'Send exactly one of url or file_base64');

    const documentId = newId('doc');
    const workflowId = newId('wf');
    const at = nowIso();
    let doc: DocumentRow = {
      id: documentId, org_id: org.id, workflow_id: workflowId, file_name: input.file_name, xn_address: input.xn_address ?? null,
      source: input.url !== undefined ? 'url' : 'base64', source_url: null, mime: null, size_bytes: null, pages: null, blob_key: null,
      cost_micro: 0, failure_reason: null, created_at: at, updated_at: at, reported_status: null, ocr_pages_done: null, ocr_pages_total: null,
    };
    let minimumMicro = this.options.pricePerPageMicro;
    if (input.url !== undefined) {
      doc = { ...doc, source_url: this.checkUrl(input.url) };
    } else {
      const bytes = input.file ?? Buffer.alloc(0);
      if (bytes.length === 0) throw new AppError('invalid_request', 'The file is empty');
      if (bytes.length > this.options.maxBytes) throw new AppError('payload_too_large', `The file is larger than ${this.options.maxBytes} bytes`);
      const type = await sniffDocumentType(bytes);
      if (!type) throw new AppError('unsupported_media_type', 'Only PDF, PNG, JPEG and TIFF documents are accepted');
      let pages: number;
      try {
        pages = await this.extractor.countPages(bytes, type);
      } catch (e) {
        if (isDocumentError(e)) throw new AppError('invalid_document', `${e.reason}: ${e.message}`);
        throw e;
      }
      // Refused before it is billed: a page-count bomb must not need the credit to pay for it.
      if (pages > this.options.maxPages) throw new AppError('invalid_document', `too_many_pages: the document has ${pages} pages; at most ${this.options.maxPages} are processed`);
      minimumMicro = pages * this.options.pricePerPageMicro;
      const key = blobKeyFor(org.id, documentId);
      await this.blobs.put(key, bytes, { contentType: type });
      doc = { ...doc, mime: type, size_bytes: bytes.length, pages, blob_key: key, cost_micro: minimumMicro };
    }

    const body: UploadResult = { document_id: documentId, workflow_id: workflowId, status: 'processing', created_at: at, status_url: `${this.options.pathPrefix}/status/${documentId}`, ws_url: `${this.options.pathPrefix}/ws/status` };
    try {
      await this.storage.transaction(async (tx) => {
        // The key first: a twin sent with the same key (a client retrying while its first request still
        // runs) waits here for this one's commit and then replays its answer, where after the debit it
        // would have found the credit spent and answered 402 for a document that was taken and billed.
        if (keyed) {
          const stored = await tx.idempotency.save({ scope: org.id, key: keyed.key, request_hash: keyed.hash, status_code: 201, response: JSON.stringify(body), created_at: at });
          if (!stored) throw new KeyTakenMeanwhile();
        }
        if (doc.source === 'base64') {
          if (doc.cost_micro > 0) await debitCredits(tx, { orgId: org.id, amountMicro: doc.cost_micro, reason: 'document', ref: documentId });
        } else {
          // The page count of a URL upload is known only after the fetch; it must at least afford one page.
          const current = await tx.orgs.get(org.id);
          if (!current || current.credits_micro < minimumMicro) throw insufficientCredits(minimumMicro, current?.credits_micro ?? 0);
        }
        await tx.documents.create(doc);
        await this.workflows.enqueue(tx, { kind: DOCUMENT_WORKFLOW, orgId: org.id, resourceId: documentId, input: { document_id: documentId } satisfies DocumentWorkflowInput, id: workflowId });
        await reportDocumentStatus(tx, this.publisher, documentId, true);
      });
    } catch (e) {
      // The database going away may have taken the commit's acknowledgement, not the commit: the
      // document may exist, and a retry with its key gets 201 for it. Its file stays then; the
      // orphaned-blob sweep removes it if no row took it.
      if (doc.blob_key && !isStorageUnavailable(e)) await this.blobs.delete(doc.blob_key).catch(() => undefined);
      // A twin with the same key committed first: this one rolled back, and answers as a retry would.
      if (e instanceof KeyTakenMeanwhile && keyed) {
        const recorded = await this.recordedUpload(org.id, keyed.key, keyed.hash);
        if (recorded) return recorded;
        throw idempotencyInProgress();
      }
      throw e;
    }
    this.workflows.wake();
    return { status: 201, body, replayed: false };
  }

  /** The recorded answer for `key`: a replay, a conflict for another request, or none yet. */
  private async recordedUpload(orgId: string, key: string, requestHash: string): Promise<{ status: number; body: UploadResult; replayed: true } | undefined> {
    const seen = await this.storage.idempotency.find(orgId, key);
    if (!seen) return undefined;
    if (seen.request_hash !== requestHash) throw new AppError('idempotency_conflict');
    if (seen.response === undefined) throw answerLost();
    return { status: seen.status_code, body: JSON.parse(seen.response) as UploadResult, replayed: true };
  }

  /** One storage read: the document, its run and its stages come in one query (the hottest read clients make). */
  async status(orgId: string, documentId: string): Promise<DocumentStatus> {
    const found = await this.storage.documents.statusRead(orgId, documentId, DOCUMENT_STAGES);
    if (!found) throw new AppError('not_found', 'Document not found');
    return documentStatus(found.doc, found.run, found.stages);
  }

  /** Pages, structure and classified line items, as far as processing has got. */
  async result(orgId: string, documentId: string) {
    const doc = await this.get(orgId, documentId);
    const stages = await this.storage.workflows.stages(doc.workflow_id);
    const output = <T>(name: string): T | null => {
      const row = stages.find((s) => s.stage === name && s.status === 'complete');
      return row?.output ? (JSON.parse(row.output) as T) : null;
    };
    const status = documentStatus(doc, await this.storage.workflows.get(doc.workflow_id), stages);
    const classified = output<ClassifiedLineItem[]>('categories') ?? output<ClassifiedLineItem[]>('trades') ?? output<ClassifiedLineItem[]>('actions');
    const structure = output<DocumentStructure>('structure');
    return {
      document_id: doc.id,
      file_name: doc.file_name,
      status: status.status,
      mime_type: doc.mime,
      page_count: doc.pages,
      pages: output<ExtractedPage[]>('ocr'),
      structure,
      line_items: classified,
      // What the reader could not vouch for, at the top where a client looks first (also in structure).
      warnings: structure?.warnings ?? null,
      ...(status.error ? { error: status.error } : {}),
    };
  }

  async list(orgId: string, limit: number, offset: number) {
    const docs = await this.storage.documents.list(orgId, limit, offset);
    const data = [];
    for (const doc of docs) {
      const run = await this.storage.workflows.get(doc.workflow_id);
      const s = documentStatus(doc, run, storedStageStatuses(run));
      data.push({ document_id: doc.id, file_name: doc.file_name, xn_address: doc.xn_address, status: s.status, pages: doc.pages, created_at: doc.created_at, updated_at: s.updated_at, status_url: `${this.options.pathPrefix}/status/${doc.id}` });
    }
    return { data, limit, offset };
  }

  async credits(orgId: string) {
    const org = await this.storage.orgs.get(orgId);
    if (!org) throw new AppError('not_found');
    return {
      organization_id: org.id,
      balance_micro_credits: org.credits_micro,
      balance_dollars: formatDollars(org.credits_micro),
      price_per_page_micro_credits: this.options.pricePerPageMicro,
    };
  }

  /** Current statuses of the organization's documents among `ids` (others are silently absent). */
  async statuses(orgId: string, ids: readonly string[]): Promise<DocumentStatus[]> {
    // One query finds which ids exist: ids that name nothing (a client's guesses) cost nothing more.
    const found = new Map((await this.storage.documents.getMany(orgId, ids)).map((d) => [d.id, d]));
    const out: DocumentStatus[] = [];
    for (const id of ids) {
      const doc = found.get(id);
      if (!doc) continue;
      const run = await this.storage.workflows.get(doc.workflow_id);
      out.push(documentStatus(doc, run, storedStageStatuses(run)));
    }
    return out;
  }

  latestIds(orgId: string, n: number): Promise<string[]> {
    return this.storage.documents.latestIds(orgId, n);
  }

  private async get(orgId: string, documentId: string): Promise<DocumentRow> {
    const doc = await this.storage.documents.get(orgId, documentId);
    if (!doc) throw new AppError('not_found', 'Document not found');
    return doc;
  }

  /** Scheme and literal-address checks up front; names are resolved (and re-checked) when fetched. */
  private checkUrl(raw: string): string {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      throw new AppError('invalid_request', 'url is not a valid URL');
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new AppError('invalid_request', 'url must be http or https');
    if (url.username || url.password) throw new AppError('invalid_request', 'url must not carry credentials');
    // The URL parser has already rewritten a literal address to one spelling ("[::ffff:7f00:1]",
    // "127.0.0.1" for "0x7f.1"); the check judges it by value, as the fetch does every resolved address.
    const host = url.hostname.replace(/^\[|\]$/g, '');
    if (isIP(host) && isRefusedAddress(host, this.options.fetchAllow)) {
      throw new AppError('invalid_request', 'url points to a non-public address');
    }
    return url.toString();
  }
}
