// Measures an uploaded video (MP4 or QuickTime) from its own bytes: the server's figures for
// duration, size and frame rate, which billing trusts over anything the client claims.
import { open } from 'node:fs/promises';
import { addAbortSignal, type Readable } from 'node:stream';
import { Mp4Prober, type ProbeResult } from './mp4-prober.js';

export type { ProbeResult } from './mp4-prober.js';

export interface ProbeOptions {
  /**
   * The stream's total size in bytes (a blob store knows it). A file's size is read from disk;
   * a stream without it is checked for truncation only when it is read to its end anyway.
   */
  size?: number;
  /** Bytes read per step. */
  chunkBytes?: number;
  /** Most bytes of metadata (everything but media data) held before the movie header is parsed. */
  maxMetadataBytes?: number;
  signal?: AbortSignal;
}

export const PROBE_DEFAULTS = {
  chunkBytes: 1024 * 1024,
  maxMetadataBytes: 64 * 1024 * 1024,
} as const;

/**
 * Reads only as far as it must: up to the end of the movie header (`moov`), jumping over media
 * data that comes before it. A fragmented file is read to its end, its samples being spread out.
 * A stream is destroyed once the result is known. Throws `ProbeError` for what the bytes are.
 */
export async function probeVideo(input: Readable | string, options: ProbeOptions = {}): Promise<ProbeResult> {
  const prober = new Mp4Prober(options.maxMetadataBytes ?? PROBE_DEFAULTS.maxMetadataBytes);
  const chunkBytes = options.chunkBytes ?? PROBE_DEFAULTS.chunkBytes;
  return typeof input === 'string'
    ? probeFile(input, prober, chunkBytes, options.signal)
    : probeStream(input, prober, options);
}

async function probeFile(path: string, prober: Mp4Prober, chunkBytes: number, signal?: AbortSignal) {
  const handle = await open(path, 'r');
  try {
    const { size } = await handle.stat();
    const chunk = Buffer.allocUnsafe(Math.max(1, chunkBytes));
    let position = 0;
    while (!prober.done && position < size) {
      signal?.throwIfAborted();
      const { bytesRead } = await handle.read(chunk, 0, Math.min(chunk.length, size - position), position);
      if (bytesRead === 0) break;
      position = prober.push(chunk.subarray(0, bytesRead), position);
    }
    return prober.finish(size);
  } finally {
    await handle.close();
  }
}

async function probeStream(stream: Readable, prober: Mp4Prober, options: ProbeOptions) {
  if (options.signal) addAbortSignal(options.signal, stream);
  let offset = 0;
  let wanted = 0;
  // Leaving the loop early (done, or a ProbeError) destroys the stream.
  for await (const data of stream) {
    const bytes: Uint8Array = typeof data === 'string' ? Buffer.from(data) : (data as Uint8Array);
    const end = offset + bytes.byteLength;
    // Bytes before the wanted position are media data the parser chose to jump over.
    if (end > wanted) {
      const skip = Math.max(0, wanted - offset);
      wanted = prober.push(bytes.subarray(skip), offset + skip);
    }
    offset = end;
    if (prober.done) return prober.finish(options.size);
  }
  return prober.finish(offset);
}
