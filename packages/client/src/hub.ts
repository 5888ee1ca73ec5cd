// The community hub's event stream (seed 004) over fetch streaming, so the contact token travels in
// Authorization (EventSource cannot send it). Resumes with Last-Event-ID after a cut, a drain or a
// token refresh; terminal events decide what happens next.
import { Channel, takenCursor } from './channel.js';
import { isHubEventType } from './event-types.js';
import { CapstanError } from './errors.js';
import type { HttpCore } from './http.js';
import { linkedController, Reconnector, type ReconnectOptions } from './reconnect.js';
import { DEFAULT_IDLE_TIMEOUT_MS, openEventStream, readEventStream } from './sse.js';
import { parseJsonObject, TERMINAL_TYPES } from './terminal.js';
import { hasExpired } from './token-expiry.js';
import type { HubStreamItem, TerminalEvent, TerminalType } from './types.js';

/** A fixed token, or a function that returns a fresh one (called again when the token expires). */
export type HubAuth =
  | { readonly hubId: string; readonly token: string; readonly getToken?: () => Promise<string> }
  | { readonly hubId: string; readonly getToken: () => Promise<string>; readonly token?: string };

export interface HubEventsOptions extends ReconnectOptions {
  /** Resume after this event id (a UUIDv7 you stored). */
  readonly lastEventId?: string;
  readonly signal?: AbortSignal;
  /**
   * With no byte for this long (the server sends a heartbeat every 25 s) the connection is taken for
   * dead and resumed. Default 100 s; 0 turns the watch off.
   */
  readonly idleTimeoutMs?: number;
}

export interface HubEventStream extends AsyncIterable<HubStreamItem> {
  /** The id of the last event delivered: store it to resume later. */
  readonly lastEventId: string | undefined;
  /** Stops the stream and closes its connection (so it no longer counts against the contact's 5). */
  close(): void;
}

export class HubClient {
  constructor(private readonly http: HttpCore) {}

  /**
   * Live hub events. `expired` calls getToken and reconnects where it stopped (a fixed token without
   * getToken ends with `token_expired`); `unauthorized` ends with `access_revoked`; `draining` waits
   * retry_ms and reconnects; `stale_resume` is yielded (reload your state) and the stream continues
   * without a cursor. A 429 (`too_many_connections`: the contact holds 5 streams) waits Retry-After
   * and tries again, up to `maxRetries`.
   */
  events(auth: HubAuth, options: HubEventsOptions = {}): HubEventStream {
    if (typeof auth?.hubId !== 'string' || (typeof auth.token !== 'string' && typeof auth.getToken !== 'function')) {
      throw new CapstanError({ status: 0, code: 'invalid_request', message: 'hub.events takes {hubId, token} or {hubId, getToken}' });
    }
    const { controller: life, dispose } = linkedController(options.signal ?? new AbortController().signal);
    const channel = new Channel<HubStreamItem>(() => life.abort());
    let cursor = options.lastEventId;
    const run = async (): Promise<void> => {
      const signal = life.signal;
      const reconnect = new Reconnector(options, signal);
      let token = auth.token ?? (await tokenFrom(auth.getToken!));
      let refreshed = false;
      while (!signal.aborted) {
        const headers: Record<string, string> = { authorization: `Bearer ${token}` };
        if (cursor !== undefined) headers['last-event-id'] = cursor;
        const { controller, dispose: detach } = linkedController(signal);
        let res: Response;
        try {
          res = await openEventStream({ fetch: this.http.fetchImpl, url: this.http.url('/realtime/events', { hub_id: auth.hubId }), headers, signal: controller.signal, idleTimeoutMs: options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS });
        } catch (e) {
          detach();
          if (e instanceof CapstanError && e.status === 401) {
            if (auth.getToken && !refreshed) {
              // The token may have expired while we were away: one fresh token, then the 401 stands.
              refreshed = true;
              token = await tokenFrom(auth.getToken);
              continue;
            }
            throw hasExpired(token) ? tokenExpired(auth.getToken !== undefined, e) : e;
          }
          await reconnect.afterFailure(e);
          continue;
        }
        refreshed = false;
        let terminal: TerminalEvent | undefined;
        try {
          for await (const message of readEventStream(res, { signal: controller.signal, idleTimeoutMs: options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS, onRetry: (ms) => (reconnect.serverRetryMs = ms), onFirstBytes: () => reconnect.opened() })) {
            const data = parseJsonObject(message.data);
            if (message.id === undefined) {
              if (TERMINAL_TYPES.has(message.event)) {
                terminal = { type: message.event as TerminalType, data: data ?? {} };
                break;
              }
              continue;
            }
            // A frame whose data is not a JSON object is not Capstan's: skipped, the stream goes on.
            if (!data) continue;
            cursor = message.id;
            const name = message.event || 'message';
            channel.push(isHubEventType(name) ? { id: message.id, type: name, data } : { id: message.id, type: 'unknown', event: name, data });
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
          case 'stream.expired':
            if (!auth.getToken) throw tokenExpired(false);
            token = await tokenFrom(auth.getToken);
            refreshed = true;
            break;
          case 'stream.unauthorized':
            throw new CapstanError({ status: 403, code: terminal.data.reason === 'key_revoked' ? 'key_revoked' : 'access_revoked', message: 'The server ended the stream: this contact no longer has access to the hub' });
          case 'stream.draining':
            await reconnect.afterDrain(terminal.data.retry_ms);
            break;
          case 'stream.stale_resume':
            channel.push({ id: undefined, type: 'stream.stale_resume', data: { retention_seconds: terminal.data.retention_seconds ?? 0 } });
            cursor = undefined;
            break;
          case 'stream.overflow':
            // Nothing is lost: resume from the cursor at once.
            break;
        }
      }
    };
    // Stopping (close(), the signal, leaving the loop) ends the iteration quietly; anything else that
    // ends the stream is thrown from it.
    run().then(
      () => channel.end(),
      (e: unknown) => (life.signal.aborted ? channel.end() : channel.fail(e)),
    ).finally(dispose);
    const { iterator, taken } = takenCursor(channel, options.lastEventId);
    return {
      [Symbol.asyncIterator]: () => iterator,
      get lastEventId() {
        return taken();
      },
      close: () => life.abort(),
    };
  }
}

/**
 * The end of a stream whose token expired, told the same way whether the server ended the open
 * stream (`stream.expired`) or refused to open it with the token (a 401 the token's own `exp` explains).
 */
function tokenExpired(fromGetToken: boolean, refusal?: CapstanError): CapstanError {
  const message = fromGetToken ? 'getToken returned a contact token that has already expired' : 'The contact token expired and no getToken was given to renew it';
  return new CapstanError({ status: 401, code: 'token_expired', message, requestId: refusal?.requestId, cause: refusal });
}

/** The caller's getToken, whose failure ends the stream as a CapstanError (`token_unavailable`) carrying it as `cause`. */
async function tokenFrom(getToken: () => Promise<string>): Promise<string> {
  try {
    return await getToken();
  } catch (e) {
    throw new CapstanError({ status: 0, code: 'token_unavailable', message: `getToken failed: ${e instanceof Error ? e.message : String(e)}`, cause: e });
  }
}
