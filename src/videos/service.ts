// Developer videos (seed 003): create a record, run its S3-style multipart upload, start processing
// when the upload completes, and answer lists, status, deletion, usage and the public pages' bytes.
// Every call is scoped to one app: another app's video is never found.
import type { Readable } from 'node:stream';
import { blobHttpError, isBlobError, type BlobStat, type BlobStore, type ByteRange, type CompletedPart } from '../blobs/index.js';
import { formatDollars } from '../billing/index.js';
import type { EventPublisher } from '../events/index.js';
import { AppError } from '../http/errors.js';
import type { Logger } from '../http/index.js';
import type { App, Storage, VideoRow, VideoState } from '../storage/index.js';
import { newId, randomToken } from '../util/ids.js';
import { nowIso } from '../util/time.js';
import type { WorkflowEngine } from '../workflows/index.js';
import { parseContentType } from './content-type.js';
import { videoIdOfKey, videoKey } from './keys.js';
import { videoCost } from './pricing.js';
import { videoObject, videoStatus, type VideoObject, type VideoStatus } from './present.js';
import { appendVideoEvent } from './publish.js';
import { VIDEO_WORKFLOW, type ClientValues, type VideoWorkflowInput } from './workflow.js';

export interface VideoServiceOptions {
  readonly pricePerMinuteMicro: number;
  readonly partUrlTtlSeconds: number;
  /** Base of shareUrl and embedUrl. */
  readonly publicUrl: () => string;
  /** Where a store's failure that the answer does not carry is told. */
  readonly logger?: Logger;
  /**
   * A complete renews its claim on the video this often while the store assembles the parts, so that
   * the reconciler can take a claim left unrenewed for CAPSTAN_VIDEO_COMPLETE_TIMEOUT_SECONDS for
   * dead (its node was killed) however long a live one takes. Default: 10 s.
   */
  readonly completeRenewMs?: number;
}

export interface CreateVideoInput {
  readonly name?: string;
  readonly userId?: string;
  readonly metadata?: Record<string, unknown>;
}

export interface CreatedVideo {
  readonly videoId: string;
  readonly s3Key: string;
  readonly shareUrl: string;
  readonly embedUrl: string;
}

export interface CompleteInput extends ClientValues {
  readonly videoId: string;
  readonly uploadId: string;
  readonly parts: readonly (CompletedPart & { readonly size?: number })[];
}

/** Bytes of a live video the public pages serve, whole or one range; `stat` first tells the size for Range. */
export interface PublicMedia {
  readonly video: VideoRow;
  readonly stat: BlobStat;
  readonly contentType: string;
  open(range?: ByteRange): Promise<Readable>;
}

export interface VideoUsage {
  readonly balanceMicroCredits: number;
  readonly balanceDollars: string;
  readonly totalVideos: number;
  readonly totalDurationMinutes: number;
}

export const DEFAULT_CONTENT_TYPE = 'video/mp4';
const METADATA_MAX_BYTES = 16_384;
const UPLOADED: readonly VideoRow['state'][] = ['completing', 'processing', 'ready', 'failed'];
const VIDEO_STATES: readonly VideoRow['state'][] = ['created', 'uploading', ...UPLOADED];

const videoNotFound = () => new AppError('not_found', 'Video not found');
/** How often an initiate reads the video again when other initiates keep replacing its upload first. */
const INITIATE_ATTEMPTS = 20;
const uploadNotFound = () => new AppError('not_found', 'NoSuchUpload: The specified upload does not exist for this video; it may have been aborted, completed or expired');
// "Being completed" is not "done": that complete may still fail (a wrong ETag), so the client is told
// to ask again, as an idempotent request still running is; "already complete" has no Retry-After.
const alreadyUploaded = (v: VideoRow) =>
  v.state === 'completing'
    ? new AppError('conflict', 'The upload is being completed by another request; ask again to learn how it ended', { 'Retry-After': '1' })
    : new AppError('conflict', 'The upload is already complete');

export class VideoService {
  constructor(
    private readonly storage: Storage,
    private readonly blobs: BlobStore,
    private readonly workflows: WorkflowEngine,
    private readonly publisher: EventPublisher,
    private readonly options: VideoServiceOptions,
  ) {}

