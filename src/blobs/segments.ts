// Objects kept as segments: a completed multipart upload keeps its parts' files, linked into a folder
// named for the object's version, instead of copying them into one file (a copy of the whole object,
// seconds for a few gigabytes). A read maps its byte range onto the segments and streams them in order.
import { open, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { isMissing } from './local-files.js';

export interface Segment {
  /** Name of the file in the version's folder. */
  readonly file: string;
  readonly size: number;
}

/** Where to read in one segment's file: inclusive offsets within it. */
export interface SegmentSlice {
  readonly file: string;
  readonly start: number;
  readonly end: number;
}

/** The slices of `segments` that the object's inclusive byte range [start, end] covers, in order. */
export function segmentSlices(segments: readonly Segment[], start: number, end: number): SegmentSlice[] {
  const slices: SegmentSlice[] = [];
  let offset = 0;
  for (const segment of segments) {
    const first = offset;
    const last = offset + segment.size - 1;
    offset += segment.size;
    if (segment.size === 0 || last < start) continue;
    if (first > end) break;
    slices.push({ file: segment.file, start: Math.max(start, first) - first, end: Math.min(end, last) - first });
  }
  return slices;
}

/**
 * Streams the slices one after another. The first file is opened before this returns, so a missing
 * one fails here, as a missing single file does. Each next file is opened when the stream reaches it:
 * one gone by then (the object was replaced or deleted while it was read) ends the stream with
 * `vanished()`, never with another version's bytes.
 */
export async function readSlices(dir: string, slices: readonly SegmentSlice[], vanished: () => Error): Promise<Readable> {
  const [first] = slices;
  if (!first) return Readable.from([], { objectMode: false });
  const firstHandle = await open(join(dir, first.file), 'r');
  let started = false;
  async function* chunks(): AsyncGenerator<Buffer> {
    started = true;
    for (const [i, slice] of slices.entries()) {
      const handle = i === 0 ? firstHandle : await openSegment(join(dir, slice.file), vanished);
      // The stream closes its handle when it ends, fails or is destroyed (an abandoned read).
      yield* handle.createReadStream({ start: slice.start, end: slice.end }) as AsyncIterable<Buffer>;
    }
  }
  const stream = Readable.from(chunks(), { objectMode: false });
  // Destroyed before its first read, the generator never ran: the first handle is closed here.
  stream.once('close', () => {
    if (!started) void firstHandle.close().catch(() => undefined);
  });
  return stream;
}

async function openSegment(path: string, vanished: () => Error): Promise<FileHandle> {
  try {
    return await open(path, 'r');
  } catch (e) {
    throw isMissing(e) ? vanished() : e;
  }
}
