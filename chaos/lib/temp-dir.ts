// Temporary directories of a chaos run, removed when done or when the process exits early.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onExitCleanup } from './processes.js';

export interface TempDir {
  readonly path: string;
  remove(): void;
}

export function tempDir(prefix: string): TempDir {
  const path = mkdtempSync(join(tmpdir(), prefix));
  let unregister: () => void = () => undefined;
  const remove = () => {
    unregister();
    rmSync(path, { recursive: true, force: true });
  };
  unregister = onExitCleanup(remove);
  return { path, remove };
}
