// Rows of compiled queries on SQLite (storage/prepared.ts): each is an object with every column as
// its own property, whatever the column is called, exactly as the query builder's rows are.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Kysely, SqliteDialect, sql } from 'kysely';
import Database from 'libsql';
import { CompiledSql, SqliteStatements } from '../../src/storage/prepared.js';
import type { Database as Schema } from '../../src/storage/schema.js';

function open() {
  const connection = new Database(':memory:');
  const db = new Kysely<Schema>({ dialect: new SqliteDialect({ database: connection as never }) });
  return { connection, db, statements: new SqliteStatements(connection) };
}

test('columns with any name become own properties, duplicates keeping the last, __proto__ included', () => {
  const { connection, db, statements } = open();
  const query = new CompiledSql((x: string) => sql<Record<string, unknown>>`
    select ${x} as "a b", 'q' as "quo""te", 2 as "back\\slash", 3 as "__proto__", 4 as "ünï", 5 as "}; throw 1; ({", 6 as dup, 7 as dup`);
  const row = statements.first(db, query, ['v']);
  assert.ok(row);
  assert.equal(Object.getPrototypeOf(row), Object.prototype);
  assert.deepEqual(Object.keys(row), ['a b', 'quo"te', 'back\\slash', '__proto__', 'ünï', '}; throw 1; ({', 'dup']);
  assert.deepEqual({ ...row }, Object.fromEntries([['a b', 'v'], ['quo"te', 'q'], ['back\\slash', 2], ['__proto__', 3], ['ünï', 4], ['}; throw 1; ({', 5], ['dup', 7]]));
  connection.close();
});

test('every row gets its own values; first() after rows() of the same query binds its own', () => {
  const { connection, db, statements } = open();
  connection.exec('create table t (id integer primary key, name text)');
  const insert = new CompiledSql((id: number, name: string | null) => sql<never>`insert into t (id, name) values (${id}, ${name})`);
  for (const [id, name] of [[1, 'one'], [2, 'two'], [3, null]] as const) assert.deepEqual(statements.rows(db, insert, [id, name]), []);
  const all = new CompiledSql((from: number) => sql<{ id: number; name: string | null }>`select id, name from t where id >= ${from} order by id`);
  assert.deepEqual(statements.rows(db, all, [2]), [{ id: 2, name: 'two' }, { id: 3, name: null }]);
  assert.deepEqual(statements.rows(db, all, [1]).map((r) => r.name), ['one', 'two', null]);
  // libsql ran a get() after an all() of the same statement with the all()'s values: here id >= 1.
  assert.equal(statements.first(db, all, [9]), undefined);
  assert.deepEqual(statements.first(db, all, [3]), { id: 3, name: null });
  connection.close();
});
