// A start that fails on what a setting names (a port taken, a data directory that is a file, a
// damaged database file, a database that does not exist) is told as one line naming the setting,
// exit 2, as a bad value is; one that fails on the machine (a full disk) says so in one line. The
// system's own message names neither, and an operator reading `listen EADDRINUSE` or `database disk
// image is malformed` has to guess.
import { existsSync } from 'node:fs';
import { basename, resolve, sep } from 'node:path';
import { ConfigError, type Config } from '../config/index.js';

interface SystemError {
  readonly code?: unknown;
  readonly syscall?: unknown;
  readonly path?: unknown;
  readonly message: string;
}

const systemError = (e: unknown): SystemError | undefined => (e instanceof Error ? (e as SystemError) : undefined);

/** A bind that failed on CAPSTAN_HOST or PORT, named; undefined for any other failure. */
export function listenRefusal(host: string, port: number, e: unknown): ConfigError | undefined {
  const err = systemError(e);
  const at = `PORT ${port} on CAPSTAN_HOST ${host}`;
  switch (err?.code) {
    case 'ENOTFOUND':
      return new ConfigError(`invalid CAPSTAN_HOST ${JSON.stringify(host)}: the name does not resolve`);
    case 'EADDRNOTAVAIL':
      return new ConfigError(`invalid CAPSTAN_HOST ${JSON.stringify(host)}: no interface of this machine has that address`);
    case 'EINVAL':
      // Linux refuses a link-local IPv6 address without the interface it belongs to.
      return new ConfigError(`invalid CAPSTAN_HOST ${JSON.stringify(host)}: the system refuses to bind it${/^fe[89ab]/i.test(host) && !host.includes('%') ? ' (a link-local IPv6 address needs its interface, e.g. fe80::1%eth0)' : ''}`);
    case 'EADDRINUSE':
      return new ConfigError(`${at} is already in use by another process: stop it, or choose another PORT`);
    case 'EACCES':
      return err.syscall === 'listen' ? new ConfigError(`${at} may not be bound by this user (ports below 1024 need root or CAP_NET_BIND_SERVICE): choose another PORT`) : undefined;
    default:
      return undefined;
  }
}

/** Why a file or directory could not be made or written, in words. */
const FILE_REASONS: Readonly<Record<string, string>> = {
  ENOTDIR: 'a file stands where a directory must be',
  EEXIST: 'a file stands where a directory must be',
  EROFS: 'it is on a read-only file system',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  SQLITE_CANTOPEN: 'SQLite cannot open the database file there',
};

/** What an operator does about a database file SQLite cannot read. */
const DAMAGED_FILE_REMEDY = 'stop every Capstan using it, then put back a copy from a backup (see "Backups and restore" in docs/reliability.md), or move it away to start with a new, empty database';

/**
 * What to do about a damaged database file. A copy put back from a backup beside the `-wal` of the
 * file it replaced reads as damaged: that log belongs to the old file, and is named when it is there.
 */
function damagedFileRemedy(dbFile: string): string {
  const strays = [`${dbFile}-wal`, `${dbFile}-shm`].filter((f) => existsSync(f));
  if (strays.length === 0) return DAMAGED_FILE_REMEDY;
  return `${DAMAGED_FILE_REMEDY}; if it was just put back from a backup, ${strays.map((f) => basename(f)).join(' and ')} beside it belong${strays.length === 1 ? 's' : ''} to the file it replaced: stop every Capstan, move ${strays.length === 1 ? 'it' : 'them'} away (before any capstan command opens the file) and start again`;
}

/** `path` is `dir` or inside it. */
const isWithin = (path: string, dir: string): boolean => path === dir || path.startsWith(dir + sep);

/** `path` is a directory (or a file standing where one must be) above `target`. */
const isAncestorOf = (path: string, target: string): boolean => target.startsWith(path.endsWith(sep) ? path : path + sep);

/**
 * The failure of `serve`, `migrate` or `admin` told in the words of the setting it came from, or
 * undefined when it is none of those known here (it is then shown as it is). Never shows a password.
 */
export async function explainStartFailure(config: Config, e: unknown): Promise<Error | undefined> {
  const err = systemError(e);
  if (err === undefined || e instanceof ConfigError) return undefined;
  const listen = err.syscall === 'listen' || err.syscall === 'getaddrinfo' ? listenRefusal(config.host, config.port, e) : undefined;
  if (listen) return listen;
  const { driverFor, sqlitePath } = await import('../storage/index.js');
  const code = typeof err.code === 'string' ? err.code : '';
  if (driverFor(config.databaseUrl) === 'postgres') {
    const where = postgresLocation(config.databaseUrl ?? '');
    // 3D000: no such database; class 28: the role, its password or pg_hba refused the login.
    if (code === '3D000' || code.startsWith('28')) return new ConfigError(`invalid CAPSTAN_DATABASE_URL (PostgreSQL at ${where}): ${err.message}`);
    if (/^SASL: .*password must be a string/.test(err.message)) return new ConfigError(`invalid CAPSTAN_DATABASE_URL (PostgreSQL at ${where}): the server asks for a password and the URL gives none`);
    return undefined;
  }
  const dbFile = sqlitePath(config.databaseUrl, config.dataDir);
  const dataDirSetting = `CAPSTAN_DATA_DIR ${JSON.stringify(config.dataDir)}`;
  const setting = config.databaseUrl === null ? dataDirSetting : 'CAPSTAN_DATABASE_URL';
  if (code === 'SQLITE_NOTADB') return new ConfigError(`invalid ${setting}: ${dbFile} is not an SQLite database (a damaged file, or another program's): ${damagedFileRemedy(dbFile)}`);
  // A file cut short or with pages overwritten: SQLite finds it out on the first pages it reads.
  if (code.startsWith('SQLITE_CORRUPT')) return new ConfigError(`invalid ${setting}: ${dbFile} is damaged (${err.message}): ${damagedFileRemedy(dbFile)}`);
  if (code === 'SQLITE_FULL' || code === 'ENOSPC') return new Error(`the disk holding ${typeof err.path === 'string' ? err.path : dbFile} is full: free some space, then start again`);
  const reason = FILE_REASONS[code];
  if (reason === undefined) return undefined;
  const path = typeof err.path === 'string' ? err.path : dbFile;
  // The path is the one at fault: a file in the way may be the data directory itself, one of its
  // parents or a folder inside it (blobs).
  const dataDir = resolve(config.dataDir);
  const forDataDir = isWithin(path, dataDir) || isAncestorOf(path, dataDir);
  if (forDataDir || path === dbFile || isAncestorOf(path, dbFile)) return new ConfigError(`invalid ${forDataDir ? dataDirSetting : setting}: ${reason} (${path})`);
  return undefined;
}

/** host:port/database of a PostgreSQL URL, without its user or password. */
function postgresLocation(url: string): string {
  try {
    const u = new URL(url);
    return `${u.host}${u.pathname}`;
  } catch {
    return 'the configured address';
  }
}
