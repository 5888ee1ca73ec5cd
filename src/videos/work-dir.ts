// A private temporary folder for one stage's files (the upload, the rendition, the poster), removed
// whatever happens, and the copy of a stored object into it that ffmpeg reads.
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { BlobStore } from '../blobs/index.js';

export async function inWorkDir<T>(work: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'capstan-video-'));
  try {
    return await work(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export async function download(blobs: BlobStore, key: string, path: string, signal: AbortSignal): Promise<void> {
  await pipeline(await blobs.get(key), createWriteStream(path), { signal });
}
