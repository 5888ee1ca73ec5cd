// Headers a request gives once. Node keeps the first of two `Host` or `Authorization` headers and
// drops the other, and joins two `capout-api-key`s with ", ": a request naming two hosts (RFC 9112
// §3.2: a server MUST answer 400) or carrying two credentials would be served on whichever one Node
// kept, and a proxy in front may have kept the other. Which was meant is not guessed: such a request
// is refused, as a query parameter given twice is, before any credential is read.
import type { IncomingMessage } from 'node:http';

/** The headers counted, as their messages name them; found by their lower-cased names. */
const ONCE = ['Host', 'Authorization', 'capout-api-key', 'X-CSRF-Token'] as const;
const LOWER = ONCE.map((name) => name.toLowerCase());
/** The lengths of those names: most headers are passed over without being lower-cased. */
const LENGTHS = new Set(LOWER.map((name) => name.length));

/** RFC 3986's host (an IP literal, or a name or IPv4 address) and optional port, as RFC 9110 §7.2 has Host. */
const HOST = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9\-._~%!$&'()*+,;=]*)(?::[0-9]*)?$/;

/**
 * Why `req`'s headers cannot be taken as sent, or undefined when they can: an HTTP/1.1 request
 * without `Host`, a `Host` that is not a host and port, or `Host` or a credential header
 * (`Authorization`, `capout-api-key`, `X-CSRF-Token`) given more than once. Counted in the raw
 * headers, where Node's merged view has already dropped or joined the repeats.
 */
export function malformedHeaders(req: IncomingMessage): string | undefined {
  const counts = countOnceHeaders(req.rawHeaders);
  const [hosts = 0] = counts;
  if (hosts === 0 && req.httpVersion === '1.1') return 'An HTTP/1.1 request needs a Host header';
  if (hosts > 1) return `A request has one Host header; this one has ${hosts}`;
  // A value that is no host and port, such as the `a, b` a proxy makes of two Host headers, is as
  // ambiguous as two of them (RFC 9112 §3.2).
  if (hosts === 1 && !HOST.test(req.headers.host ?? '')) return 'The Host header is not a host name or address with an optional port';
  for (let i = 1; i < ONCE.length; i++) {
    const count = counts[i] ?? 0;
    if (count > 1) return `The ${ONCE[i]} header is given ${count} times: send one credential, once`;
  }
  return undefined;
}

/** How many times each header of ONCE occurs in `rawHeaders` (names and values alternating). */
function countOnceHeaders(rawHeaders: readonly string[]): number[] {
  const counts = ONCE.map(() => 0);
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i] ?? '';
    if (!LENGTHS.has(name.length)) continue;
    const at = LOWER.indexOf(name.toLowerCase());
    if (at >= 0) counts[at] = (counts[at] ?? 0) + 1;
  }
  return counts;
}
