// Developer videos (seed 003): the SDK API with the public key (create, multipart upload of a Blob in
// parts, in parallel, resumable, abortable; one video's status and events, for the page that uploaded
// it) and the REST API with the secret key (list, get, status, delete, usage, polling until a video is
// ready, and the app's video events stream).
import { backoffDelay, sleep } from './backoff.js';
import { contentTypeRefusal } from './content-type.js';
import { randomId } from './encoding.js';
import { abortedError, CapstanError, parseRetryAfter } from './errors.js';
import { networkError, errorFromResponse, type HttpCore } from './http.js';
import { openVideoEvents, VIDEO_EVENTS_PATH, videoWatchPath, type VideoEventsOptions, type VideoEventStream } from './video-events.js';
import type { CompleteUploadRequest, CreateVideoRequest, CreateVideoResponse, UploadedPart, Video, VideoStatus, VideoUsage } from './types.js';

const SDK = '/api/developer/sdk/v1';
const REST = '/api/developer/v1';
/** S3's smallest part (every part but the last), the server's default too. */
export const DEFAULT_PART_SIZE = 5 * 1024 * 1024;
/** Tries of one step (create, initiate, a part's presign and PUT) before its error is the upload's. */
const STEP_ATTEMPTS = 3;
/** Waits between tries of a step: about 0.5 s then 1 s, jittered so clients cut off together return apart. */
const STEP_BACKOFF = { initialMs: 250, maxMs: 5_000 };
/** How often a complete is asked again while another complete of the upload is in flight. */
const COMPLETE_ATTEMPTS = 30;
/** Stands for a part not known to this call in a complete that only asks how the upload ended. */
const NO_PART_ETAG = '"no-such-part"';

/** What to keep (localStorage, IndexedDB) to resume an upload after a page reload. */
export interface VideoUploadState {
  readonly videoId: string;
  readonly uploadId: string;
  readonly parts: readonly UploadedPart[];
}

export interface VideoUploadProgress {
  readonly uploadedBytes: number;
  readonly totalBytes: number;
  readonly partsDone: number;
  readonly partsTotal: number;
}

export interface VideoUploadOptions {
  /** Upload into this video instead of creating one. */
  readonly videoId?: string;
  /** Fields of the video created when neither videoId nor resume is given. */
  readonly create?: CreateVideoRequest;
  /**
   * Default: the Blob's type, else video/mp4. A video/* or audio/* type: any other is refused (400
   * invalid_request) before the video is created.
   */
  readonly contentType?: string;
  /** Bytes per part (every part but the last at least the server's minimum, 5 MiB). */
  readonly partSize?: number;
  /** Parts in flight at once. Default 3. */
  readonly concurrency?: number;
  /** A state handed out by onState earlier: parts already uploaded are not sent again. */
  readonly resume?: VideoUploadState;
  /** Called after initiate and after each part: keep the latest to resume after a reload. */
  readonly onState?: (state: VideoUploadState) => void;
  readonly onProgress?: (progress: VideoUploadProgress) => void;
  /** Aborting stops the parts in flight and aborts the upload on the server (its parts are discarded). */
  readonly signal?: AbortSignal;
  /** Sent with complete, for the record only: the server measures the file itself. */
  readonly complete?: CompleteUploadRequest;
}

export interface VideoUploadResult {
  readonly videoId: string;
  readonly uploadId: string;
  readonly parts: readonly UploadedPart[];
}

export class VideosClient {
  constructor(
    private readonly http: HttpCore,
    private readonly secretKey: string | undefined,
    private readonly publicKey: string | undefined,
  ) {}

  private get secret() {
    return { kind: 'bearer', token: this.secretKey ?? '' } as const;
  }

  private get public() {
    return { kind: 'bearer', token: this.publicKey ?? '' } as const;
  }

  private sdk<T>(path: string, json: unknown, signal?: AbortSignal): Promise<T> {
    return this.http.request<T>({ method: 'POST', path: SDK + path, json, credential: this.public, signal });
  }

