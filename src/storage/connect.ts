// Opens the configured database: SQLite (libsql, no build step) by default, PostgreSQL for a postgres:// URL.
import { dirname, join, resolve } from 'node:path';
import Database from 'libsql';
import { Kysely, PostgresDialect, SqliteDialect, type SqliteDatabase } from 'kysely';
import { ensurePrivateDir, makePrivateFile, tightenIfPresent } from '../util/private-files.js';
import { PassSnapshot } from './pass-snapshot.js';
import { pgDriver } from './pg-driver.js';
import type { Database as Schema } from './schema.js';

export type Driver = 'sqlite' | 'postgres';

export interface Connection {
  readonly driver: Driver;
  readonly db: Kysely<Schema>;
  /** Where the data lives, without credentials, for logs. */
  readonly location: string;
  /**
   * SQLite only: the writing connection (Kysely's) and a second, read-only one to the same file, for
   * compiled queries (prepared.ts), whose reads of one pass may share a transaction (pass-snapshot.ts).
   */
  readonly sqlite?: { readonly writer: Database.Database; readonly reader: Database.Database; readonly snapshot: PassSnapshot };
}

export function driverFor(databaseUrl: string | null): Driver {
  return databaseUrl && /^postgres(ql)?:\/\//.test(databaseUrl) ? 'postgres' : 'sqlite';
}

export function sqlitePath(databaseUrl: string | null, dataDir: string): string {
  if (databaseUrl?.startsWith('sqlite:')) return resolve(databaseUrl.slice('sqlite:'.length));
  return resolve(join(dataDir, 'capstan.db'));
}

export function connect(databaseUrl: string | null, dataDir: string): Connection {
  if (driverFor(databaseUrl) === 'postgres') {
    // A node frozen inside a transaction (a stop signal, a stalled VM) would hold its locks — a
    // topic's row among them — until its TCP connection times out; PostgreSQL ends it after 10 s.
    const pool = new (pgDriver().Pool)({ connectionString: databaseUrl ?? undefined, max: 10, options: '-c idle_in_transaction_session_timeout=10000' });
    // A client losing its server (a restart, a failover) must not crash the process: an idle one is
    // reported by the pool, a checked-out one (inside a transaction, between two queries) by the
    // client itself; either way the query in flight or the next one fails, and the pool drops it.
    pool.on('error', () => undefined);
    pool.on('connect', (client) => client.on('error', () => undefined));
    const url = new URL(databaseUrl ?? '');
    return {
      driver: 'postgres',
      db: new Kysely<Schema>({ dialect: new PostgresDialect({ pool }) }),
      location: `postgres://${url.host}${url.pathname}`,
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
  // In WAL mode a second connection reads the last committed state without waiting for the
  // transaction the first may hold open across awaits; query_only makes any write on it an error.
  const reader = new Database(path);
  reader.pragma('busy_timeout = 5000');
  reader.pragma('query_only = ON');
  const snapshot = new PassSnapshot(reader);
  const close = () => {
    snapshot.end();
    sqlite.close();
    reader.close();
  };
  return {
    driver: 'sqlite',
    db: new Kysely<Schema>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite, close, () => snapshot.end()) }) }),
    location: path,
    sqlite: { writer: sqlite, reader, snapshot },
  };
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
