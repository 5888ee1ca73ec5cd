// Opens the configured database: SQLite (libsql, no build step) by default, PostgreSQL for a postgres:// URL.
import { dirname, join, resolve } from 'node:path';
import Database from 'libsql';
import { Kysely, PostgresDialect, sql, type SqliteDatabase } from 'kysely';
import { ensurePrivateDir, makePrivateFile, tightenIfPresent } from '../util/private-files.js';
import { PassSnapshot } from './pass-snapshot.js';
import { CapstanSqliteDialect } from './sqlite-dialect.js';
import { createPool, DEFAULT_POSTGRES_BOUNDS, GuardedPool, poolConfig, type PostgresBounds } from './pg-pool.js';
import type { Database as Schema } from './schema.js';

export type Driver = 'sqlite' | 'postgres';

export interface Connection {
  readonly driver: Driver;
  readonly db: Kysely<Schema>;
  /** Where the data lives, without credentials, for logs. */
  readonly location: string;
  /**
   * SQLite only: the writing connection (Kysely's) and a second, read-only one to the same file (attached: openReader), for
   * compiled queries (prepared.ts), whose reads of one pass may share a transaction (pass-snapshot.ts).
   */
  readonly sqlite?: { readonly writer: Database.Database; readonly reader: Database.Database; readonly snapshot: PassSnapshot };
  /** True when the database answers a trivial query within `timeoutMs`. */
  ping(timeoutMs: number): Promise<boolean>;
  /** Runs `fn` where a query may take as long as it needs (migrations): on PostgreSQL, on a connection of its own. */
  unbounded<T>(fn: (db: Kysely<Schema>) => Promise<T>): Promise<T>;
}

export function driverFor(databaseUrl: string | null): Driver {
  return databaseUrl && /^postgres(ql)?:\/\//.test(databaseUrl) ? 'postgres' : 'sqlite';
}

export function sqlitePath(databaseUrl: string | null, dataDir: string): string {
  if (databaseUrl?.startsWith('sqlite:')) return resolve(databaseUrl.slice('sqlite:'.length));
  return resolve(join(dataDir, 'capstan.db'));
}

export function connect(databaseUrl: string | null, dataDir: string, bounds: PostgresBounds = DEFAULT_POSTGRES_BOUNDS): Connection {
  if (driverFor(databaseUrl) === 'postgres') {
    const connectionString = databaseUrl ?? '';
    const pool = new GuardedPool(createPool(poolConfig(connectionString, bounds, 10)));
    const url = new URL(connectionString);
    return {
      driver: 'postgres',
      db: new Kysely<Schema>({ dialect: new PostgresDialect({ pool }) }),
      location: `postgres://${url.host}${url.pathname}`,
      ping: (timeoutMs) => pool.probe(timeoutMs),
      async unbounded(fn) {
        // A connection of its own, without the query bound; connecting is still bounded.
        const db = new Kysely<Schema>({ dialect: new PostgresDialect({ pool: createPool(poolConfig(connectionString, bounds, 1, false)) }) });
        try {
          return await fn(db);
        } finally {
          await db.destroy();
        }
      },
    };
  }
  const path = sqlitePath(databaseUrl, dataDir);
  // The database holds the token-signing secret: nobody else may read it. SQLite creates its -wal and
  // -shm files with the database file's mode, so that one is made private before SQLite opens it.
  ensurePrivateDir(dirname(path));
  makePrivateFile(path);
  for (const suffix of ['-wal', '-shm', '-journal']) tightenIfPresent(path + suffix);
  const sqlite = new Database(path);
  // The wait first: every later statement, the journal mode's too, may meet another process's lock
  // (a command closing and checkpointing, say) and must wait for it, not fail "database is locked".
  sqlite.pragma('busy_timeout = 5000');
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('synchronous = NORMAL');
  // After a checkpoint the WAL is cut back to this size: without it, a WAL grown large (a reader holding
  // a snapshot through many writes) kept its peak size on disk until the server stopped.
  sqlite.pragma('journal_size_limit = 67108864');
  const reader = openReader(path);
  const snapshot = new PassSnapshot(reader);
  const close = () => {
    snapshot.end();
    releaseFile(reader);
    reader.close();
    checkpointIntoFile(sqlite);
    sqlite.close();
  };
  const db = new Kysely<Schema>({ dialect: new CapstanSqliteDialect({ database: withStatementCache(sqlite, close, () => snapshot.end()), inTransaction: () => sqlite.inTransaction }) });
  return {
    driver: 'sqlite',
    db,
    location: path,
    sqlite: { writer: sqlite, reader, snapshot },
    // One connection does everything, synchronously: nothing here waits on a server.
    async ping() {
      try {
        await sql`select 1`.execute(db);
        return true;
      } catch {
        return false;
      }
    },
    unbounded: (fn) => fn(db),
  };
}

