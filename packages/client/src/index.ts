// @capstan/client: one entry, `createClient`, with a property per surface.
import { DocumentsClient } from './documents.js';
import { CapstanError } from './errors.js';
import { HttpCore, type FetchLike } from './http.js';
import { HubClient } from './hub.js';
import { OrganizerClient } from './organizer.js';
import { VideosClient } from './videos.js';
import type { WebSocketConstructor } from './websocket.js';

export const VERSION = '0.2.0';

export interface CapstanOptions {
  /** Where Capstan answers, e.g. https://api.example.com (a path prefix is kept). */
  readonly baseUrl: string;
  /** Organization key (capout_test_… / capout_live_…): documents and organizer. */
  readonly apiKey?: string;
  /** App secret key (csk_…), server-side only: the developer REST API. */
  readonly secretKey?: string;
  /** App public key (cpk_…): the developer SDK API (create, upload). */
  readonly publicKey?: string;
  /** Default: the platform's fetch. */
  readonly fetch?: FetchLike;
  /** Default: globalThis.WebSocket (browsers, Node 22+); on Node 20 pass the ws package's. */
  readonly WebSocket?: WebSocketConstructor;
  /**
   * The longest a request waits for its answer to begin (default 30 s; 0: as long as the platform
   * waits). Past it the call fails with `network_error`. Uploads (`documents.upload`,
   * `organizer.uploadFiles`, video parts) are not bounded by it: pass a signal to bound those.
   */
  readonly timeoutMs?: number;
}

export class Capstan {
  readonly documents: DocumentsClient;
  readonly hub: HubClient;
  readonly organizer: OrganizerClient;
  readonly videos: VideosClient;

  constructor(options: CapstanOptions) {
    const fetchImpl: FetchLike = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
    const { timeoutMs } = options;
    // A timer longer than 2^31 - 1 ms fires at once: refused like any other value that is not a wait.
    if (timeoutMs !== undefined && !(Number.isInteger(timeoutMs) && timeoutMs >= 0 && timeoutMs <= 2_147_483_647)) {
      throw new CapstanError({ status: 0, code: 'invalid_request', message: `timeoutMs must be a whole number of milliseconds from 0 to 2147483647, not ${String(timeoutMs)}` });
    }
    const http = new HttpCore(options.baseUrl, fetchImpl, timeoutMs);
    this.documents = new DocumentsClient(http, options.apiKey, options.WebSocket);
    this.hub = new HubClient(http);
    this.organizer = new OrganizerClient(http, options.apiKey, options.WebSocket);
    this.videos = new VideosClient(http, options.secretKey, options.publicKey);
  }
}

export const createClient = (options: CapstanOptions): Capstan => new Capstan(options);

export { CapstanError, isCapstanError } from './errors.js';
export type { CapstanErrorCode, ClientErrorCode, ServerErrorCode } from './errors.js';
export type { BackoffOptions } from './backoff.js';
export type { ReconnectOptions } from './reconnect.js';
export type { Credential, FetchLike } from './http.js';
export { SseParser } from './sse.js';
export type { SseMessage, SseParserOptions } from './sse.js';
export type { WebSocketConstructor, WebSocketLike, WebSocketCloseEventLike, WebSocketMessageEventLike } from './websocket.js';
export { DocumentsClient } from './documents.js';
export type { UploadSource, UploadOptions, WatchOptions } from './documents.js';
export type { DocumentWatch } from './documents-watch.js';
export { HUB_EVENT_TYPES, VIDEO_EVENT_TYPES } from './event-types.js';
export { HubClient } from './hub.js';
export type { HubAuth, HubEventsOptions, HubEventStream } from './hub.js';
export { OrganizerClient } from './organizer.js';
export type { FileToUpload, JobSource, OrganizerSocket, OrganizerSocketOptions, UploadFilesOptions } from './organizer.js';
export { VideosClient, DEFAULT_PART_SIZE } from './videos.js';
export type { VideoUploadOptions, VideoUploadProgress, VideoUploadResult, VideoUploadState } from './videos.js';
export type { VideoEventsOptions, VideoEventStream } from './video-events.js';
export type * from './types.js';