  // ---- SDK API (cpk_) ----

  /**
   * Creates a video. With `idempotencyKey`, a create retried after a lost answer returns the first
   * video instead of making a second (the server keeps the key 24 h per app).
   */
  create(body: CreateVideoRequest = {}, options: { readonly idempotencyKey?: string; readonly signal?: AbortSignal } | AbortSignal = {}): Promise<CreateVideoResponse> {
    const { signal, idempotencyKey } = options instanceof AbortSignal ? { signal: options, idempotencyKey: undefined } : options;
    return this.http.request<CreateVideoResponse>({
      method: 'POST',
      path: `${SDK}/videos/create`,
      json: body,
      credential: this.public,
      signal,
      headers: idempotencyKey === undefined ? {} : { 'idempotency-key': idempotencyKey },
    });
  }

  /** Aborts a multipart upload on the server (its parts are discarded). */
  async abortUpload(state: { videoId: string; uploadId: string }, signal?: AbortSignal): Promise<void> {
    await this.sdk('/upload/multipart/abort', { videoId: state.videoId, uploadId: state.uploadId }, signal);
  }

  /**
   * Uploads a Blob (a File, a recording) in parts: initiate → for each part presign and PUT (up to
   * `concurrency` at once) → complete. Creates the video first unless `videoId` or `resume` names one.
   */
  async upload(blob: Blob, options: VideoUploadOptions = {}): Promise<VideoUploadResult> {
    const signal = options.signal;
    if (signal?.aborted) throw abortedError(signal);
    if (typeof Blob === 'undefined' || !(blob instanceof Blob)) throw new CapstanError({ status: 0, code: 'invalid_request', message: 'upload takes a Blob (a File, a recording)' });
    const partSize = options.partSize ?? DEFAULT_PART_SIZE;
    if (!(partSize > 0)) throw new CapstanError({ status: 0, code: 'invalid_request', message: 'partSize must be a positive number of bytes' });
    const partsTotal = Math.max(1, Math.ceil(blob.size / partSize));
    const sizeOf = (n: number) => Math.min(partSize, blob.size - (n - 1) * partSize);
    // Refused before create, as initiate would refuse it after: an empty video would be left behind.
    const contentType = options.contentType || blob.type || 'video/mp4';
    const refusal = options.resume === undefined ? contentTypeRefusal(contentType) : undefined;
    if (refusal) throw refusal;
    // A create without an answer may have made the video: it is asked again under one Idempotency-Key,
    // so a retry returns that video rather than making a second. A second initiate replaces the
    // first, so any transient one is asked again too.
    const createKey = `upload-${randomId()}`;
    const videoId = options.resume?.videoId ?? options.videoId ?? (await retried(() => this.create(options.create, { idempotencyKey: createKey, signal }), createRetryable, signal)).videoId;
    const uploadId = options.resume?.uploadId ?? (await retried(() => this.sdk<{ uploadId: string }>('/upload/multipart/initiate', { videoId, contentType }, signal), transient, signal)).uploadId;
    const done = new Map<number, UploadedPart>();
    // Kept parts count only if they are the part this Blob would have at that number.
    for (const p of options.resume?.parts ?? []) if (p.partNumber >= 1 && p.partNumber <= partsTotal && p.size === sizeOf(p.partNumber)) done.set(p.partNumber, p);
    const state = (): VideoUploadState => ({ videoId, uploadId, parts: [...done.values()].sort((a, b) => a.partNumber - b.partNumber) });
    const report = () => {
      options.onState?.(state());
      let uploadedBytes = 0;
      for (const p of done.values()) uploadedBytes += p.size;
      options.onProgress?.({ uploadedBytes, totalBytes: blob.size, partsDone: done.size, partsTotal });
    };
    report();
    /** Sends the parts not yet done; the first that fails for good stops the others and is thrown. */
    const sendMissing = async (): Promise<void> => {
      const queue: number[] = [];
      for (let n = 1; n <= partsTotal; n++) if (!done.has(n)) queue.push(n);
      // One controller for every part in flight: the caller's abort, or the first failure, stops them all.
      const inFlight = new AbortController();
      const onAbort = () => inFlight.abort(signal?.reason);
      signal?.addEventListener('abort', onAbort, { once: true });
      let failed: { reason: unknown } | undefined;
      try {
        const worker = async () => {
          try {
            for (let n = queue.shift(); n !== undefined && !inFlight.signal.aborted; n = queue.shift()) {
              const start = (n - 1) * partSize;
              done.set(n, await this.putPart(videoId, uploadId, n, blob.slice(start, start + sizeOf(n)), inFlight.signal));
              report();
            }
          } catch (e) {
            if (!failed && !inFlight.signal.aborted) {
              failed = { reason: e };
              inFlight.abort(e);
            }
          }
        };
        await Promise.all(Array.from({ length: Math.max(1, Math.min(options.concurrency ?? 3, queue.length)) }, worker));
      } finally {
        signal?.removeEventListener('abort', onAbort);
        inFlight.abort();
      }
      if (signal?.aborted) {
        // Not with the caller's signal: it is aborted, and the server must still hear about it.
        await this.abortUpload({ videoId, uploadId }).catch(() => undefined);
        throw abortedError(signal);
      }
      if (failed) throw failed.reason;
    };
    // A part refused because the upload no longer exists may belong to an upload completed elsewhere
    // (a state saved before its last parts, resumed after another page finished it): the video says so.
    // One whose complete was in flight and then failed is open again, and its parts are sent once more.
    for (let round = 1; ; round++) {
      try {
        await sendMissing();
        break;
      } catch (e) {
        if (!isNoSuchUpload(e)) throw e;
        if (await this.completedElsewhere(state(), partsTotal, e, signal)) return state();
        if (round >= 2) throw e;
      }
    }
    const parts = state().parts;
    await this.complete({ videoId, uploadId, parts, ...options.complete }, signal);
    return { videoId, uploadId, parts };
  }

