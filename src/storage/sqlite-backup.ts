// A consistent copy of the embedded SQLite database, taken while servers may be writing to it:
// SQLite's VACUUM INTO reads one snapshot of the file (its WAL included) and writes it out whole,
// without taking the write lock, so the servers go on meanwhile.
import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, linkSync, openSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import Database from 'libsql';

/** The schema name the copying connection gives the database it reads. */
const SOURCE_SCHEMA = 'source';

/**
 * Writes a snapshot of the database at `source` to `target`, which must not exist, and returns its
 * size. It is written under a hidden name beside `target`, flushed to disk and only then given its
 * name, so `target` is never a copy cut short, and a file that appeared there meanwhile is never
 * replaced (EEXIST). The copy is readable by this user only: it holds the token-signing secret.
 * Errors carry the system's or SQLite's code and, when they are about a file, its path (a missing
 * `source`, or `target`).
 */
export function backupSqlite(source: string, target: string): number {
  // Attaching a file that is not there would make an empty database: ENOENT (with the path) instead.
  statSync(source);
  const partial = join(dirname(target), `.${basename(target)}.${randomBytes(6).toString('hex')}.partial`);
  // Made empty first, by us, so its mode is ours to set (VACUUM INTO takes an empty file as new).
  onTarget(target, () => closeSync(openSync(partial, 'wx', 0o600)));
  try {
    // The source attached to an empty in-memory connection, as the server's reader does: detaching
    // lets go of the file whatever statements libsql keeps alive.
    const db = new Database(':memory:');
    try {
      db.pragma('busy_timeout = 5000');
      db.prepare(`attach database ? as ${SOURCE_SCHEMA}`).run([source]);
      db.prepare(`vacuum ${SOURCE_SCHEMA} into ?`).run([partial]);
      db.exec(`detach database ${SOURCE_SCHEMA}`);
    } finally {
      db.close();
    }
    // SQLite does not flush what VACUUM INTO wrote: a machine that stops now must not keep half a copy.
    flush(partial, 'r+');
    onTarget(target, () => linkSync(partial, target));
    flush(dirname(target), 'r');
    return statSync(target).size;
  } finally {
    rmSync(partial, { force: true });
  }
}

function flush(path: string, flags: string): void {
  const fd = openSync(path, flags);
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Runs `fn`, giving a system error it throws the target's path: the hidden name means nothing to anyone. */
function onTarget(target: string, fn: () => void): void {
  try {
    fn();
  } catch (e) {
    if (e instanceof Error && typeof (e as NodeJS.ErrnoException).code === 'string') throw Object.assign(e, { path: target });
    throw e;
  }
}
