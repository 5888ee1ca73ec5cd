// Puts a fuzzed request on the wire and reads the first final answer: through undici where it agrees
// to send the request as it is, otherwise over a bare socket with the framing asked for. Streams and
// upgrades are read up to their headers and then dropped.
import net from 'node:net';
import { Client } from 'undici';
import type { Answer } from './answers.js';
import type { FuzzRequest } from './http-requests.js';

export type Outcome = { readonly answer: Answer; readonly via: 'client' | 'raw' } | { readonly failure: string; readonly via: 'client' | 'raw' };

const ANSWER_TIMEOUT_MS = 10_000;

const isStream = (contentType: string | undefined) => contentType?.startsWith('text/event-stream') ?? false;

export async function send(baseUrl: string, req: FuzzRequest): Promise<Outcome> {
  if (req.framing === 'client') {
    const sent = await sendWithClient(baseUrl, req);
    if (sent !== 'refused by the client') return sent;
  }
  return sendRaw(baseUrl, req);
}

/**
 * One connection per request: a shared undici Pool (or Agent) fed these requests ended up with requests
 * that never settled, timeouts included, while the server kept answering every other client.
 */
async function sendWithClient(baseUrl: string, req: FuzzRequest): Promise<Outcome | 'refused by the client'> {
  const client = new Client(baseUrl, { pipelining: 1, headersTimeout: ANSWER_TIMEOUT_MS, bodyTimeout: ANSWER_TIMEOUT_MS });
  try {
    return await requestWith(client, req);
  } finally {
    void client.destroy().catch(() => undefined);
  }
}

async function requestWith(client: Client, req: FuzzRequest): Promise<Outcome | 'refused by the client'> {
  let res;
  try {
    res = await client.request({ path: req.target, method: req.method, headers: req.headers.flatMap(([k, v]) => [k, v]), body: req.body, signal: AbortSignal.timeout(ANSWER_TIMEOUT_MS) });
  } catch (e) {
    const code = (e as { code?: string }).code;
    // undici checks methods, paths and header values before it sends anything: such a request goes raw.
    if (code === 'UND_ERR_INVALID_ARG' || code === 'UND_ERR_NOT_SUPPORTED' || e instanceof TypeError) return 'refused by the client';
    return { failure: `no answer: ${code ?? ''} ${(e as Error).message}`, via: 'client' };
  }
  const headers: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(res.headers)) headers[k] = Array.isArray(v) ? v.join(', ') : v;
  let body: string | undefined;
  if (req.method === 'HEAD' || isStream(headers['content-type'])) {
    res.body.on('error', () => undefined);
    res.body.destroy();
  } else {
    try {
      body = await res.body.text();
    } catch (e) {
      return { failure: `the ${res.statusCode} answer's body was cut: ${(e as Error).message}`, via: 'client' };
    }
  }
  return { answer: { status: res.statusCode, headers, body }, via: 'client' };
}

/** The request's bytes, framed (or misframed) as `req.framing` says; the connection closes after it. */
export function rawRequest(host: string, req: FuzzRequest): Buffer {
  const f = req.framing;
  const eol = f === 'bare-lf' ? '\n' : '\r\n';
  const body = req.body ?? Buffer.alloc(0);
  const lines = [`${req.method} ${req.target} ${f === 'http10' ? 'HTTP/1.0' : 'HTTP/1.1'}`];
  if (f !== 'no-host') lines.push(`Host: ${host}`);
  lines.push('Connection: close');
  for (const [k, v] of req.headers) lines.push(`${k}: ${v}`);
  if (f === 'expect-continue') lines.push('Expect: 100-continue');
  if (f === 'bad-header-name') lines.push('Bad Header: x');
  let payload = body;
  if (f === 'chunked' || f === 'chunked-bad' || f === 'length-and-chunked') {
    lines.push('Transfer-Encoding: chunked');
    if (f === 'length-and-chunked') lines.push(`Content-Length: ${body.length}`);
    const size = f === 'chunked-bad' ? 'zz' : body.length.toString(16);
    payload = Buffer.concat([body.length > 0 ? Buffer.concat([Buffer.from(`${size}\r\n`), body, Buffer.from('\r\n')]) : Buffer.alloc(0), Buffer.from('0\r\n\r\n')]);
  } else if (f === 'length-short') lines.push(`Content-Length: ${body.length + 10}`);
  else if (f === 'length-long') lines.push(`Content-Length: ${Math.max(0, body.length - 5)}`);
  else if (f === 'two-lengths') lines.push(`Content-Length: ${body.length}`, `Content-Length: ${body.length + 1}`);
  else if (body.length > 0 || ['POST', 'PUT', 'PATCH'].includes(req.method)) lines.push(`Content-Length: ${body.length}`);
  if (f === 'header-stall') return Buffer.from(lines.join(eol) + eol, 'utf8');
  const head = Buffer.from(lines.join(eol) + eol + eol, 'utf8');
  const prefix = f === 'garbage-before' ? Buffer.from('\x00\x01GARBAGE \x7f\r\n') : Buffer.alloc(0);
  return Buffer.concat([prefix, head, payload]);
}