  /**
   * Asks the video whether an upload the server no longer takes parts for was completed: true when it
   * was, false when it is open again (a complete that was in flight failed). Otherwise (aborted,
   * expired, replaced by a new initiate, or the video deleted) it throws.
   *
   * The question is a complete, which answers an upload already completed (409 without Retry-After)
   * and one that is not the video's (404 NoSuchUpload) before it looks at the parts, and waits out a
   * complete still in flight. Parts not known here go with an ETag no part has, so that if the upload
   * is open again the complete fails (400 InvalidPart, changing nothing) instead of assembling a video
   * from the known parts alone.
   */
  private async completedElsewhere(known: VideoUploadState, partsTotal: number, refusal: CapstanError, signal: AbortSignal | undefined): Promise<boolean> {
    const byNumber = new Map(known.parts.map((p) => [p.partNumber, p]));
    const parts = Array.from({ length: partsTotal }, (_, i) => byNumber.get(i + 1) ?? { partNumber: i + 1, etag: NO_PART_ETAG, size: 0 });
    try {
      await this.complete({ videoId: known.videoId, uploadId: known.uploadId, parts }, signal);
      return true;
    } catch (e) {
      if (e instanceof CapstanError && e.status === 400 && e.message.startsWith('InvalidPart')) return false;
      if (!isNoSuchUpload(e)) throw e;
      throw new CapstanError({
        status: e.status, code: e.code, requestId: e.requestId, details: e.details, cause: refusal,
        message: `${e.message}. It was not completed: upload the Blob again, without resume`,
      });
    }
  }

