// Response and message shapes, written from the server's schemas and named after them. Plain
// interfaces on purpose: they are checked against the types generated from the OpenAPI and AsyncAPI
// documents.
import type { HUB_EVENT_TYPES, VIDEO_EVENT_TYPES } from './event-types.js';

// ---------- documents (seeds 000/001) ----------

export type DocumentStage = 'ocr' | 'structure' | 'actions' | 'trades' | 'categories';
export type StageProgress = 'in_progress' | 'complete' | 'failed' | null;
export type DocumentState = 'processing' | 'completed' | 'failed';

/** POST /upload → 201. */
export interface UploadResponse {
  readonly document_id: string;
  readonly workflow_id: string;
  readonly status: 'processing';
  readonly created_at: string;
  readonly status_url: string;
  readonly ws_url: string;
}

export interface OcrPages {
  readonly done: number;
  readonly total: number;
}

/** GET /status/:id, and every message of the documents streams. */
export interface DocumentStatus {
  readonly document_id: string;
  readonly status: DocumentState;
  readonly progress: Readonly<Record<DocumentStage, StageProgress>>;
  readonly ocr_pages: OcrPages | null;
  readonly workflow_complete: boolean;
  readonly completed_at: string | null;
  readonly updated_at: string;
  /** Only when status is "failed": a stable reason (pdf_encrypted, blocked_address, …). */
  readonly error?: string;
}

export interface Classification {
  readonly value: string | null;
  readonly confidence: number;
  readonly matched: readonly string[];
}

export interface DocumentPage {
  readonly number: number;
  readonly text: string;
  readonly source: 'text_layer' | 'ocr';
  readonly confidence?: number;
  readonly line_confidences?: readonly number[];
}

export interface LineItemRepair {
  readonly field: 'quantity' | 'unit_price' | 'total';
  readonly read: number;
  readonly value: number;
  readonly reason: 'decimal_point' | 'digit' | 'currency_sign' | 'section_total';
}

export interface LineItem {
  readonly description: string;
  readonly quantity: number;
  /** Upper-case unit code: SF, LF, EA, SY, SQ, HR, …; null for a row that prints none (quantity, unit price and total only). */
  readonly unit: string | null;
  readonly unit_price: number;
  readonly total: number;
  readonly page: number;
  readonly section: string | null;
  readonly confidence?: number;
  readonly checks?: readonly ('line_total' | 'section_total' | 'document_total')[];
  readonly repairs?: readonly LineItemRepair[];
  readonly flags?: readonly ('unbalanced' | 'low_confidence')[];
  /** Absent until the actions stage, like trade and category after it. */
  readonly action?: Classification;
  readonly trade?: Classification;
  readonly category?: Classification;
}

export interface DocumentWarning {
  readonly code: string;
  readonly page: number | null;
  readonly items?: readonly number[];
  readonly section?: string | null;
  readonly message: string;
}

/** GET /documents/:id/result: as far as processing has got (null for stages not done). */
export interface DocumentResult {
  readonly document_id: string;
  readonly file_name: string;
  readonly status: DocumentState;
  readonly mime_type: string | null;
  readonly page_count: number | null;
  readonly pages: readonly DocumentPage[] | null;
  readonly structure: Readonly<Record<string, unknown>> | null;
  readonly line_items: readonly LineItem[] | null;
  readonly warnings: readonly DocumentWarning[] | null;
  readonly error?: string;
}

export interface DocumentSummary {
  readonly document_id: string;
  readonly file_name: string;
  readonly xn_address: string | null;
  readonly status: DocumentState;
  readonly pages: number | null;
  readonly created_at: string;
  readonly updated_at: string;
  readonly status_url: string;
}

/** GET /documents. */
export interface DocumentList {
  readonly data: readonly DocumentSummary[];
  readonly limit: number;
  readonly offset: number;
}

/** GET /credits. */
export interface Credits {
  readonly organization_id: string;
  readonly balance_micro_credits: number;
  readonly balance_dollars: string;
  readonly price_per_page_micro_credits: number;
}

/** POST /ws/token. */
export interface RealtimeToken {
  readonly token: string;
  readonly organization_id: string;
  readonly expires_at: string;
  readonly ws_url: string;
  readonly sse_url: string;
}

// ---------- realtime (every stream) ----------

export type TerminalType = 'stream.expired' | 'stream.unauthorized' | 'stream.draining' | 'stream.stale_resume' | 'stream.overflow';