  async create(app: App, input: CreateVideoInput): Promise<CreatedVideo> {
    const metadata = input.metadata === undefined ? null : JSON.stringify(input.metadata);
    if (metadata !== null && Buffer.byteLength(metadata) > METADATA_MAX_BYTES) throw new AppError('invalid_request', `metadata may be at most ${METADATA_MAX_BYTES} bytes of JSON`);
    const org = await this.storage.orgs.get(app.org_id);
    // One minute's price is the least a video can cost to be worth uploading; the real debit follows measurement.
    const required = this.options.pricePerMinuteMicro;
    const balance = org?.credits_micro ?? 0;
    // The body says how far short the organization is, so a client can tell its user what to top up.
    if (balance < required) throw new AppError('payment_required', `Insufficient credits: creating a video needs at least ${required} micro-credits`, {}, { required_micro: required, balance_micro: balance });
    const id = randomToken(12);
    const at = nowIso();
    const video: VideoRow = {
      id, org_id: app.org_id, app_id: app.id, external_user_id: input.userId ?? null, name: input.name ?? 'Untitled', metadata,
      s3_key: videoKey(app.id, id), content_type: DEFAULT_CONTENT_TYPE, content_type_params: null, state: 'created', upload_id: null, size_bytes: null,
      duration: null, width: null, height: null, fps: null, client_values: null, rendition_key: null, poster_key: null, transcription_status: null,
      workflow_id: null, processing_stage: null, processing_status: null, cost_micro: null, failure_reason: null, deleted_at: null, created_at: at, updated_at: at,
    };
    await this.storage.transaction(async (tx) => {
      await tx.videos.create(video);
      await appendVideoEvent(tx, this.publisher, 'video.created', video);
    });
    const base = this.options.publicUrl();
    return { videoId: id, s3Key: video.s3_key, shareUrl: `${base}/dev/${id}`, embedUrl: `${base}/embed/${id}?sdk=1` };
  }

  async list(app: App, query: { userId?: string; limit: number; offset: number }): Promise<VideoObject[]> {
    const rows = await this.storage.videos.list(app.id, { limit: query.limit, offset: query.offset, ...(query.userId === undefined ? {} : { externalUserId: query.userId }) });
    return rows.map(videoObject);
  }

  async get(app: App, id: string): Promise<VideoObject> {
    return videoObject(await this.own(app, id));
  }

  async status(app: App, id: string): Promise<VideoStatus> {
    return videoStatus(await this.own(app, id));
  }

  async remove(app: App, id: string): Promise<void> {
    const video = await this.own(app, id);
    const at = nowIso();
    // Whatever state processing has moved it to meanwhile: the event reports the video as deleted.
    const deleted = await this.storage.transaction(async (tx) => {
      if (!(await tx.videos.updateIf(id, { states: VIDEO_STATES }, { deleted_at: at, updated_at: at }))) throw videoNotFound();
      const now = (await tx.videos.getById(id)) ?? { ...video, deleted_at: at, updated_at: at };
      await appendVideoEvent(tx, this.publisher, 'video.deleted', now);
      return now;
    });
    // Soft delete keeps a finished object; an unfinished upload has nothing worth keeping. A complete
    // racing this delete sees the video deleted and neither processes nor bills it.
    if (deleted.state === 'uploading' && deleted.upload_id) await this.blobs.abortMultipart(deleted.s3_key, deleted.upload_id).catch(() => undefined);
  }

  async usage(app: App): Promise<VideoUsage> {
    const org = await this.storage.orgs.get(app.org_id);
    const { count, durationSeconds } = await this.storage.videos.usage(app.id);
    const balance = org?.credits_micro ?? 0;
    return { balanceMicroCredits: balance, balanceDollars: formatDollars(balance), totalVideos: count, totalDurationMinutes: Math.round((durationSeconds / 60) * 100) / 100 };
  }

