// A streaming multipart/form-data reader: parts come one at a time, each body an async iterable of
// chunks that must be consumed (or skipped) before the next part. Nothing is buffered beyond one
// network chunk plus a boundary's length; header blocks and text fields have small fixed bounds.
import { isUtf8 } from 'node:buffer';
import { AppError } from '../../http/index.js';

export interface MultipartPart {
  readonly name: string;
  /** Present for file parts (possibly empty: a form submitted with no file chosen). */
  readonly filename: string | undefined;
  readonly contentType: string | undefined;
  readonly body: AsyncIterable<Buffer>;
}

const MAX_HEADER_BYTES = 8 * 1024;
const CRLF = Buffer.from('\r\n');
const HEADER_END = Buffer.from('\r\n\r\n');

const malformed = (why: string) => new AppError('invalid_request', `Malformed multipart body: ${why}`);

/** The boundary of a multipart/form-data content type, or undefined. */
export function boundaryOf(contentType: string | undefined): string | undefined {
  if (!contentType || !/^multipart\/form-data\b/i.test(contentType)) return undefined;
  const m = /;\s*boundary=(?:"([^"]{1,70})"|([^\s;"]{1,70}))/i.exec(contentType);
  return m?.[1] ?? m?.[2];
}

/** The escapes a browser writes in a quoted name (WHATWG HTML, multipart/form-data encoding). */
const NAME_ESCAPES: Readonly<Record<string, string>> = { '%0A': '\n', '%0D': '\r', '%22': '"' };

/**
 * A part's name and filename, parsed as the Fetch standard's multipart/form-data parser does: a
 * quoted value ends at the next `"`, a backslash is itself (a Windows path arrives as it is, so its
 * last segment is the file's name, as in a JSON upload), and only `%0A`, `%0D` and `%22` are escapes.
 * A `filename*` (RFC 8187) wins over `filename` when both are given.
 */
function parseDisposition(value: string): { name: string; filename: string | undefined } {
  const param = (key: string): string | undefined => {
    const m = new RegExp(`;\\s*${key}=(?:"([^"\\r\\n]*)"|([^;\\s]*))`, 'i').exec(value);
    if (!m) return undefined;
    return m[1] !== undefined ? m[1].replace(/%0A|%0D|%22/g, (e) => NAME_ESCAPES[e] ?? e) : m[2];
  };
  const plain = param('filename');
  const extended = extendedFilename(value, plain !== undefined);
  return { name: param('name') ?? '', filename: extended ?? (plain === undefined ? undefined : utf8Name(plain)) };
}

/**
 * A quoted name as browsers send it, raw UTF-8 that Node read as latin1. Bytes that are not UTF-8 are
 * refused, as in a JSON body, rather than stored as U+FFFD.
 */
function utf8Name(latin1: string): string {
  const bytes = Buffer.from(latin1, 'latin1');
  if (!isUtf8(bytes)) throw malformed('the filename is not valid UTF-8');
  return bytes.toString('utf8');
}

