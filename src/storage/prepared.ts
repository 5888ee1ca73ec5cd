// Queries compiled once, for the paths every request takes. Kysely builds an operation tree and
// compiles it to SQL on each call, which costs more than SQLite takes to run the small queries a
// request makes. A compiled query is written once with Kysely's `sql` template (so each dialect's
// placeholders and quoting apply), compiled on first use per dialect, and a call only binds values.
// On SQLite it then runs as a prepared statement straight on a connection:
//  - outside a transaction, a read runs on the read-only connection (connect.ts): it sees what has
//    committed and never a transaction in progress, and does not queue behind one (the reads of
//    busy passes of the event loop share a read transaction: pass-snapshot.ts); a write goes
//    through Kysely, which hands out the one writing connection a transaction at a time;
//  - inside a transaction, on the writing connection the transaction holds.
import { PostgresAdapter, type CompiledQuery, type Kysely, type RawBuilder } from 'kysely';
import type Libsql from 'libsql';
import type { Database } from './schema.js';

export type Param = string | number | null;

/** Where a bound value comes from: the caller's argument at that index, or a constant of the query. */
type Slot = number | { readonly value: unknown };

interface Compiled<R> {
  readonly query: CompiledQuery<R>;
  readonly slots: readonly Slot[];
}

/** Stands in for an argument while the query is compiled; no real value starts with a NUL. */
const ARG = '\u0000capstan:arg:';

export class CompiledSql<R, A extends readonly Param[]> {
  /** One compiled form per dialect (its adapter's class), since both drivers may live in one process. */
  private readonly byDialect = new Map<unknown, Compiled<R>>();

  /**
   * `build` takes the arguments as plain parameters (no defaults, no rest) and uses each only as a
   * value in the template: it is called once, with placeholders. `postgres`, written the same way,
   * is the query on PostgreSQL where the two dialects' SQL differs (an aggregate function, say).
   */
  constructor(
    private readonly build: (...args: A) => RawBuilder<R>,
    private readonly postgres?: (...args: A) => RawBuilder<R>,
  ) {}

  /** The query for `db` (the root or a transaction) with `args` bound. */
  bind(db: Kysely<Database>, args: A): CompiledQuery<R> {
    const { query, slots } = this.compiledFor(db);
    return { query: query.query, queryId: query.queryId, sql: query.sql, parameters: bindSlots(slots, args) };
  }

  compiledFor(db: Kysely<Database>): Compiled<R> {
    const adapter = db.getExecutor().adapter;
    const dialect = adapter.constructor;
    let compiled = this.byDialect.get(dialect);
    if (!compiled) {
      const build = this.postgres && adapter instanceof PostgresAdapter ? this.postgres : this.build;
      const placeholders = Array.from({ length: build.length }, (_, i) => `${ARG}${i}`) as unknown as A;
      const query = build(...placeholders).compile(db);
      const slots = query.parameters.map((p): Slot => (typeof p === 'string' && p.startsWith(ARG) ? Number(p.slice(ARG.length)) : { value: p }));
      compiled = { query, slots };
      this.byDialect.set(dialect, compiled);
    }
    return compiled;
  }
}

function bindSlots(slots: readonly Slot[], args: readonly Param[]): unknown[] {
  const out = new Array<unknown>(slots.length);
  for (let i = 0; i < slots.length; i++) {
    const slot = slots[i]!;
    out[i] = typeof slot === 'number' ? args[slot] : slot.value;
  }
  return out;
}

interface Prepared {
  readonly statement: Libsql.Statement;
  /** Makes a row's object from its values, for a statement that returns rows; undefined for one that does not. */
  readonly toRow: RowMaker | undefined;
}

type RowMaker = (values: readonly unknown[]) => unknown;

/** One SQLite connection's prepared statements for compiled queries, kept for the connection's life. */
export class SqliteStatements {
  /**
   * By how they are run: libsql (0.5) binds a statement's new values for `get` only if its last run
   * was not an `all`; after one, `get` runs with the values `all` had. A statement kept for each way
   * never mixes the two.
   */
  private readonly prepared = { all: new Map<CompiledSql<unknown, never>, Prepared>(), get: new Map<CompiledSql<unknown, never>, Prepared>() };

  constructor(
    readonly connection: Libsql.Database,
    /** Runs before each statement: the read-only connection's reads of one pass may share a transaction (pass-snapshot.ts). */
    private readonly beforeEach?: () => void,
  ) {}

