// Temporary directories that are removed when done, or when the harness exits early (Ctrl-C). A
// harness killed outright (kill -9) runs no exit hook, so each directory names its owner, and the
// next run removes those whose owner is gone.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { processStart } from './processes.js';

export interface TempDir {
  readonly path: string;
  remove(): void;
}

/** In each directory: the owner's pid and start time (a pid alone may have been reused since). */
const OWNER_FILE = '.bench-owner';

function owner(pid: number): string {
  return `${pid} ${processStart(pid) ?? ''}`;
}

export function tempDir(prefix: string): TempDir {
  const path = mkdtempSync(join(tmpdir(), prefix));
  writeFileSync(join(path, OWNER_FILE), owner(process.pid));
  const remove = () => {
    process.off('exit', remove);
    rmSync(path, { recursive: true, force: true });
  };
  process.on('exit', remove);
  return { path, remove };
}

/**
 * Removes the directories `tempDir` made (under `parent`, named `capstan-…`) whose owner process has
 * ended without removing them; returns their paths. Another run's directories, its owner alive, stay.
 */
export function removeOrphanedTempDirs(parent: string = tmpdir()): string[] {
  const removed: string[] = [];
  for (const name of readdirSync(parent)) {
    if (!name.startsWith('capstan-')) continue;
    const path = join(parent, name);
    let recorded: string;
    try {
      recorded = readFileSync(join(path, OWNER_FILE), 'utf8');
    } catch {
      // Not one of ours (or not a directory): leave it.
      continue;
    }
    const pid = Number(recorded.split(' ')[0]);
    if (Number.isInteger(pid) && pid > 0 && owner(pid) === recorded) continue;
    rmSync(path, { recursive: true, force: true });
    removed.push(path);
  }
  return removed;
}
