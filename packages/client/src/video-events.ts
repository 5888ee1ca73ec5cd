// The developer video events streams over fetch streaming: the app's (GET /api/developer/v1/events,
// secret key) and one video's (GET /api/developer/sdk/v1/videos/{id}/events, public key, for the page
// that uploaded it). Named frames resumed with Last-Event-ID after a cut, a drain or an overflow, the
// way the hub stream is. App keys do not expire, so the only ends the server decides are a revoked
// (regenerated) key and, for the public key, an Origin the app no longer allows.
import { Channel, takenCursor } from './channel.js';
import { isVideoEventType } from './event-types.js';
import { CapstanError } from './errors.js';
import type { HttpCore } from './http.js';
import { linkedController, Reconnector, type ReconnectOptions } from './reconnect.js';
import { DEFAULT_IDLE_TIMEOUT_MS, openEventStream, readEventStream } from './sse.js';
import { parseJsonObject, TERMINAL_TYPES } from './terminal.js';
import type { TerminalEvent, TerminalType, VideoEventData, VideoStreamItem } from './types.js';

export const VIDEO_EVENTS_PATH = '/api/developer/v1/events';
export const videoWatchPath = (videoId: string): string => `/api/developer/sdk/v1/videos/${encodeURIComponent(videoId)}/events`;

/** Which stream, with which key. */
export interface VideoStreamTarget {
  readonly path: string;
  readonly key: string;
  readonly kind: 'secret' | 'public';
}

export interface VideoEventsOptions extends ReconnectOptions {
  /** Only these videos (up to 100); the stream then opens with a `video.status` item for each. */
  readonly videoIds?: readonly string[];
  /** Resume after this event id (a UUIDv7 you stored). */
  readonly lastEventId?: string;
  readonly signal?: AbortSignal;
  /** No byte for this long means a dead connection, resumed. Default 100 s; 0 turns the watch off. */
  readonly idleTimeoutMs?: number;
}

export interface VideoEventStream extends AsyncIterable<VideoStreamItem> {
  /**
   * The id of the last event the loop has taken (not merely received): store it to resume later, and
   * nothing it has not handled is skipped.
   */
  readonly lastEventId: string | undefined;
  /**
   * Resolves when the first connection is live (the server's `stream.subscribed`): from then on no
   * event is missed, so a video created after it is seen from its first event. Rejects when the
   * stream ends before that.
   */
  readonly subscribed: Promise<void>;
  /** Stops the stream and closes its connection (it counts against the key's open streams). */
  close(): void;
}

/**
 * Opens the stream. `stream.draining` waits retry_ms and resumes; `stream.overflow` resumes at once;
 * `stream.stale_resume` is yielded (reload your state) and the stream goes on without a cursor;
 * `stream.unauthorized` ends it with `key_revoked` (the key was regenerated) or `origin_not_allowed`
 * (the public key's Origin was taken off the app's list).
 */
export function openVideoEvents(http: HttpCore, target: VideoStreamTarget, options: VideoEventsOptions): VideoEventStream {
  const { controller: life, dispose } = linkedController(options.signal ?? new AbortController().signal);
  const channel = new Channel<VideoStreamItem>(() => life.abort());
  /** The last id received: where a reconnect resumes. */
  let cursor = options.lastEventId;
  let markSubscribed: () => void = () => undefined;
  let failSubscribed: (e: unknown) => void = () => undefined;
  const subscribed = new Promise<void>((resolve, reject) => {
    markSubscribed = resolve;
    failSubscribed = reject;
  });
  // Callers who only iterate never look at it: its rejection must not go unhandled.
  subscribed.catch(() => undefined);
  const url = http.url(target.path, { video_id: options.videoIds?.length ? options.videoIds : undefined });

  const run = async (): Promise<void> => {
    const signal = life.signal;
    const reconnect = new Reconnector(options, signal);
    while (!signal.aborted) {
      const headers: Record<string, string> = { authorization: `Bearer ${target.key}` };
      if (cursor !== undefined) headers['last-event-id'] = cursor;
      const { controller, dispose: detach } = linkedController(signal);
      let res: Response;
      try {
        res = await openEventStream({ fetch: http.fetchImpl, url, headers, signal: controller.signal, idleTimeoutMs: options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS });
      } catch (e) {
        detach();
        await reconnect.afterFailure(e);
        continue;
      }
      let terminal: TerminalEvent | undefined;
      try {
        for await (const message of readEventStream(res, { signal: controller.signal, idleTimeoutMs: options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS, onRetry: (ms) => (reconnect.serverRetryMs = ms), onFirstBytes: () => reconnect.opened() })) {
          const data = parseJsonObject(message.data);
          if (message.id === undefined) {
            if (TERMINAL_TYPES.has(message.event)) {
              terminal = { type: message.event as TerminalType, data: data ?? {} };
              break;
            }
            if (message.event === 'stream.subscribed') markSubscribed();
            else if (message.event === 'video.status' && data) channel.push({ id: undefined, type: 'video.status', data: data as unknown as VideoEventData });
            continue;
          }
          // A frame whose data is not a JSON object is not Capstan's: skipped, the stream goes on.
          if (!data) continue;
          cursor = message.id;
          const name = message.event || 'message';
          channel.push(isVideoEventType(name) ? { id: message.id, type: name, data: data as unknown as VideoEventData } : { id: message.id, type: 'unknown', event: name, data });
        }
      } catch (e) {
        if (signal.aborted) break;
        if (!(e instanceof CapstanError) || e.code !== 'network_error') throw e;
      } finally {
        controller.abort();
        detach();
      }
      if (signal.aborted) break;
      if (!terminal) {
        await reconnect.afterCut();
        continue;
      }
      switch (terminal.type) {
        case 'stream.unauthorized':
          if (terminal.data.reason === 'origin_not_allowed') throw new CapstanError({ status: 403, code: 'origin_not_allowed', message: 'The server ended the stream: this Origin is no longer one the app allows' });
          throw new CapstanError({ status: 401, code: 'key_revoked', message: `The server ended the stream: the ${target.kind} key was revoked (the app's keys were regenerated)` });
        case 'stream.draining':
          await reconnect.afterDrain(terminal.data.retry_ms);
          break;
        case 'stream.stale_resume':
          channel.push({ id: undefined, type: 'stream.stale_resume', data: { retention_seconds: terminal.data.retention_seconds ?? 0 } });
          cursor = undefined;
          break;
        case 'stream.overflow':
        case 'stream.expired':
          // Nothing is lost: resume from the cursor at once (a key that no longer holds answers 401).
          break;
      }
    }
  };
  // Stopping (close(), the signal, leaving the loop) ends the iteration quietly; anything else that
  // ends the stream is thrown from it.
  run().then(
    () => channel.end(),
    (e: unknown) => {
      failSubscribed(e);
      if (life.signal.aborted) channel.end();
      else channel.fail(e);
    },
  ).finally(() => {
    dispose();
    failSubscribed(new CapstanError({ status: 0, code: 'aborted', message: 'The stream was closed before it was live' }));
  });
  const { iterator, taken } = takenCursor(channel, options.lastEventId);
  return {
    [Symbol.asyncIterator]: () => iterator,
    get lastEventId() {
      return taken();
    },
    subscribed,
    close: () => life.abort(),
  };
}
