// The HTTP hook: POSTs {videoId, path} as JSON to an operator's endpoint. A 2xx answer is COMPLETE
// and its body the transcript: JSON (segments, or a `transcript` string) when its Content-Type says
// so, otherwise the text itself (see readTranscript).
import { BoundedText } from './bounded-text.js';
import { readTranscript, TranscriptFormatError } from './transcript.js';
import type { Transcriber, TranscriptionInput, TranscriptionResult } from './transcriber.js';

export interface HttpTranscriberOptions {
  url: string;
  /** Sent with every request, e.g. an Authorization header the endpoint expects. */
  headers?: Readonly<Record<string, string>>;
  /** Covers the whole exchange, response body included. */
  timeoutMs?: number;
  /** Response body read at most; a longer transcript is ERROR rather than cut short. */
  maxResponseBytes?: number;
}

export const HTTP_TRANSCRIBER_DEFAULTS = {
  timeoutMs: 60_000,
  maxResponseBytes: 8 * 1024 * 1024,
} as const;

const ERROR_BODY_CHARS = 300;

type Defaulted = keyof typeof HTTP_TRANSCRIBER_DEFAULTS;
type Settings = HttpTranscriberOptions & Required<Pick<HttpTranscriberOptions, Defaulted>>;

export function httpTranscriber(options: HttpTranscriberOptions): Transcriber {
  const settings: Settings = {
    ...options,
    timeoutMs: options.timeoutMs ?? HTTP_TRANSCRIBER_DEFAULTS.timeoutMs,
    maxResponseBytes: options.maxResponseBytes ?? HTTP_TRANSCRIBER_DEFAULTS.maxResponseBytes,
  };
  return {
    engine: 'http',
    transcribe: (input, signal) => post(settings, input, signal),
  };
}

async function post(
  options: Settings,
  input: TranscriptionInput,
  signal: AbortSignal,
): Promise<TranscriptionResult> {
  signal.throwIfAborted();
  const timeout = AbortSignal.timeout(options.timeoutMs);
  try {
    const response = await fetch(options.url, {
      method: 'POST',
      headers: { ...options.headers, 'content-type': 'application/json' },
      body: JSON.stringify({ videoId: input.videoId, path: input.path }),
      signal: AbortSignal.any([signal, timeout]),
      redirect: 'error',
    });
    const body = await readBody(response, options.maxResponseBytes);
    if (!response.ok) {
      const said = body.text().trim().slice(0, ERROR_BODY_CHARS);
      return { status: 'ERROR', reason: `${options.url} answered ${response.status}${said ? `: ${said}` : ''}` };
    }
    if (body.truncated) return { status: 'ERROR', reason: `${options.url} answered a transcript larger than ${options.maxResponseBytes} bytes` };
    const json = /\bjson\b/i.test(response.headers.get('content-type') ?? '');
    try {
      return { status: 'COMPLETE', transcript: readTranscript(body.text(), json ? 'json' : 'sniff') };
    } catch (err) {
      if (err instanceof TranscriptFormatError) return { status: 'ERROR', reason: `${options.url} answered an unreadable transcript: ${err.message}` };
      throw err;
    }
  } catch (err) {
    if (signal.aborted) throw signal.reason;
    if (timeout.aborted) return { status: 'ERROR', reason: `${options.url} timed out after ${options.timeoutMs} ms` };
    return { status: 'ERROR', reason: `request to ${options.url} failed: ${describe(err)}` };
  }
}

async function readBody(response: Response, limit: number): Promise<BoundedText> {
  const text = new BoundedText(limit);
  if (response.body === null) return text;
  const reader = response.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    text.add(Buffer.from(value));
    if (text.truncated) {
      await reader.cancel();
      break;
    }
  }
  return text;
}

// fetch reports network failures as "fetch failed" with the useful part in `cause`.
function describe(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = err.cause;
  if (cause instanceof Error) return 'code' in cause && typeof cause.code === 'string' ? cause.code : cause.message;
  return err.message;
}
