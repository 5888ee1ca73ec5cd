// Server-sent event streams of the admin API through the browser's EventSource (same origin, so the
// session cookie goes along). Named events only; the page reconnects itself with a backoff, resuming
// after the last event id through a query parameter where the stream has one, so a reopened stream
// neither skips nor repeats. stream.expired ends the session in the page; stream.draining (a node
// shutting down) reconnects after the delay it asks for; stream.stale_resume (a cursor older than
// the replay window) goes on live without it; stream.overflow (a reader too slow) resumes after the
// last event it got.
//
// A browser opens at most six HTTP/1.1 connections to a server, and each open stream holds one: six
// console tabs would leave none for a seventh tab, or for a call of any of them. So a tab that is
// hidden closes its streams after HIDDEN_GRACE_MS and opens them again when it is shown, resuming
// after the last event (or, for a stream without a cursor, from the full frames it starts with). A
// tab opened in the background opens none until it is shown. Behind HTTP/2 none of this is needed,
// and none of it hurts.
import { ADMIN, ApiError, sessionLost } from './http.js';

/** paused: closed while the tab is hidden, to open again when it is shown. */
export type StreamState = 'connecting' | 'open' | 'reconnecting' | 'paused' | 'closed';

export interface StreamOptions {
  readonly query?: Record<string, string | undefined>;
  /** Named events and what to do with each one's JSON data and id. */
  readonly events: Record<string, (data: unknown, id: string) => void>;
  readonly onState?: (state: StreamState) => void;
  /** The stream was refused for good (an unknown scope, a bad cursor): the server's {code, error}. */
  readonly onError?: (error: ApiError) => void;
  /** The cursor was older than the server's replay window: the stream goes on live from now. */
  readonly onStaleCursor?: () => void;
  /** The query parameter that resumes after an event id ("after"). */
  readonly resumeParam?: string;
}

export interface Stream {
  close(): void;
}

const FIRST_DELAY_MS = 1000;
const MAX_DELAY_MS = 30_000;
/** How long a hidden tab keeps its streams: a glance at another tab reconnects nothing. */
const HIDDEN_GRACE_MS = 5000;

const tabHidden = (): boolean => document.visibilityState === 'hidden';

export function openStream(path: string, options: StreamOptions): Stream {
  let source: EventSource | null = null;
  let closed = false;
  let opened = false;
  let lastId: string | undefined;
  /** Set once the server said the cursor is too old: reconnect without one. */
  let stale = false;
  let delay = FIRST_DELAY_MS;
  let timer: ReturnType<typeof setTimeout> | undefined;
  /** Closed while the tab is hidden: nothing reconnects until it is shown. */
  let paused = false;
  /** Set while a hidden tab's grace runs. */
  let hiding: ReturnType<typeof setTimeout> | undefined;
  const setState = (s: StreamState) => options.onState?.(s);

  const drop = () => {
    source?.close();
    source = null;
  };
  const pause = () => {
    hiding = undefined;
    if (closed) return;
    paused = true;
    clearTimeout(timer);
    drop();
    setState('paused');
  };
  const onVisibility = () => {
    if (tabHidden()) {
      if (!paused) hiding ??= setTimeout(pause, HIDDEN_GRACE_MS);
      return;
    }
    clearTimeout(hiding);
    hiding = undefined;
    if (!paused) return;
    paused = false;
    delay = FIRST_DELAY_MS;
    connect();
  };
  const stop = () => {
    closed = true;
    clearTimeout(timer);
    clearTimeout(hiding);
    document.removeEventListener('visibilitychange', onVisibility);
    drop();
    setState('closed');
  };
  const later = (ms: number) => {
    if (closed || paused) return;
    setState('reconnecting');
    clearTimeout(timer);
    timer = setTimeout(connect, ms);
  };
  /**
   * EventSource never shows why a stream was refused, so a stream that failed before it opened is
   * asked for again with fetch: a 401 ends the session, another 4xx is final and reported; anything
   * else (the server restarting, a 5xx, a network error) is retried with a growing delay.
   */
  const retry = async (probe: URL | null) => {
    drop();
    if (probe) {
      const refused = await refusal(probe);
      if (closed) return;
      if (refused) {
        stop();
        if (refused.status === 401) sessionLost(refused.code);
        else options.onError?.(refused);
        return;
      }
    }
    later(delay);
    delay = Math.min(delay * 2, MAX_DELAY_MS);
  };

  function connect(): void {
    if (closed || paused) return;
    const url = new URL(ADMIN + path, window.location.origin);
    for (const [k, v] of Object.entries(options.query ?? {})) if (v) url.searchParams.set(k, v);
    if (options.resumeParam && lastId) url.searchParams.set(options.resumeParam, lastId);
    else if (options.resumeParam && stale) url.searchParams.delete(options.resumeParam);
    opened = false;
    setState('connecting');
    const es = new EventSource(url.toString());
    source = es;
    es.onopen = () => {
      opened = true;
      delay = FIRST_DELAY_MS;
      setState('open');
    };
    for (const [name, handle] of Object.entries(options.events)) {
      es.addEventListener(name, (e) => {
        const m = e as MessageEvent<string>;
        if (m.lastEventId) lastId = m.lastEventId;
        let data: unknown;
        try {
          data = JSON.parse(m.data);
        } catch {
          return;
        }
        try {
          handle(data, m.lastEventId);
        } catch (err) {
          console.error(`the ${name} handler of ${path} failed`, err);
        }
      });
    }
    // The session's end (reason token_expired) or a sign-out elsewhere (signed_out): the page says which.
    es.addEventListener('stream.expired', (e) => {
      let reason: unknown;
      try {
        reason = (JSON.parse((e as MessageEvent<string>).data) as { reason?: unknown }).reason;
      } catch {
        // a frame without a reason: the session expired
      }
      stop();
      sessionLost(reason === 'signed_out' ? 'signed_out' : 'session_expired');
    });
    es.addEventListener('stream.unauthorized', () => void retry(url));
    es.addEventListener('stream.stale_resume', () => {
      stale = true;
      lastId = undefined;
      drop();
      options.onStaleCursor?.();
      later(FIRST_DELAY_MS);
    });
    es.addEventListener('stream.draining', (e) => {
      let wait = FIRST_DELAY_MS;
      try {
        const d = JSON.parse((e as MessageEvent<string>).data) as { retry_ms?: unknown };
        if (typeof d.retry_ms === 'number' && d.retry_ms > 0) wait = Math.min(d.retry_ms, MAX_DELAY_MS);
      } catch {
        // a draining frame without a delay: the default one
      }
      drop();
      later(wait);
    });
    es.onerror = () => {
      if (closed || source !== es) return;
      void retry(opened ? null : url);
    };
  }

  document.addEventListener('visibilitychange', onVisibility);
  if (tabHidden()) pause();
  else connect();
  return { close: stop };
}

/** The final refusal of a stream URL, if it is refused: its status and {code, error}. */
async function refusal(url: URL): Promise<ApiError | null> {
  const abort = new AbortController();
  try {
    const res = await fetch(url, { credentials: 'same-origin', headers: { accept: 'text/event-stream' }, signal: abort.signal });
    if (res.ok || res.status === 429 || res.status >= 500) return null;
    const body = (await res.json().catch(() => ({}))) as { code?: unknown; error?: unknown };
    return new ApiError(res.status, typeof body.code === 'string' ? body.code : `http_${res.status}`, typeof body.error === 'string' ? body.error : `The server answered ${res.status}`);
  } catch {
    return null;
  } finally {
    abort.abort();
  }
}