  async initiate(app: App, input: { videoId: string; contentType?: string }): Promise<{ uploadId: string }> {
    // Before anything else, so a type that is refused leaves nothing behind.
    const contentType = parseContentType(input.contentType ?? DEFAULT_CONTENT_TYPE);
    let video = await this.own(app, input.videoId);
    if (UPLOADED.includes(video.state)) throw new AppError('conflict', 'The video has already been uploaded');
    const uploadId = await this.blobs.createMultipart(video.s3_key, contentType.base);
    const at = nowIso();
    const patch = { state: 'uploading', upload_id: uploadId, content_type: contentType.base, content_type_params: contentType.params, updated_at: at } as const;
    // A new initiate replaces an unfinished upload, as a client restarting from scratch expects: the
    // one it replaces is the one it read, so initiates racing each other each abort exactly the upload
    // they took over (read again when another initiate got there first), and none is left behind.
    for (let attempt = 0; ; attempt++) {
      const replaced = video;
      const started = await this.storage.transaction(async (tx) => {
        if (!(await tx.videos.updateIf(replaced.id, { states: ['created', 'uploading'], uploadId: replaced.upload_id }, patch))) return false;
        await appendVideoEvent(tx, this.publisher, 'video.upload_started', { ...replaced, ...patch });
        return true;
      });
      if (started) {
        if (replaced.state === 'uploading' && replaced.upload_id) await this.blobs.abortMultipart(replaced.s3_key, replaced.upload_id).catch(() => undefined);
        return { uploadId };
      }
      const now = await this.storage.videos.get(app.id, replaced.id);
      if (!now || attempt >= INITIATE_ATTEMPTS || !['created', 'uploading'].includes(now.state)) {
        await this.blobs.abortMultipart(replaced.s3_key, uploadId).catch(() => undefined);
        if (!now) throw videoNotFound();
        throw new AppError('conflict', UPLOADED.includes(now.state) ? 'The video has already been uploaded' : 'The video changed while the upload was being initiated');
      }
      video = now;
    }
  }

  async presignPart(app: App, input: { videoId: string; uploadId: string; partNumber: number }): Promise<{ presignedUrl: string }> {
    const video = await this.own(app, input.videoId);
    if (video.upload_id !== input.uploadId || video.state !== 'uploading') throw uploadNotFound();
    try {
      return { presignedUrl: await this.blobs.presignPart(video.s3_key, input.uploadId, input.partNumber, this.options.partUrlTtlSeconds) };
    } catch (e) {
      throw isBlobError(e) ? blobHttpError(e) : e;
    }
  }

  /**
   * Assembles the parts; nothing is billed here: the processing workflow bills what it measures. A
   * complete that dies half-way leaves the video `completing`; the reconciler finishes it (or rolls it
   * back) from what the blob store holds.
   */
  async complete(app: App, input: CompleteInput): Promise<void> {
    const video = await this.own(app, input.videoId);
    if (video.upload_id !== input.uploadId) throw uploadNotFound();
    if (UPLOADED.includes(video.state)) throw alreadyUploaded(video);
    const client: ClientValues = {
      ...(input.durationInSecs === undefined ? {} : { durationInSecs: input.durationInSecs }),
      ...(input.width === undefined ? {} : { width: Math.round(input.width) }),
      ...(input.height === undefined ? {} : { height: Math.round(input.height) }),
      ...(input.fps === undefined ? {} : { fps: input.fps }),
    };
    // The seed debits the duration the client states, so a client that states one learns at once when
    // the organization cannot pay for it (402, and it may top up and complete again); what is billed
    // is still what the server measures.
    if (input.durationInSecs !== undefined) {
      const required = videoCost(input.durationInSecs, this.options.pricePerMinuteMicro);
      const balance = (await this.storage.orgs.get(app.org_id))?.credits_micro ?? 0;
      if (balance < required) throw new AppError('payment_required', `Insufficient credits: a video of ${input.durationInSecs} s costs ${required} micro-credits`, {}, { required_micro: required, balance_micro: balance });
    }
    // What the client said is kept with the claim, so a reconciler finishing this complete has it too.
    if (!(await this.storage.videos.updateIf(video.id, { states: ['uploading'], uploadId: input.uploadId }, { state: 'completing', client_values: JSON.stringify(client), updated_at: nowIso() }))) {
      const now = await this.own(app, input.videoId);
      throw now.upload_id === input.uploadId && UPLOADED.includes(now.state) ? alreadyUploaded(now) : uploadNotFound();
    }
    let size: number;
    const renewal = setInterval(() => {
      this.storage.videos.updateIf(video.id, { states: ['completing'], uploadId: input.uploadId }, { updated_at: nowIso() }).catch((e: unknown) => this.options.logger?.warn({ err: e, video: video.id }, 'the claim of a complete in progress could not be renewed'));
    }, this.options.completeRenewMs ?? 10_000);
    try {
      size = (await this.blobs.completeMultipart(video.s3_key, input.uploadId, input.parts.map((p) => ({ partNumber: p.partNumber, etag: p.etag })))).size;
    } catch (e) {
      // S3 keeps an upload whose complete failed: the client may fix its part list and complete again.
      await this.storage.videos.updateIf(video.id, { states: ['completing'], uploadId: input.uploadId }, { state: 'uploading', updated_at: nowIso() });
      throw isBlobError(e) ? blobHttpError(e) : e;
    } finally {
      clearInterval(renewal);
    }
    // The object is whole now. A reconciler that found it missing while this complete was still
    // assembling it (a slow store, past CAPSTAN_VIDEO_COMPLETE_TIMEOUT_SECONDS) put the video back to
    // uploading: it is taken from there too, or the client would hear success for a video never processed.
    const outcome = await this.startProcessing(video.id, input.uploadId, size, ['completing', 'uploading']);
    if (outcome === 'deleted') throw videoNotFound();
    if (outcome === 'gone') throw uploadNotFound();
  }

