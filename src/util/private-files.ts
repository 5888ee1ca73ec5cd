// Files only this process's user may read: the data directory (database, stored files, demo
// credentials) and the SQLite files, which hold the token-signing secret. Modes are set with chmod
// after creating, because the process's umask decides what a mode given at creation becomes.
import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from 'node:fs';

/** Creates `dir` (and any missing parent) for this user only; an existing one keeps the operator's modes. */
export function ensurePrivateDir(dir: string): void {
  if (existsSync(dir)) return;
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
}

/** Makes `path` readable and writable by this user only, creating it empty when it does not exist. */
export function makePrivateFile(path: string): void {
  closeSync(openSync(path, 'a', 0o600));
  chmodSync(path, 0o600);
}

/** Tightens `path` to this user only when it exists. */
export function tightenIfPresent(path: string): void {
  if (existsSync(path)) chmodSync(path, 0o600);
}
