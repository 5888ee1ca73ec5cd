// What opening the embedded database would stop on, found without opening or making anything, so
// that `capstan config` refuses what `serve` would: a file in the way of its folder, a folder or file
// this user may not write, and a file that is no SQLite database at all (by its header: damage further
// in shows only when SQLite reads it).
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { checkPrivateDir, checkPrivateFile } from '../util/private-files.js';
import { sqlitePath } from './connect.js';

/** The first 16 bytes of every SQLite database file. */
const SQLITE_MAGIC = Buffer.from('SQLite format 3\0', 'latin1');

/** Throws the error opening the database would, with the same code and path; nothing is written. */
export function checkSqliteFile(databaseUrl: string | null, dataDir: string): void {
  const path = sqlitePath(databaseUrl, dataDir);
  checkPrivateDir(dirname(path));
  checkPrivateFile(path);
  const header = readHeader(path);
  // An empty file, or none, becomes a new database; a shorter header is left for SQLite to judge.
  if (header.length === SQLITE_MAGIC.length && !header.equals(SQLITE_MAGIC)) {
    throw Object.assign(new Error(`file is not a database: ${path}`), { code: 'SQLITE_NOTADB', path });
  }
}

function readHeader(path: string): Buffer {
  let size: number;
  try {
    size = statSync(path).size;
  } catch {
    return Buffer.alloc(0);
  }
  const header = Buffer.alloc(Math.min(size, SQLITE_MAGIC.length));
  const fd = openSync(path, 'r');
  try {
    readSync(fd, header, 0, header.length, 0);
  } finally {
    closeSync(fd);
  }
  return header;
}