/** `filename*=charset'language'value` (RFC 8187): the charset and the percent-encoded value. */
const EXTENDED_FILENAME = /;\s*filename\*=([^';\s]*)'[^';\s]*'([^;\s]*)/i;

/**
 * The name a `filename*` gives, decoded from its charset: UTF-8, or ISO-8859-1, the two RFC 8187 has
 * every recipient read. Undefined without one (or with an empty value), and for another charset when
 * a plain `filename` speaks for it (RFC 6266 §4.3: it is there for recipients that cannot read the
 * other); alone, such a name is refused rather than its file dropped as if it were a field.
 */
function extendedFilename(disposition: string, hasPlainName: boolean): string | undefined {
  const m = EXTENDED_FILENAME.exec(disposition);
  const charset = m?.[1]?.toLowerCase();
  const encoded = m?.[2];
  if (charset === undefined || !encoded) return undefined;
  if (charset !== 'utf-8' && charset !== 'iso-8859-1') {
    if (hasPlainName) return undefined;
    throw malformed(`filename* is in the charset ${JSON.stringify(m?.[1])}; send it in UTF-8 or ISO-8859-1`);
  }
  const bytes = percentDecoded(encoded);
  if (charset === 'iso-8859-1') return bytes.toString('latin1');
  if (!isUtf8(bytes)) throw malformed('filename* is not valid UTF-8');
  return bytes.toString('utf8');
}

/** The bytes of a percent-encoded value (read as latin1, one character a byte, as Node read the header). */
function percentDecoded(encoded: string): Buffer {
  if (/%(?![0-9A-Fa-f]{2})/.test(encoded)) throw malformed('filename* is not valid percent-encoding');
  return Buffer.from(encoded.replace(/%([0-9A-Fa-f]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16))), 'latin1');
}

export async function* readMultipart(source: AsyncIterable<Buffer | string>, boundary: string): AsyncGenerator<MultipartPart> {
  const it = source[Symbol.asyncIterator]();
  const delimiter = Buffer.from(`\r\n--${boundary}`);
  // The first delimiter has no CRLF before it when there is no preamble: pretend there was one.
  let buf: Buffer = CRLF;
  let ended = false;
  const pull = async (): Promise<boolean> => {
    if (ended) return false;
    const next = await it.next();
    if (next.done) {
      ended = true;
      return false;
    }
    buf = Buffer.concat([buf, typeof next.value === 'string' ? Buffer.from(next.value) : next.value]);
    return true;
  };
  // Skip the preamble up to the first delimiter.
  for (;;) {
    const at = buf.indexOf(delimiter);
    if (at >= 0) {
      buf = buf.subarray(at + delimiter.length);
      break;
    }
    buf = buf.subarray(Math.max(0, buf.length - delimiter.length));
    if (!(await pull())) throw malformed('no boundary found');
  }
  for (;;) {
    while (buf.length < 2) if (!(await pull())) throw malformed('ends inside a boundary');
    if (buf[0] === 0x2d && buf[1] === 0x2d) return;
    // Transport padding after the boundary is allowed; the header block starts after its CRLF.
    let eol = buf.indexOf(CRLF);
    while (eol < 0) {
      if (buf.length > MAX_HEADER_BYTES) throw malformed('header block too large');
      if (!(await pull())) throw malformed('ends inside a boundary');
      eol = buf.indexOf(CRLF);
    }
    buf = buf.subarray(eol + 2);
    let end = buf.indexOf(HEADER_END);
    const emptyHeaders = buf.subarray(0, 2).equals(CRLF);
    while (!emptyHeaders && end < 0) {
      if (buf.length > MAX_HEADER_BYTES) throw malformed('header block too large');
      if (!(await pull())) throw malformed('ends inside part headers');
      end = buf.indexOf(HEADER_END);
    }
    const headerText = emptyHeaders ? '' : buf.subarray(0, end).toString('latin1');
    // As in HTTP's own headers: a NUL would reach storage with the part's type, and no text holds one.
    if (headerText.includes('\0')) throw malformed('a part header holds a NUL character');
    buf = buf.subarray(emptyHeaders ? 2 : end + 4);
    const headers = new Map<string, string>();
    for (const line of headerText.split('\r\n')) {
      const colon = line.indexOf(':');
      if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
    }
    const disposition = headers.get('content-disposition');
    if (!disposition || !/^form-data\b/i.test(disposition)) throw malformed('a part has no Content-Disposition: form-data');
    const { name, filename } = parseDisposition(disposition);

    let done = false;
    async function* body(): AsyncGenerator<Buffer> {
      for (;;) {
        const at = buf.indexOf(delimiter);
        if (at >= 0) {
          const chunk = buf.subarray(0, at);
          buf = buf.subarray(at + delimiter.length);
          done = true;
          if (chunk.length > 0) yield chunk;
          return;
        }
        // Keep a possible partial delimiter at the end; hand out the rest.
        const safe = buf.length - (delimiter.length - 1);
        if (safe > 0) {
          const chunk = buf.subarray(0, safe);
          buf = buf.subarray(safe);
          yield chunk;
        }
        if (!(await pull())) throw malformed('ends inside a part');
      }
    }
    yield { name, filename, contentType: headers.get('content-type'), body: body() };
    // Whatever the consumer left unread is skipped (a fresh reader continues from the shared buffer).
    if (!done) for await (const chunk of body()) void chunk;
  }
}

/** Reads a text field whole, refusing more than `max` bytes. */
export async function readField(body: AsyncIterable<Buffer>, max: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > max) throw new AppError('invalid_request', `A form field is longer than ${max} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}