/** The last message of a stream before the server closes it; no id, not resumable itself. */
export interface TerminalEvent {
  readonly type: TerminalType;
  readonly data: {
    readonly reason?: string;
    readonly retry_ms?: number;
    readonly retention_seconds?: number;
  };
}

// ---------- hub (seed 004) ----------

export type HubEventType = (typeof HUB_EVENT_TYPES)[number];

/** One event of the hub stream. `data` carries ids (discussion_id, space_id, contact_id, …). */
export interface HubEvent {
  /** UUIDv7: the resume cursor. */
  readonly id: string;
  readonly type: HubEventType;
  readonly data: Readonly<Record<string, unknown>>;
}

/**
 * The stream could not resume from the cursor (older than the retention window): reload the state
 * you show, as the seed says. The SDK then continues without a cursor.
 */
export interface HubStaleResume {
  readonly id: undefined;
  readonly type: 'stream.stale_resume';
  readonly data: { readonly retention_seconds: number };
}

/**
 * An event of a type this SDK does not know (one a newer server added), on the hub or the video
 * stream; its name is in `event`. Why not `type: string`: such a member would also match every known
 * literal, so `if (e.type === 'video.ready')` could no longer narrow to the video shape, and TypeScript
 * cannot say "any string but these". It carries a cursor like any event: resuming after it skips nothing.
 */
export interface UnknownEvent {
  /** UUIDv7: the resume cursor. */
  readonly id: string;
  readonly type: 'unknown';
  /** The event's name as the server sent it. */
  readonly event: string;
  readonly data: Readonly<Record<string, unknown>>;
}

export type HubStreamItem = HubEvent | HubStaleResume | UnknownEvent;

// ---------- organizer (seed 002) ----------

export type FileKind = 'pdf' | 'image' | 'video' | 'audio' | 'archive' | 'document' | 'text' | 'other';
export type JobStatus = 'queued' | 'running' | 'completed' | 'failed' | 'cancelled';