  /**
   * Videos whose complete died between assembling the object and recording it (its claim unrenewed
   * for `stuckForMs`): finished when the object is there, otherwise back to `uploading` (the multipart
   * upload still exists) so the client can complete again. A video deleted meanwhile is settled as
   * failed, never processed nor billed.
   */
  async reconcile(stuckForMs: number, limit = 100): Promise<number> {
    const stuck = await this.storage.videos.stuckCompleting(new Date(Date.now() - stuckForMs).toISOString(), limit);
    for (const video of stuck) {
      if (video.deleted_at !== null || !video.upload_id) {
        await this.storage.videos.updateIf(video.id, { states: ['completing'], deletedToo: true }, { state: 'failed', failure_reason: 'deleted', updated_at: nowIso() });
        continue;
      }
      const stat = await this.blobs.stat(video.s3_key);
      if (stat) await this.startProcessing(video.id, video.upload_id, stat.size, ['completing']);
      else await this.storage.videos.updateIf(video.id, { states: ['completing'], uploadId: video.upload_id }, { state: 'uploading', updated_at: nowIso() });
    }
    return stuck.length;
  }

  /**
   * Moves a completed upload to processing, with its workflow and event. A video deleted meanwhile is
   * settled as failed instead (its object is kept like any deleted video's, and nothing is billed);
   * 'moved' means another path (the reconciler, a second complete) already took it on, 'gone' that
   * the upload is no longer the video's (aborted, or expired).
   */
  private async startProcessing(videoId: string, uploadId: string, size: number, from: readonly VideoState[]): Promise<'started' | 'deleted' | 'moved' | 'gone'> {
    const workflowId = newId('wf');
    const patch = { state: 'processing', size_bytes: size, workflow_id: workflowId, updated_at: nowIso() } as const;
    const outcome = await this.storage.transaction(async (tx) => {
      const video = await tx.videos.getById(videoId);
      if (!video || video.upload_id !== uploadId) return 'gone';
      if (!from.includes(video.state)) return 'moved';
      if (video.deleted_at !== null) {
        await tx.videos.updateIf(videoId, { states: from, uploadId, deletedToo: true }, { state: 'failed', failure_reason: 'deleted', updated_at: nowIso() });
        return 'deleted';
      }
      if (!(await tx.videos.updateIf(videoId, { states: from, uploadId }, patch))) return 'moved';
      await this.workflows.enqueue(tx, { kind: VIDEO_WORKFLOW, orgId: video.org_id, resourceId: video.id, input: { video_id: video.id } satisfies VideoWorkflowInput, id: workflowId });
      await appendVideoEvent(tx, this.publisher, 'video.uploaded', { ...video, ...patch });
      return 'started';
    });
    if (outcome === 'started') this.workflows.wake();
    return outcome;
  }

