// Files only this process's user may read: the data directory (database, stored files, demo
// credentials) and the SQLite files, which hold the token-signing secret. Modes are set with chmod
// after creating, because the process's umask decides what a mode given at creation becomes.
import { accessSync, chmodSync, closeSync, constants, existsSync, mkdirSync, openSync, statSync, type Stats } from 'node:fs';
import { dirname, resolve } from 'node:path';

/**
 * Creates `dir` (and any missing parent) for this user only; an existing one keeps the operator's
 * modes. One level at a time: Node's recursive mkdir retries for ever under a parent that refuses
 * with ENOENT (anywhere in /proc), which would hang the start at full CPU.
 */
export function ensurePrivateDir(dir: string): void {
  const path = resolve(dir);
  if (isDirectory(path)) return;
  const parent = dirname(path);
  if (parent !== path) ensurePrivateDir(parent);
  try {
    mkdirSync(path, { mode: 0o700 });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    // EEXIST: something stands there, a directory made meanwhile or a file in the way.
    if (code !== 'EEXIST' || !isDirectory(path)) throw cannotCreate(path, code ?? (e as Error).message);
  }
  chmodSync(path, 0o700);
}

/**
 * Throws what ensurePrivateDir(dir) would, making nothing: a file standing at `dir` or above it, or a
 * missing `dir` whose nearest existing parent this user may not make a folder in. For checks made
 * ahead of a start (`capstan config`).
 */
export function checkPrivateDir(dir: string): void {
  let path = resolve(dir);
  // The topmost folder the start would make, once `path` has climbed above it.
  let made: string | undefined;
  for (;;) {
    let stats: Stats | undefined;
    try {
      stats = statSync(path);
    } catch (e) {
      const code = errorCode(e);
      // ENOTDIR: a file stands above; climbing further finds it, and names it.
      if ((code !== 'ENOENT' && code !== 'ENOTDIR') || dirname(path) === path) throw cannotCreate(path, code);
    }
    if (stats !== undefined) {
      if (!stats.isDirectory()) throw cannotCreate(path, 'EEXIST');
      if (made !== undefined) {
        try {
          accessSync(path, constants.W_OK | constants.X_OK);
        } catch (denied) {
          throw cannotCreate(made, errorCode(denied));
        }
      }
      return;
    }
    made = path;
    path = dirname(path);
  }
}

/**
 * Throws, with the system's code and `path`, when makePrivateFile(path) would fail for want of
 * permission or a writable file system: the file, or the folder it is to be made in, is not writable.
 */
export function checkPrivateFile(path: string): void {
  // A folder still to be made is checkPrivateDir's to judge.
  const [target, mode] = existsSync(path) ? [path, constants.W_OK] : [dirname(path), constants.W_OK | constants.X_OK];
  if (!existsSync(target)) return;
  try {
    accessSync(target, mode);
  } catch (e) {
    throw Object.assign(new Error(`cannot write ${path}: ${errorCode(e)}`), { code: errorCode(e), path });
  }
}

const errorCode = (e: unknown): string => (e as NodeJS.ErrnoException).code ?? (e as Error).message;

/** True when `path` is a directory (or a link to one); a file, nothing, or a path that cannot be looked at is not. */
function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    // Missing, under a file (ENOTDIR) or not ours to see: making it says which, with the path at fault.
    return false;
  }
}

/**
 * The directory `path` could not be made, with the system's code and the path at fault, so that a
 * start failure names it (cli/start-failure.ts): with a file in the way, the file itself.
 */
function cannotCreate(path: string, code: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`cannot create the directory ${path}: ${code}`), { code, path });
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
