// File primitives for the local store: stream a body to a temp file while hashing it, and write or
// read small JSON manifests atomically (temp file + rename), so a reader never sees half a write.
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { BlobBody } from './types.js';

export interface TempFile {
  readonly path: string;
  readonly size: number;
  readonly md5: Buffer;
}

export const randomName = (): string => randomBytes(12).toString('hex');

/** Streams `body` into a new file under `tmpDir`, hashing as it goes; the file is removed on failure. */
export async function writeTemp(tmpDir: string, body: BlobBody | AsyncIterable<Buffer>): Promise<TempFile> {
  const path = join(tmpDir, randomName());
  const hash = createHash('md5');
  let size = 0;
  const meter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      size += chunk.length;
      done(null, chunk);
    },
  });
  const source = body instanceof Uint8Array ? Readable.from([body]) : body;
  try {
    await pipeline(source, meter, createWriteStream(path, { flags: 'wx' }));
  } catch (e) {
    await rm(path, { force: true });
    throw e;
  }
  return { path, size, md5: hash.digest() };
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