  /**
   * complete. "Already complete" (409 without Retry-After: an earlier complete of this upload, whose
   * answer was lost, went through) is done; "being completed" (409 with Retry-After: another complete
   * is in flight, and may still fail) is asked again after the delay until it says how it ended.
   */
  /**
   * A complete is safe to send again: one that went through answers the next with 409 and no
   * Retry-After (already complete, which is done), one still running with Retry-After. So a complete
   * without an answer, or refused by a node that was draining, is sent again too.
   */
  private async complete(body: { videoId: string; uploadId: string; parts: readonly UploadedPart[] } & CompleteUploadRequest, signal: AbortSignal | undefined): Promise<void> {
    let failures = 0;
    for (let attempt = 1; ; attempt++) {
      try {
        await this.sdk('/upload/multipart/complete', body, signal);
        return;
      } catch (e) {
        if (!(e instanceof CapstanError)) throw e;
        if (e.status === 409 && e.code === 'conflict') {
          if (e.retryAfter === undefined) return;
          if (attempt >= COMPLETE_ATTEMPTS) throw e;
          await sleep(e.retryAfter, signal);
          continue;
        }
        if (signal?.aborted || !transient(e) || ++failures >= STEP_ATTEMPTS) throw e;
        await sleep(backoffDelay(failures, STEP_BACKOFF, e.retryAfter), signal);
      }
    }
  }

  /**
   * presign → PUT the bytes → the ETag. Either step failing for a moment (no answer, a 5xx such as a
   * node draining) tries the part again from the presign, so the retried PUT has a fresh URL too.
   */
  private putPart(videoId: string, uploadId: string, partNumber: number, bytes: Blob, signal: AbortSignal): Promise<UploadedPart> {
    return retried(async () => {
      const { presignedUrl } = await this.sdk<{ presignedUrl: string }>('/upload/multipart/presign-part', { videoId, uploadId, partNumber }, signal);
      const target = presignedUrl.split('?')[0] ?? presignedUrl;
      let res: Response;
      try {
        res = await this.http.fetchImpl(presignedUrl, { method: 'PUT', body: bytes, signal });
      } catch (e) {
        throw networkError(e, target, signal);
      }
      if (!res.ok) throw await partRefusal(res, target, partNumber);
      await res.body?.cancel().catch(() => undefined);
      const etag = res.headers.get('etag');
      if (!etag) throw new CapstanError({ status: res.status, code: 'invalid_response', message: 'The part upload answered without an ETag (is ETag exposed by the storage\'s CORS rules?)' });
      return { partNumber, etag, size: bytes.size };
    }, transient, signal);
  }

  // ---- REST API (csk_) ----

  async list(query: { userId?: string; limit?: number; offset?: number } = {}, signal?: AbortSignal): Promise<Video[]> {
    return (await this.http.request<{ data: Video[] }>({ path: `${REST}/videos`, query, credential: this.secret, signal })).data;
  }

  async get(videoId: string, signal?: AbortSignal): Promise<Video> {
    return (await this.http.request<{ data: Video }>({ path: `${REST}/videos/${encodeURIComponent(videoId)}`, credential: this.secret, signal })).data;
  }

  /**
   * The video's processing status. With only a public key (in a browser) it asks the SDK API's
   * status route, which answers the same for a video of the app.
   */
  async status(videoId: string, signal?: AbortSignal): Promise<VideoStatus> {
    const id = encodeURIComponent(videoId);
    const viaPublic = this.secretKey === undefined && this.publicKey !== undefined;
    return (await this.http.request<{ data: VideoStatus }>({ path: viaPublic ? `${SDK}/videos/${id}/status` : `${REST}/videos/${id}/status`, credential: viaPublic ? this.public : this.secret, signal })).data;
  }

  async delete(videoId: string, signal?: AbortSignal): Promise<void> {
    await this.http.request({ method: 'DELETE', path: `${REST}/videos/${encodeURIComponent(videoId)}`, credential: this.secret, signal });
  }

  async usage(signal?: AbortSignal): Promise<VideoUsage> {
    return (await this.http.request<{ data: VideoUsage }>({ path: `${REST}/usage`, credential: this.secret, signal })).data;
  }

