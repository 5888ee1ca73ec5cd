// Serving a stored object over HTTP as RFC 9110 asks of a file server: its validators (ETag,
// Last-Modified), the conditional requests that use them (§13: If-Match and If-Unmodified-Since → 412,
// If-None-Match and If-Modified-Since → 304, If-Range), and one byte range (§14, range.ts). A video
// player revalidating, or a download manager resuming after the file changed, gets the right answer
// instead of the whole file again, or the new file's bytes spliced onto the old one's.
import { Readable } from 'node:stream';
import { Type } from '@sinclair/typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { replies, withErrorHeaders, type MediaResponse } from './contract.js';
import { AppError, type ErrorCode } from './errors.js';
import { sendNotModified } from './not-modified.js';
import { decideRange, type RangeDecision } from './range.js';

export interface StoredObject {
  readonly size: number;
  /** A strong entity tag, quoted ("…"), as the blob store gives it. */
  readonly etag: string;
  readonly lastModified: Date;
  readonly contentType: string;
  open(range?: { readonly start: number; readonly end: number }): Promise<Readable>;
}

/** The entity tags of an If-Match / If-None-Match / If-Range value; `*` is `any`. */
type TagList = { readonly any: true } | { readonly any: false; readonly tags: readonly { readonly weak: boolean; readonly opaque: string }[] };

const TAG = /(W\/)?"([^"]*)"/g;

function tagList(value: string): TagList {
  if (value.trim() === '*') return { any: true };
  return { any: false, tags: [...value.matchAll(TAG)].map((m) => ({ weak: m[1] !== undefined, opaque: m[2] ?? '' })) };
}