  async abort(app: App, input: { videoId: string; uploadId: string }): Promise<void> {
    const video = await this.own(app, input.videoId);
    if (video.upload_id !== input.uploadId) throw uploadNotFound();
    if (UPLOADED.includes(video.state)) throw alreadyUploaded(video);
    const at = nowIso();
    await this.storage.transaction(async (tx) => {
      if (!(await tx.videos.updateIf(video.id, { states: ['uploading'], uploadId: input.uploadId }, { state: 'created', upload_id: null, updated_at: at }))) throw uploadNotFound();
      await appendVideoEvent(tx, this.publisher, 'video.upload_aborted', { ...video, state: 'created', upload_id: null, updated_at: at });
    });
    try {
      await this.blobs.abortMultipart(video.s3_key, input.uploadId);
    } catch (e) {
      // The abort is recorded and announced: it holds whatever the store says. Already gone (expired)
      // is what it wanted; a store that failed or could not be reached keeps the upload's parts until
      // the sweep of abandoned uploads (CAPSTAN_MULTIPART_EXPIRY_SECONDS) aborts it.
      if (!isBlobError(e, 'NoSuchUpload')) this.options.logger?.warn({ err: e, video: video.id }, 'the store did not abort the upload; the sweep of abandoned uploads will');
    }
  }

  /**
   * Uploads the blob store expired (abandoned past CAPSTAN_MULTIPART_EXPIRY_SECONDS): a video still
   * naming one goes back to `created`, announced as aborted, so presign, complete and abort answer
   * NoSuchUpload and the client knows to initiate again, instead of being handed URLs that cannot work.
   */
  async uploadsExpired(expired: readonly { readonly key: string; readonly uploadId: string }[]): Promise<void> {
    for (const { key, uploadId } of expired) {
      const videoId = videoIdOfKey(key);
      if (videoId === undefined) continue;
      const at = nowIso();
      await this.storage.transaction(async (tx) => {
        const video = await tx.videos.getById(videoId);
        if (!video || video.upload_id !== uploadId) return;
        if (!(await tx.videos.updateIf(videoId, { states: ['uploading'], uploadId }, { state: 'created', upload_id: null, updated_at: at }))) return;
        await appendVideoEvent(tx, this.publisher, 'video.upload_aborted', { ...video, state: 'created', upload_id: null, updated_at: at });
      });
    }
  }

  /** A live video for the public share and embed pages (anyone with the link), by id alone. */
  async publicVideo(id: string): Promise<VideoRow> {
    const video = await this.storage.videos.getById(id);
    if (!video || video.deleted_at !== null) throw videoNotFound();
    return video;
  }

  /**
   * What the pages play: the rendition of a ready video (H.264/AAC MP4, index first). A video made
   * ready before renditions existed has none, and plays its upload as it is.
   */
  async media(id: string): Promise<PublicMedia> {
    const video = await this.publicVideo(id);
    if (video.state !== 'ready') throw new AppError('not_found', 'The video is not ready to play yet');
    const key = video.rendition_key ?? video.s3_key;
    return this.publicObject(video, key, video.rendition_key === null ? video.content_type : 'video/mp4');
  }

  /** The poster image (JPEG) of a ready video. */
  async poster(id: string): Promise<PublicMedia> {
    const video = await this.publicVideo(id);
    if (video.state !== 'ready' || video.poster_key === null) throw new AppError('not_found', 'The video has no poster image');
    return this.publicObject(video, video.poster_key, 'image/jpeg');
  }

  private async publicObject(video: VideoRow, key: string, contentType: string): Promise<PublicMedia> {
    const stat = await this.blobs.stat(key);
    if (!stat) throw new AppError('not_found', 'The video\'s file is gone');
    return { video, stat, contentType, open: (range) => this.blobs.get(key, range) };
  }

  private async own(app: App, id: string): Promise<VideoRow> {
    const video = await this.storage.videos.get(app.id, id);
    if (!video) throw videoNotFound();
    return video;
  }
}
