// One webhook attempt: POST the body to the endpoint with the SSRF guard applied again (DNS
// re-resolved, the connection pinned to the checked address), no redirect followed, a deadline over
// the whole exchange, and at most a few KiB of the answer read. Never throws: every way an attempt
// can end is an outcome the delivery log records.
import http from 'node:http';
import https from 'node:https';
import { pinnedLookup, type CheckedTarget } from '../util/safe-fetch.js';
import { isWebhookError } from './errors.js';
import { parseEndpointUrl, resolveEndpoint, type UrlPolicy } from './url-policy.js';

export type AttemptOutcome =
  /** 2xx: delivered. */
  | 'success'
  /** 410 Gone: the receiver asks for no more; the endpoint is disabled. */
  | 'gone'
  /** 3xx: redirects are not followed. */
  | 'redirect'
  /** Any other status. */
  | 'http_error'
  | 'timeout'
  /** Refused before connecting: the URL now resolves to a non-public address, or is no longer acceptable. */
  | 'blocked'
  /** DNS failure, refused or reset connection, a receiver that closed before answering. */
  | 'network';

export interface AttemptResult {
  readonly outcome: AttemptOutcome;
  readonly statusCode: number | null;
  readonly error: string | null;
  /** The start of the answer's body (at most maxResponseBytes), for the delivery log. */
  readonly responseBody: string | null;
  readonly durationMs: number;
}

export interface SendOptions extends UrlPolicy {
  readonly timeoutMs: number;
  readonly maxResponseBytes: number;
}

function outcomeOf(status: number): AttemptOutcome {
  if (status >= 200 && status < 300) return 'success';
  if (status === 410) return 'gone';
  if (status >= 300 && status < 400) return 'redirect';
  return 'http_error';
}

export async function sendWebhook(rawUrl: string, headers: Readonly<Record<string, string>>, body: string, options: SendOptions): Promise<AttemptResult> {
  const started = performance.now();
  const done = (outcome: AttemptOutcome, statusCode: number | null, error: string | null, responseBody: string | null = null): AttemptResult => ({
    outcome,
    statusCode,
    error,
    responseBody,
    durationMs: Math.round(performance.now() - started),
  });
  const message = (e: unknown) => (e instanceof Error ? e.message : 'url refused');
  let url: URL;
  try {
    url = parseEndpointUrl(rawUrl, options);
  } catch (e) {
    return done('blocked', null, message(e));
  }
  let target: CheckedTarget;
  try {
    target = await resolveEndpoint(url, options);
  } catch (e) {
    return done(isWebhookError(e) && e.code === 'url_not_allowed' ? 'blocked' : 'network', null, message(e));
  }
  const remaining = options.timeoutMs - (performance.now() - started);
  if (remaining <= 0) return done('timeout', null, `no answer within ${options.timeoutMs} ms`);

  return new Promise<AttemptResult>((resolve) => {
    let settled = false;
    // Set once the answer's status is in: from then on the attempt has an outcome, whatever its body does.
    let answered: (() => void) | undefined;
    const finish = (r: AttemptResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(r);
    };
    const client = url.protocol === 'https:' ? https : http;
    const payload = Buffer.from(body, 'utf8');
    // A fresh connection per attempt (no pooled socket to an address checked for another attempt).
    const req = client.request(url, {
      method: 'POST',
      agent: false,
      lookup: pinnedLookup(target),
      headers: { ...headers, 'content-type': 'application/json', 'content-length': String(payload.length) },
    }, (res) => {
      const status = res.statusCode ?? 0;
      const chunks: Buffer[] = [];
      let size = 0;
      const settle = () => {
        const text = Buffer.concat(chunks).toString('utf8');
        const outcome = outcomeOf(status);
        const error = outcome === 'success' ? null : outcome === 'redirect' ? `HTTP ${status}: redirects are not followed` : `HTTP ${status}`;
        finish(done(outcome, status, error, text === '' ? null : text));
        res.destroy();
      };
      answered = settle;
      // The status decides; the body is only kept for the log, so a huge or endless answer is cut.
      res.on('data', (chunk: Buffer) => {
        const room = options.maxResponseBytes - size;
        if (room > 0) chunks.push(chunk.subarray(0, room));
        size += chunk.length;
        if (size >= options.maxResponseBytes) settle();
      });
      res.on('end', settle);
      res.on('error', settle);
      res.on('aborted', settle);
    });
    // A receiver that sent its status but is still sending its body has answered: its status
    // stands (a 200 is a delivery, not a timeout to send again), with the body so far.
    const timer = setTimeout(() => {
      if (answered) answered();
      else finish(done('timeout', null, `no answer within ${options.timeoutMs} ms`));
      req.destroy();
    }, remaining);
    req.on('error', (e: NodeJS.ErrnoException) => finish(done('network', null, e.code ? `connection failed (${e.code})` : 'connection failed')));
    req.end(payload);
  });
}