  /**
   * The app's video events over SSE (video.created … video.deleted, each with the status shape),
   * resumed with Last-Event-ID after cuts and drains; a regenerated key ends it with `key_revoked`.
   */
  events(options: VideoEventsOptions = {}): VideoEventStream {
    return openVideoEvents(this.http, { path: VIDEO_EVENTS_PATH, key: this.secretKey ?? '', kind: 'secret' }, options);
  }

  /**
   * One video's events with the public key, for the page that uploaded it: a `video.status` item
   * first (unless resuming), then its events (`video.processing`, `video.ready`…) as `events()` yields
   * them, resumed after cuts and drains. Ends with `key_revoked` or `origin_not_allowed`.
   */
  watch(videoId: string, options: Omit<VideoEventsOptions, 'videoIds'> = {}): VideoEventStream {
    return openVideoEvents(this.http, { path: videoWatchPath(videoId), key: this.publicKey ?? '', kind: 'public' }, options);
  }

  /**
   * Polls the status until the video is ready or has failed (then `error` says why), as the seed
   * advises before showing a video.
   */
  async waitUntilReady(videoId: string, options: { intervalMs?: number; signal?: AbortSignal } = {}): Promise<VideoStatus> {
    for (;;) {
      const status = await this.status(videoId, options.signal);
      if (status.ready || status.error !== undefined) return status;
      await sleep(options.intervalMs ?? 1000, options.signal);
    }
  }
}

/** A failure another try may not meet: no answer, or the server (or a proxy before it) failing. */
const transient = (e: CapstanError): boolean => e.code === 'network_error' || e.status >= 500;

/**
 * A part PUT that failed: Capstan's own upload gateway answers `{error, code}`; an S3-style store
 * answers XML, whose `<Code>` and `<Message>` become a `storage_error` (status kept, so a 5xx is
 * tried again) instead of an `invalid_response` asking whether the base URL is Capstan's.
 */
async function partRefusal(res: Response, url: string, partNumber: number): Promise<CapstanError> {
  if (!/\bxml\b/i.test(res.headers.get('content-type') ?? '')) return errorFromResponse(res, url);
  const text = await res.text().catch(() => '');
  const storeCode = /<Code>([^<]{1,100})<\/Code>/.exec(text)?.[1];
  const storeMessage = /<Message>([^<]{1,500})<\/Message>/.exec(text)?.[1];
  const why = [storeCode, storeMessage].filter((x) => x !== undefined).join(': ') || `status ${res.status}`;
  return new CapstanError({
    status: res.status, code: 'storage_error', message: `The file store refused part ${partNumber} (${why}); a 403 is often an expired presigned URL or the bucket's CORS rules`,
    requestId: res.headers.get('x-amz-request-id') ?? undefined, retryAfterMs: parseRetryAfter(res.headers.get('retry-after')),
    details: { ...(storeCode === undefined ? {} : { store_code: storeCode }), ...(storeMessage === undefined ? {} : { store_message: storeMessage }) },
  });
}

/** The server's (or the file store's) answer for an upload that no longer exists. */
const isNoSuchUpload = (e: unknown): e is CapstanError => e instanceof CapstanError && e.status === 404 && (e.message.startsWith('NoSuchUpload') || e.details.store_code === 'NoSuchUpload');

/** A create under an Idempotency-Key: transient, or its first try still running (409 with Retry-After). */
const createRetryable = (e: CapstanError): boolean => transient(e) || (e.code === 'idempotency_conflict' && e.retryAfter !== undefined);

/** Runs one step of an upload, again after a failure `retryable` accepts, waiting Retry-After or backoff. */
async function retried<T>(step: () => Promise<T>, retryable: (e: CapstanError) => boolean, signal: AbortSignal | undefined): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await step();
    } catch (e) {
      if (signal?.aborted || !(e instanceof CapstanError) || !retryable(e) || attempt >= STEP_ATTEMPTS) throw e;
      await sleep(backoffDelay(attempt, STEP_BACKOFF, e.retryAfter), signal);
    }
  }
}