const opaqueOf = (etag: string): string => etag.replace(/^W\//, '').replace(/^"|"$/g, '');

/** Strong comparison (§8.8.3.2): neither tag weak, same opaque part. Capstan's tags are strong. */
const strongMatch = (list: TagList, etag: string): boolean => list.any || list.tags.some((t) => !t.weak && t.opaque === opaqueOf(etag));
/** Weak comparison: the opaque parts alone. */
const weakMatch = (list: TagList, etag: string): boolean => list.any || list.tags.some((t) => t.opaque === opaqueOf(etag));

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const MONTH = `(?<month>${MONTHS.join('|')})`;
const TIME = '(?<hours>\\d{2}):(?<minutes>\\d{2}):(?<seconds>\\d{2})';

/** The three forms of HTTP-date a recipient reads (§5.6.7): IMF-fixdate, RFC 850's (a two-digit year) and asctime's. */
const HTTP_DATES: readonly RegExp[] = [
  new RegExp(`^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), (?<day>\\d{2}) ${MONTH} (?<year>\\d{4}) ${TIME} GMT$`),
  new RegExp(`^(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday), (?<day>\\d{2})-${MONTH}-(?<year>\\d{2}) ${TIME} GMT$`),
  new RegExp(`^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) ${MONTH} (?<day>[ \\d]\\d) ${TIME} (?<year>\\d{4})$`),
];

/**
 * An HTTP date, or undefined for anything that is not one (such a header is ignored, §13.1.3): not
 * one of the three forms (Date.parse would also read "0", "2020" or ISO 8601), or not a real instant
 * (31 February, 24:00:00, which Date.parse rolls over into the next day).
 */
function httpDate(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const g = HTTP_DATES.map((form) => form.exec(value.trim())?.groups).find((groups) => groups !== undefined);
  if (!g) return undefined;
  const [day, hours, minutes, seconds] = [g.day, g.hours, g.minutes, g.seconds].map(Number) as [number, number, number, number];
  let year = Number(g.year);
  // A two-digit year more than 50 years ahead is of the century before (§5.6.7).
  if (g.year?.length === 2) year += 2000 + year > new Date().getUTCFullYear() + 50 ? 1900 : 2000;
  const at = new Date(Date.UTC(year, MONTHS.indexOf(g.month ?? ''), day, hours, minutes, seconds));
  const real = at.getUTCDate() === day && at.getUTCHours() === hours && at.getUTCMinutes() === minutes && at.getUTCSeconds() === seconds;
  return real ? at.getTime() : undefined;
}

/** Last-Modified goes out in whole seconds; compare against what the client was given. */
const seconds = (date: Date): number => Math.floor(date.getTime() / 1000) * 1000;

const header = (req: FastifyRequest, name: string): string | undefined => {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
};

/** Whether the Range header may be used: no If-Range, or one naming the current version (§13.1.5). */
function rangeStillApplies(ifRange: string | undefined, object: StoredObject): boolean {
  if (ifRange === undefined) return true;
  const value = ifRange.trim();
  if (value.startsWith('"') || value.startsWith('W/"')) return strongMatch(tagList(value), object.etag);
  const at = httpDate(value);
  return at !== undefined && at === seconds(object.lastModified);
}

/**
 * Answers a GET or HEAD for `object`: 412, 304, 416, 206 or 200. The caller has set the headers of its
 * own (Cache-Control, Content-Disposition, …); this sets Accept-Ranges, ETag and Last-Modified on
 * every answer.
 */
export async function sendStoredObject(req: FastifyRequest, reply: FastifyReply, object: StoredObject): Promise<FastifyReply> {
  reply.header('Accept-Ranges', 'bytes').header('ETag', object.etag).header('Last-Modified', object.lastModified.toUTCString());
  const modified = seconds(object.lastModified);

  // §13.2.2, in its order: the preconditions that fail a request first, then those that spare a body.
  const ifMatch = header(req, 'if-match');
  if (ifMatch !== undefined) {
    if (!strongMatch(tagList(ifMatch), object.etag)) throw new AppError('precondition_failed', 'If-Match names no current version of this object');
  } else {
    const since = httpDate(header(req, 'if-unmodified-since'));
    if (since !== undefined && modified > since) throw new AppError('precondition_failed', 'The object was modified after If-Unmodified-Since');
  }
  const ifNoneMatch = header(req, 'if-none-match');
  const since = ifNoneMatch === undefined ? httpDate(header(req, 'if-modified-since')) : undefined;
  const notModified = ifNoneMatch !== undefined ? weakMatch(tagList(ifNoneMatch), object.etag) : since !== undefined && modified <= since;
  if (notModified) return sendNotModified(req, reply);

  const range: RangeDecision = rangeStillApplies(header(req, 'if-range'), object) ? decideRange(header(req, 'range'), object.size) : { kind: 'full' };
  if (range.kind === 'unsatisfiable') throw new AppError('range_not_satisfiable', undefined, { 'Content-Range': `bytes */${object.size}`, 'Accept-Ranges': 'bytes' });
  reply.type(object.contentType);
  // A HEAD answer has the GET's headers and no bytes: nothing is read from the store (an opened
  // stream would be read to its end and dropped).
  const body = (part?: { readonly start: number; readonly end: number }) => (req.method === 'HEAD' ? Readable.from([]) : object.open(part));
  if (range.kind === 'full') return reply.header('Content-Length', object.size).send(await body());
  return reply
    .code(206)
    .header('Content-Range', `bytes ${range.start}-${range.end}/${object.size}`)
    .header('Content-Length', range.end - range.start + 1)
    .send(await body({ start: range.start, end: range.end }));
}

/** The request headers `sendStoredObject` reads, for a route's schema. */
export const StoredObjectHeaders = Type.Object({
  range: Type.Optional(Type.String({ description: 'One byte range: bytes=0-1023, bytes=1024-, bytes=-500. Several ranges, or one that does not parse, get the whole file' })),
  'if-range': Type.Optional(Type.String({ description: 'An ETag or Last-Modified date: the Range applies only while the object is still that version; otherwise the whole file (200)' })),
  'if-none-match': Type.Optional(Type.String({ description: 'ETags (or *): 304 when one names the current version' })),
  'if-modified-since': Type.Optional(Type.String({ description: 'An HTTP date: 304 when the object has not changed since (ignored beside If-None-Match)' })),
  'if-match': Type.Optional(Type.String({ description: 'ETags (or *): 412 precondition_failed unless one names the current version' })),
  'if-unmodified-since': Type.Optional(Type.String({ description: 'An HTTP date: 412 precondition_failed when the object changed since (ignored beside If-Match)' })),
});

/** What the answers of `sendStoredObject` are, for a route's schema: 200, 206, 304, 412, 416 and the route's own errors. */
export function storedObjectReplies(whole: MediaResponse, ranged: MediaResponse, errors: readonly ErrorCode[]): Record<number, unknown> {
  const validators = { ETag: Type.String({ description: 'The current version' }), 'Last-Modified': Type.String({ description: 'When it was stored (HTTP date)' }) };
  const out = replies({ 200: whole, 206: ranged, 304: Type.Null({ description: 'Not modified: If-None-Match or If-Modified-Since names the current version; no body', headers: validators }) }, [...errors, 'precondition_failed', 'range_not_satisfiable']);
  // The 416 names the object's size, so a client can ask again within it.
  return withErrorHeaders(out, 416, { 'Content-Range': Type.String({ description: 'bytes */size' }), 'Accept-Ranges': Type.String({ description: 'bytes' }) });
}
