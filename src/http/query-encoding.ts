// Query strings are decoded leniently by the router's parser: `%ZZ` stays the text "%ZZ", a `%E9`
// alone becomes U+FFFD and `%00` a NUL, which then reach filters and storage (PostgreSQL refuses a
// NUL in text; SQLite cuts the text short at it). Paths with bad percent-encoding are refused; a
// query is held to the same rule, and to whole UTF-8 without U+0000 once decoded.

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const ESCAPE = /%([0-9a-fA-F]{2})?/g;

/** Why the query string of `url` cannot be decoded as sent, or undefined when it can (or has none). */
export function malformedQuery(url: string): string | undefined {
  const start = url.indexOf('?');
  if (start < 0) return undefined;
  const query = url.slice(start + 1);
  if (!query.includes('%')) return undefined;
  for (const part of query.split('&')) {
    if (!part.includes('%')) continue;
    const bytes: number[] = [];
    let last = 0;
    for (const m of part.matchAll(ESCAPE)) {
      if (m[1] === undefined) return 'The query string is not valid: it has malformed percent-encoding';
      for (const c of Buffer.from(part.slice(last, m.index), 'latin1')) bytes.push(c);
      bytes.push(Number.parseInt(m[1], 16));
      last = m.index + m[0].length;
    }
    if (bytes.includes(0)) return 'The query string is not valid: it holds %00 (U+0000)';
    try {
      utf8.decode(Uint8Array.from(bytes));
    } catch {
      return 'The query string is not valid: its percent-encoding is not UTF-8';
    }
  }
  return undefined;
}