export interface OrganizerFile {
  readonly fileId: string;
  readonly name: string;
  readonly size: number;
  readonly type: FileKind;
  readonly contentType: string | null;
  readonly folder: string;
  readonly locked: boolean;
  readonly documentType: string | null;
  readonly contentDate: string | null;
  readonly excerpt: string | null;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export interface OrganizerJob {
  readonly jobId: string;
  readonly status: JobStatus;
  readonly progress: number;
  readonly processedCount: number;
  readonly totalCount: number;
  readonly organized: number;
  readonly failed: number;
  readonly currentFile: string | null;
  readonly folder: string | null;
  readonly createdAt: string;
  readonly completedAt: string | null;
  readonly undoneAt: string | null;
}

export interface JobFileError {
  readonly fileId: string;
  /** Null when the file was deleted since. */
  readonly name: string | null;
  readonly code: string | null;
  readonly error: string | null;
}

/** GET /api/v1/jobs/:id. */
export interface OrganizerJobDetail extends OrganizerJob {
  readonly errors: readonly JobFileError[];
}

/** POST /api/v1/jobs/:id/undo. */
export interface OrganizerJobUndone extends OrganizerJob {
  readonly restored: number;
  readonly kept: number;
}

export interface OrganizerFolder {
  readonly name: string;
  readonly path: string;
  readonly fileCount: number;
  readonly totalCount: number;
}

export interface OrganizerFileList {
  readonly files: readonly OrganizerFile[];
  readonly limit: number;
  readonly offset: number;
}

export interface OrganizerFolderList {
  readonly parent: string;
  readonly fileCount: number;
  readonly folders: readonly OrganizerFolder[];
}

export interface JobProgressMessage {
  readonly type: 'job_progress';
  readonly jobId: string;
  readonly progress: number;
  readonly processedCount: number;
  readonly totalCount: number;
  readonly currentFile: string | null;
}

export interface JobCompleteMessage {
  readonly type: 'job_complete';
  readonly jobId: string;
  readonly status: 'completed' | 'failed' | 'cancelled';
  readonly organized: number;
  readonly failed: number;
}

export interface FileUploadedMessage {
  readonly type: 'file_uploaded';
  readonly fileId: string;
  readonly name: string;
  readonly size: number;
}

/** A file a job could not file (PERMISSION_ERROR, FILE_NOT_FOUND), or a refused client message (jobId null). */
export interface OrganizerErrorMessage {
  readonly type: 'error';
  readonly jobId: string | null;
  readonly error: string;
  readonly code: string;
}

export interface FileUpdatedMessage {
  readonly type: 'file_updated';
  readonly fileId: string;
  readonly name: string;
  readonly folder: string;
  readonly previousName: string;
  readonly previousFolder: string;
}

export interface FileDeletedMessage {
  readonly type: 'file_deleted';
  readonly fileId: string;
  readonly name: string;
  readonly folder: string;
}

export interface JobUndoneMessage {
  readonly type: 'job_undone';
  readonly jobId: string;
  readonly restored: number;
  readonly kept: number;
}

export interface PongMessage {
  readonly type: 'pong';
}

export type OrganizerMessage =
  | JobProgressMessage | JobCompleteMessage | FileUploadedMessage | OrganizerErrorMessage
  | FileUpdatedMessage | FileDeletedMessage | JobUndoneMessage | PongMessage;

// ---------- developer videos (seed 003) ----------

export type TranscriptionStatus = 'PROCESSING' | 'COMPLETE' | 'ERROR' | 'SKIPPED' | 'NO_AUDIO';

export interface Video {
  readonly id: string;
  readonly appId: string;
  readonly externalUserId: string | null;
  readonly name: string;
  readonly duration: number | null;
  readonly width: number | null;
  readonly height: number | null;
  readonly fps: number | null;
  readonly s3Key: string | null;
  readonly transcriptionStatus: TranscriptionStatus | null;
  readonly metadata: Readonly<Record<string, unknown>> | null;
  readonly deletedAt: string | null;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export interface VideoProcessing {
  readonly stage: 'probe' | 'render' | 'poster' | 'transcribe' | (string & {});
  readonly status: 'running' | 'retrying' | 'complete';
}

/** GET /api/developer/v1/videos/:id/status → data. */
export interface VideoStatus {
  readonly id: string;
  readonly duration: number | null;
  readonly width: number | null;
  readonly height: number | null;
  readonly transcriptionStatus: TranscriptionStatus | null;
  readonly ready: boolean;
  /** Only when processing failed: not_a_video, truncated, insufficient_credits, … */
  readonly error?: string;
  /** Only while a processing stage runs. */
  readonly processing?: VideoProcessing;
}

/** GET /api/developer/v1/usage → data. */
export interface VideoUsage {
  readonly balanceMicroCredits: number;
  readonly balanceDollars: string;
  readonly totalVideos: number;
  readonly totalDurationMinutes: number;
}

export interface CreateVideoRequest {
  readonly name?: string;
  readonly userId?: string;
  readonly metadata?: Readonly<Record<string, unknown>> | null;
}

/** POST /api/developer/sdk/v1/videos/create. */
export interface CreateVideoResponse {
  readonly videoId: string;
  readonly s3Key: string;
  readonly shareUrl: string;
  readonly embedUrl: string;
}

export interface UploadedPart {
  readonly partNumber: number;
  readonly etag: string;
  readonly size: number;
}

export interface CompleteUploadRequest {
  readonly durationInSecs?: number;
  readonly width?: number;
  readonly height?: number;
  readonly fps?: number;
}

// ---------- developer video events (GET /api/developer/v1/events) ----------

export type VideoEventType = (typeof VIDEO_EVENT_TYPES)[number];

/** The data of every video frame: the status shape plus the app the video belongs to. */
export interface VideoEventData extends VideoStatus {
  readonly appId: string;
}

/** One logged video event. */
export interface VideoEvent {
  /** UUIDv7: the resume cursor. */
  readonly id: string;
  readonly type: VideoEventType;
  readonly data: VideoEventData;
}

/**
 * The current status of a video named in `videoIds`, sent when a stream opens without a cursor (on a
 * resume the replayed events bring it up to date instead). Not an event: it carries no cursor.
 */
export interface VideoStatusSnapshot {
  readonly id: undefined;
  readonly type: 'video.status';
  readonly data: VideoEventData;
}

/** The cursor was older than the retention window: reload what you show; the stream goes on without one. */
export interface VideoStaleResume {
  readonly id: undefined;
  readonly type: 'stream.stale_resume';
  readonly data: { readonly retention_seconds: number };
}

export type VideoStreamItem = VideoEvent | VideoStatusSnapshot | VideoStaleResume | UnknownEvent;