/** The schema name the read-only connection gives the database file it attaches. */
const READER_SCHEMA = 'capstan';

/**
 * In WAL mode a second connection reads the last committed state without waiting for the transaction
 * the first may hold open across awaits; query_only makes any write on it an error.
 *
 * libsql closes a connection only once its last prepared statement is garbage-collected, and this
 * one's are kept for the storage's life (prepared.ts, pass-snapshot.ts): `close()` alone left it open
 * on the file in WAL mode, and the writer could then not leave WAL mode at a stop (SQLITE_BUSY). So
 * the connection itself is an empty in-memory database with the file attached: detaching the file
 * (releaseFile) lets go of it whatever statements are still alive. The file's tables are found by
 * their plain names, the in-memory database having none.
 */
function openReader(path: string): Database.Database {
  const reader = new Database(':memory:');
  reader.pragma('busy_timeout = 5000');
  reader.prepare(`attach database ? as ${READER_SCHEMA}`).run([path]);
  reader.pragma('query_only = ON');
  return reader;
}

/** Detaches the database file from the read-only connection, releasing its locks and its share of the WAL. */
function releaseFile(reader: Database.Database): void {
  try {
    reader.exec(`detach database ${READER_SCHEMA}`);
  } catch {
    // A read still in progress holds the file; the writer then only checkpoints (checkpointIntoFile).
  }
}

/**
 * Moves everything in the WAL into the database file and leaves the file alone on disk, so that a copy
 * of it after a clean stop is the whole database. SQLite would do so itself when its last connection
 * closes, but cached statements keep the connection from closing before they are collected. It needs
 * the file to itself: the read-only connection has let go of it (releaseFile). Another process with
 * the database open (a CLI command) keeps its WAL: then this only checkpoints.
 */
function checkpointIntoFile(sqlite: Database.Database): void {
  try {
    // No wait for another process's lock: a stop must not hang on it.
    sqlite.pragma('busy_timeout = 0');
    sqlite.pragma('wal_checkpoint(TRUNCATE)');
    sqlite.pragma('journal_mode = DELETE');
  } catch {
    // Busy with another process: its own close checkpoints what is left.
  }
}

type KyselyStatement = ReturnType<SqliteDatabase['prepare']>;

/**
 * Kysely prepares every query afresh; the same few SQL strings repeat on every request, and preparing
 * is most of their cost on SQLite. Prepared statements are reusable, so keep the recent ones. Kysely
 * also asks each run whether the statement returns rows (`reader`), a call into the driver that costs
 * as much as a small query; it never changes for a statement, so it is asked once.
 */
function withStatementCache(sqlite: Database.Database, close: () => void, beforeWriterStatement: () => void, size = 500): SqliteDatabase {
  const cache = new Map<string, KyselyStatement>();
  return {
    close,
    prepare(kyselySql: string) {
      // Kysely prepares each statement as it runs it: reads sharing a pass's transaction must not
      // miss what this one may commit.
      beforeWriterStatement();
      // Kysely opens transactions with a deferred BEGIN: one that read first and then writes fails at
      // once with SQLITE_BUSY_SNAPSHOT ("database is locked") if another process — `capstan admin`
      // beside a running server — committed in between, as waiting cannot help it. Taking the write
      // lock at BEGIN makes the other process wait for it (busy_timeout) instead. In this process
      // every statement goes through this one connection, so nothing here waits longer than before.
      const sql = kyselySql === 'begin' ? 'begin immediate' : kyselySql;
      let stmt = cache.get(sql);
      if (stmt) {
        cache.delete(sql);
      } else {
        stmt = remembered(sqlite.prepare(sql));
        if (cache.size >= size) cache.delete(cache.keys().next().value as string);
      }
      cache.set(sql, stmt);
      return stmt;
    },
  };
}

function remembered(stmt: Database.Statement): KyselyStatement {
  const reader = stmt.reader;
  return {
    reader,
    all: (parameters) => stmt.all(parameters as unknown[]) as unknown[],
    run: (parameters) => stmt.run(parameters as unknown[]),
    iterate: (parameters) => stmt.iterate(parameters as unknown[]) as IterableIterator<unknown>,
  };
}