interface Head {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly size: number;
}

function parseHead(buf: Buffer): Head | undefined {
  const end = buf.indexOf('\r\n\r\n');
  if (end < 0) return undefined;
  const [statusLine = '', ...lines] = buf.subarray(0, end).toString('latin1').split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { status: Number(statusLine.split(' ')[1]), headers, size: end + 4 };
}

/** A chunked body, once complete. */
function dechunk(buf: Buffer): Buffer | undefined {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const eol = buf.indexOf('\r\n', at);
    if (eol < 0) return undefined;
    const size = parseInt(buf.subarray(at, eol).toString('latin1'), 16);
    if (Number.isNaN(size)) return Buffer.concat(parts);
    if (size === 0) return Buffer.concat(parts);
    if (buf.length < eol + 2 + size + 2) return undefined;
    parts.push(buf.subarray(eol + 2, eol + 2 + size));
    at = eol + 2 + size + 2;
  }
}

async function sendRaw(baseUrl: string, req: FuzzRequest): Promise<Outcome> {
  const { hostname, port, host } = new URL(baseUrl);
  const socket = net.connect(Number(port), hostname);
  socket.on('error', () => undefined);
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
  } catch (e) {
    return { failure: `could not connect: ${(e as Error).message}`, via: 'raw' };
  }
  let received = Buffer.alloc(0);
  try {
    return await new Promise<Outcome>((resolve) => {
      const settle = (outcome: Outcome) => {
        clearTimeout(timer);
        resolve(outcome);
      };
      const timer = setTimeout(() => settle({ failure: `no complete answer within ${ANSWER_TIMEOUT_MS} ms; received ${JSON.stringify(received.toString('latin1').slice(0, 300))}`, via: 'raw' }), ANSWER_TIMEOUT_MS);
      const attempt = (closed: boolean) => {
        let head = parseHead(received);
        // Interim answers (100 Continue) come before the final one.
        while (head && head.status >= 100 && head.status < 200 && head.status !== 101) {
          received = received.subarray(head.size);
          head = parseHead(received);
        }
        if (!head) {
          if (closed) settle({ failure: `the connection closed without an answer; received ${JSON.stringify(received.toString('latin1').slice(0, 300))}`, via: 'raw' });
          return;
        }
        const done = (body: string | undefined) => settle({ answer: { status: head.status, headers: head.headers, body }, via: 'raw' });
        const rest = received.subarray(head.size);
        if (head.status === 101 || req.method === 'HEAD' || isStream(head.headers['content-type'])) return done(undefined);
        if (head.headers['transfer-encoding']?.toLowerCase() === 'chunked') {
          const body = dechunk(rest);
          if (body) return done(body.toString('utf8'));
        } else if (head.headers['content-length'] !== undefined) {
          const length = Number(head.headers['content-length']);
          if (rest.length >= length) return done(rest.subarray(0, length).toString('utf8'));
        } else if (closed || head.status === 204 || head.status === 304) return done(rest.toString('utf8'));
        if (closed) settle({ failure: `the connection closed in the middle of a ${head.status} answer`, via: 'raw' });
      };
      socket.on('data', (chunk: Buffer) => {
        received = Buffer.concat([received, chunk]);
        attempt(false);
      });
      socket.on('close', () => attempt(true));
      socket.write(rawRequest(host, req));
    });
  } finally {
    socket.destroy();
  }
}
