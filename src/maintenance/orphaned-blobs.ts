// The orphaned-blob sweep: walks Capstan's folders of the blob store a bounded page at a time,
// resuming where the previous run stopped, and removes objects that no row references any more.
import { MAX_LIST_PAGE, type BlobStore, type ListedObject } from '../blobs/index.js';
import type { CleanupRepo } from '../storage/index.js';

/**
 * Where the sweep of each prefix stopped, kept between runs. A fresh one (a restart) starts every
 * prefix from its beginning, which only repeats work: nothing depends on it.
 */
export class BlobSweep {
  readonly cursors = new Map<string, string>();
  /** Rotates which prefix goes first, so a small batch size still reaches every prefix. */
  turn = 0;
}

export interface OrphanSweepOptions {
  readonly prefixes: readonly string[];
  /** Most objects examined, and so removed, by one sweep. */
  readonly limit: number;
  /** Objects modified at or after this instant (epoch ms) are kept: their row may not be committed yet. */
  readonly modifiedBefore: number;
  /** A video deleted at or after this instant still holds its object. */
  readonly videoDeletedBeforeIso: string;
  readonly signal?: AbortSignal;
}

export async function sweepOrphanedBlobs(repo: CleanupRepo, blobs: BlobStore, sweep: BlobSweep, options: OrphanSweepOptions): Promise<number> {
  const { prefixes } = options;
  const start = sweep.turn++ % Math.max(1, prefixes.length);
  const ordered = [...prefixes.slice(start), ...prefixes.slice(0, start)];
  let budget = options.limit;
  let removed = 0;
  for (const [i, prefix] of ordered.entries()) {
    // An even share of what is left for each prefix still to come, so one large folder never starves
    // the others; a folder that ends early hands its unused share on.
    let share = Math.ceil(budget / (ordered.length - i));
    budget -= share;
    while (share > 0 && !options.signal?.aborted) {
      const limit = Math.min(share, MAX_LIST_PAGE);
      const cursor = sweep.cursors.get(prefix);
      const page = await blobs.list(prefix, { limit, ...(cursor === undefined ? {} : { cursor }) });
      share -= limit;
      removed += await removeUnreferenced(repo, blobs, page.objects, options);
      if (page.next === undefined) {
        sweep.cursors.delete(prefix);
        break;
      }
      sweep.cursors.set(prefix, page.next);
    }
    budget += share;
  }
  return removed;
}

async function removeUnreferenced(repo: CleanupRepo, blobs: BlobStore, objects: readonly ListedObject[], options: OrphanSweepOptions): Promise<number> {
  const old = objects.filter((o) => o.lastModified.getTime() < options.modifiedBefore);
  if (old.length === 0) return 0;
  const referenced = await repo.referencedBlobKeys(old.map((o) => o.key), options.videoDeletedBeforeIso);
  let removed = 0;
  for (const object of old) {
    if (referenced.has(object.key) || options.signal?.aborted) continue;
    // Deleting an absent key is not an error: another node's sweep may have removed it first.
    await blobs.delete(object.key);
    removed++;
  }
  return removed;
}
