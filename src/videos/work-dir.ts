// A private temporary folder for one stage's files (the upload, the rendition, the poster), removed
// whatever happens, and the copy of a stored object into it that ffmpeg reads.
import { createWriteStream } from 'node:fs';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { isBlobError, type BlobStore } from '../blobs/index.js';
import { PermanentStageError } from '../workflows/index.js';

const PREFIX = 'capstan-video-';

export async function inWorkDir<T>(work: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), PREFIX));
  try {
    return await work(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * An upload the store says is not there (deleted from the bucket or the disk) fails the stage for good
 * with `object_missing`: another attempt would find it gone too. A store that does not answer is not
 * that, and the engine waits for it.
 */
export async function download(blobs: BlobStore, key: string, path: string, signal: AbortSignal): Promise<void> {
  try {
    await pipeline(await blobs.get(key), createWriteStream(path), { signal });
  } catch (e) {
    if (isBlobError(e, 'NoSuchKey')) throw new PermanentStageError('object_missing', 'The uploaded file is gone from the blob store');
    throw e;
  }
}

/**
 * Removes the work folders a killed process left behind (its `finally` never ran): those not changed
 * for longer than any stage may take, so a stage still running on another process of this machine
 * keeps its own. Returns how many went.
 */
export async function sweepStaleWorkDirs(olderThanMs: number, now = Date.now()): Promise<number> {
  let removed = 0;
  for (const name of await readdir(tmpdir())) {
    if (!name.startsWith(PREFIX)) continue;
    const dir = join(tmpdir(), name);
    const info = await stat(dir).catch(() => undefined);
    if (!info?.isDirectory() || info.mtimeMs > now - olderThanMs) continue;
    await rm(dir, { recursive: true, force: true });
    removed++;
  }
  return removed;
}