  /** Every row `query` returns (none for a statement that returns none). */
  rows<R, A extends readonly Param[]>(db: Kysely<Database>, query: CompiledSql<R, A>, args: A): R[] {
    const { query: compiled, slots } = query.compiledFor(db);
    const { statement, toRow } = this.prepare(query, compiled.sql, 'all');
    const params = bindSlots(slots, args);
    this.beforeEach?.();
    if (!toRow) {
      statement.run(params);
      return [];
    }
    return (statement.all(params) as unknown[][]).map((row) => toRow(row) as R);
  }

  /** The first row `query` returns, if any. */
  first<R, A extends readonly Param[]>(db: Kysely<Database>, query: CompiledSql<R, A>, args: A): R | undefined {
    const { query: compiled, slots } = query.compiledFor(db);
    const { statement, toRow } = this.prepare(query, compiled.sql, 'get');
    if (!toRow) throw new Error('first() needs a statement that returns rows');
    this.beforeEach?.();
    const row = statement.get(bindSlots(slots, args)) as unknown[] | undefined;
    return row === undefined ? undefined : (toRow(row) as R);
  }

  private prepare(query: object, sql: string, way: 'all' | 'get'): Prepared {
    const key = query as CompiledSql<unknown, never>;
    let prepared = this.prepared[way].get(key);
    if (!prepared) {
      const statement = this.connection.prepare(sql);
      // Raw rows (arrays) skip the driver's per-row metadata; the names are read once.
      prepared = statement.reader ? { statement: statement.raw(true), toRow: rowMaker(statement.columns().map((c) => c.name)) } : { statement, toRow: undefined };
      this.prepared[way].set(key, prepared);
    }
    return prepared;
  }
}

/**
 * A statement's row maker: one object literal naming every column, made once per statement, so that
 * its rows share one shape. Setting the columns one by one in a loop (`out[name] = value`) was a
 * store V8 cannot specialize, on every column of every row, and left objects that later reads of
 * their fields could not specialize either. The names are SQLite's own for the statement's columns,
 * written into the function as JSON strings; `__proto__`, which a literal would take as the
 * prototype, keeps the loop.
 */
function rowMaker(columns: readonly string[]): RowMaker {
  if (columns.includes('__proto__')) {
    return (values) => {
      const out: Record<string, unknown> = {};
      for (let i = 0; i < columns.length; i++) Object.defineProperty(out, columns[i]!, { value: values[i], enumerable: true, writable: true, configurable: true });
      return out;
    };
  }
  const fields = columns.map((name, i) => `${JSON.stringify(name)}: values[${i}]`).join(', ');
  return new Function('values', `return { ${fields} };`) as RowMaker;
}

/** Where compiled queries run: see the top of this file. */
export interface SqliteConnections {
  /** The read-only connection, for reads outside a transaction. */
  readonly reader?: SqliteStatements;
  /** The writing connection, given only to a transaction that holds it. */
  readonly writer?: SqliteStatements;
}

/** Runs compiled queries on one connection or transaction (`db`), by the fastest way that keeps its isolation. */
export class QueryRunner {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly sqlite: SqliteConnections = {},
  ) {}

  /** The first row a read returns, if any. */
  async first<R, A extends readonly Param[]>(query: CompiledSql<R, A>, ...args: A): Promise<R | undefined> {
    const direct = this.sqlite.writer ?? this.sqlite.reader;
    if (direct) return direct.first(this.db, query, args);
    return (await this.db.executeQuery(query.bind(this.db, args))).rows[0];
  }

  /** Every row a statement returns (a write's RETURNING rows), on the runner's own connection. */
  async all<R, A extends readonly Param[]>(query: CompiledSql<R, A>, ...args: A): Promise<R[]> {
    if (this.sqlite.writer) return this.sqlite.writer.rows(this.db, query, args);
    return (await this.db.executeQuery(query.bind(this.db, args))).rows;
  }

  /**
   * The one row a write returns (an upsert's RETURNING), on the runner's own connection. SQLite makes
   * a statement's every change on its first step, so reading one row of it applies all of it.
   */
  async one<R, A extends readonly Param[]>(query: CompiledSql<R, A>, ...args: A): Promise<R | undefined> {
    if (this.sqlite.writer) return this.sqlite.writer.first(this.db, query, args);
    return (await this.db.executeQuery(query.bind(this.db, args))).rows[0];
  }
}
