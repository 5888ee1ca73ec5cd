// `capstan backup <file>`: a consistent copy of the embedded SQLite database, taken while servers run,
// and where the stored files are that must be copied after it. PostgreSQL has its own tools.
import { lstatSync, statSync } from 'node:fs';
import { dirname, resolve, sep } from 'node:path';
import { ConfigError, type Config } from '../config/index.js';
import { localBlobRoot } from '../blobs/index.js';
import { backupSqlite, driverFor, sqlitePath } from '../storage/index.js';

/** Where docs/reliability.md tells how to back up and restore: every refusal points there. */
const GUIDE = 'see "Backups and restore" in docs/reliability.md';

/** Why the backup file cannot be written there, in words, by the system's code. */
const TARGET_REASONS: Readonly<Record<string, string>> = {
  EEXIST: 'it exists (a backup never replaces a file: choose a new name)',
  ENOENT: 'no file can be made there',
  ENOTDIR: 'a file stands where its folder must be',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EROFS: 'it is on a read-only file system',
  EISDIR: 'it exists (a backup never replaces a file: choose a new name)',
};

const cannotWrite = (target: string, reason: string) => new ConfigError(`cannot back up to ${JSON.stringify(target)}: ${reason}`);

export interface BackupReport {
  readonly storage: string;
  readonly backup: string;
  readonly bytes: number;
  readonly blobs: string;
  readonly note: string;
}

export function runBackup(config: Config, file: string | undefined): BackupReport {
  if (file === undefined || file.trim() === '') throw new ConfigError('backup needs the file to write: capstan backup <file>');
  const blobRoot = localBlobRoot({ dataDir: config.dataDir, s3Bucket: config.blobS3Bucket });
  const blobs = blobRoot === undefined ? `s3://${config.blobS3Bucket ?? ''}/${config.blobS3KeyPrefix}` : resolve(blobRoot);
  if (driverFor(config.databaseUrl) === 'postgres') {
    const files = blobRoot === undefined ? `keep the stored files in ${blobs} with the bucket's own versioning or replication` : `copy ${blobs} after the dump`;
    throw new ConfigError(`capstan backup copies the embedded SQLite database, and CAPSTAN_DATABASE_URL is PostgreSQL: back it up with pg_dump (pg_dump --format=custom --file=capstan.dump "$CAPSTAN_DATABASE_URL"), and ${files}; ${GUIDE}`);
  }
  const source = sqlitePath(config.databaseUrl, config.dataDir);
  const target = resolve(file);
  checkTarget(target, blobRoot === undefined ? undefined : resolve(blobRoot));
  let bytes: number;
  try {
    bytes = backupSqlite(source, target);
  } catch (e) {
    throw explainBackupFailure(config, source, target, e) ?? e;
  }
  const note = blobRoot === undefined
    ? `Stored files are in the S3 bucket, not in this file: keep them with the bucket's versioning or replication; ${GUIDE}.`
    : `Now copy the folder ${blobs} beside this file (cp -a or rsync -a): copied after the snapshot, it holds every file the snapshot names; ${GUIDE}.`;
  return { storage: source, backup: target, bytes, blobs, note };
}

/** Refuses, before anything is written, a target that exists, has no folder, or lies in the stored files' folder. */
function checkTarget(target: string, blobRoot: string | undefined): void {
  // The stored files' folder belongs to the file store, and is copied after the backup: one written
  // inside it would travel with every later copy of the folder.
  if (blobRoot !== undefined && (target + sep).startsWith(blobRoot + sep)) throw cannotWrite(target, `it is inside the stored files' folder ${blobRoot}: write it elsewhere`);
  try {
    lstatSync(target);
    throw cannotWrite(target, TARGET_REASONS.EEXIST!);
  } catch (e) {
    if (e instanceof ConfigError) throw e;
    const code = (e as NodeJS.ErrnoException).code ?? '';
    // ENOENT: nothing there, as it should be; ENOTDIR: the folder is a file, told below.
    if (code !== 'ENOENT' && code !== 'ENOTDIR') throw cannotWrite(target, TARGET_REASONS[code] ?? (e as Error).message);
  }
  const folder = dirname(target);
  let isFolder: boolean;
  try {
    isFolder = statSync(folder).isDirectory();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? '';
    throw cannotWrite(target, code === 'ENOENT' ? `its folder ${folder} does not exist` : TARGET_REASONS[code] ?? (e as Error).message);
  }
  if (!isFolder) throw cannotWrite(target, `${folder} is a file, not a folder`);
}

/** A failure of the copy in the words of what it concerns: the database to copy, or the file to write. */
function explainBackupFailure(config: Config, source: string, target: string, e: unknown): Error | undefined {
  const err = e as NodeJS.ErrnoException;
  const code = typeof err.code === 'string' ? err.code : '';
  if (code === 'SQLITE_FULL' || code === 'ENOSPC') return new Error(`the disk holding ${target} is full: nothing was written there; free some space and back up again`);
  if (err.path === source && code === 'ENOENT') {
    const setting = config.databaseUrl === null ? `CAPSTAN_DATA_DIR ${JSON.stringify(config.dataDir)}` : 'CAPSTAN_DATABASE_URL';
    return new ConfigError(`invalid ${setting}: there is no database at ${source} to back up`);
  }
  if (err.path === target) return cannotWrite(target, TARGET_REASONS[code] ?? err.message);
  // Anything else is about the database (damaged, not a database, unreadable): told as a start is.
  return undefined;
}
