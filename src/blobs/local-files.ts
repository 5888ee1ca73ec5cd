// File primitives for the local store: stream a body to a temp file while hashing it, and write or
// read small JSON manifests atomically (temp file + rename), so a reader never sees half a write.
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, open, readFile, rename, rm, writeFile, type FileHandle } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { inlineMd5, type Md5Digester } from './md5-threads.js';
import type { BlobBody } from './types.js';

export interface TempFile {
  readonly path: string;
  readonly size: number;
  readonly md5: Buffer;
}

/** A bound on a streamed body: the write fails with `error()` as soon as more than `maxBytes` arrive. */
export interface ByteLimit {
  readonly maxBytes: number;
  readonly error: () => Error;
}

export const randomName = (): string => randomBytes(12).toString('hex');

// What may wait in memory for the disk before the body is paused. While one batch is being written on
// the thread pool the next one gathers here, so a part goes to disk in a few large writes, not one
// per socket read, and the socket keeps being read meanwhile.
const WRITE_BATCH_BYTES = 1024 * 1024;

export interface WriteTempOptions {
  readonly limit?: ByteLimit | undefined;
  /** Where the body's MD5 is computed; by default on this thread. */
  readonly md5?: Md5Digester | undefined;
}

/**
 * Streams `body` into a new file under `tmpDir`, hashing as it goes, in one pass; the file is removed
 * on failure (including a body over `limit`, refused at the first byte past it).
 * No fsync, as for every write of this store: a finished file survives the process stopping, not the
 * machine losing power, and nothing more is promised.
 */
export async function writeTemp(tmpDir: string, body: BlobBody | AsyncIterable<Buffer>, options: WriteTempOptions = {}): Promise<TempFile> {
  const md5 = options.md5 ?? inlineMd5();
  let handle: FileHandle | undefined;
  const path = join(tmpDir, randomName());
  try {
    handle = await open(path, 'wx');
    const sink = new HashingFileSink(handle, md5, options.limit);
    await pipeline(body instanceof Uint8Array ? Readable.from([body]) : body, sink);
    await handle.close();
    return { path, size: sink.size, md5: await md5.digest() };
  } catch (e) {
    md5.drop();
    await handle?.close().catch(() => undefined);
    if (handle) await rm(path, { force: true });
    throw e;
  }
}

/** Writes what it is given to an open file in batches, counting and MD5-hashing every byte. */
class HashingFileSink extends Writable {
  size = 0;

  constructor(
    private readonly handle: FileHandle,
    private readonly md5: Md5Digester,
    private readonly limit: ByteLimit | undefined,
  ) {
    super({ highWaterMark: WRITE_BATCH_BYTES });
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (error?: Error | null) => void): void {
    this.take([chunk], done);
  }

  override _writev(chunks: { chunk: Buffer }[], done: (error?: Error | null) => void): void {
    this.take(
      chunks.map(({ chunk }) => chunk),
      done,
    );
  }

  private take(buffers: Buffer[], done: (error?: Error | null) => void): void {
    for (const buffer of buffers) this.size += buffer.length;
    if (this.limit && this.size > this.limit.maxBytes) {
      done(this.limit.error());
      return;
    }
    // The thread pool copies the batch to the file while it is hashed (here or on an MD5 thread):
    // neither waits for the other, and the next batch is taken when both are done.
    const written = writeFully(this.handle, buffers);
    const hashed = this.md5.update(buffers);
    Promise.all([written, hashed]).then(() => done(), done);
  }
}

/** writev until every byte is written: one call may write less (past IOV_MAX buffers, say). */
async function writeFully(handle: FileHandle, buffers: Buffer[]): Promise<void> {
  let rest = buffers;
  while (rest.length > 0) {
    let { bytesWritten } = await handle.writev(rest);
    if (bytesWritten === 0 && rest.some((buffer) => buffer.length > 0)) throw new Error('The file system accepted no bytes');
    const left: Buffer[] = [];
    for (const buffer of rest) {
      if (bytesWritten >= buffer.length) bytesWritten -= buffer.length;
      else {
        left.push(bytesWritten > 0 ? buffer.subarray(bytesWritten) : buffer);
        bytesWritten = 0;
      }
    }
    rest = left;
  }
}

export async function writeJsonAtomic(tmpDir: string, path: string, value: unknown): Promise<void> {
  const temp = join(tmpDir, randomName());
  await writeFile(temp, JSON.stringify(value), { flag: 'wx' });
  try {
    await rename(temp, path);
  } catch (e) {
    await rm(temp, { force: true });
    throw e;
  }
}

/** Moves a finished temp file to its final place, creating the folder on first use. */
export async function moveInto(temp: string, path: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await rename(temp, path);
}

export async function readJson<T>(path: string): Promise<T | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as T;
  } catch (e) {
    if (isMissing(e)) return undefined;
    throw e;
  }
}

export const isMissing = (e: unknown): boolean => (e as NodeJS.ErrnoException | null)?.code === 'ENOENT';

/** Concatenates files, in order, into a new temp file by streaming: memory stays flat whatever the size. */
export async function writeConcatenation(tmpDir: string, paths: readonly string[]): Promise<string> {
  const path = join(tmpDir, randomName());
  try {
    await pipeline(async function* () {
      for (const part of paths) yield* createReadStream(part);
    }, createWriteStream(path, { flags: 'wx' }));
  } catch (e) {
    await rm(path, { force: true });
    throw e;
  }
  return path;
}
