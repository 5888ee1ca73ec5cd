// Which storage errors mean "the database cannot do this now, retry" (503 unavailable) rather than a
// bug (500): the connection and resource states of PostgreSQL and SQLite, by their codes.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { toAppError } from '../../src/http/error-handler.js';
import { isStorageUnavailable } from '../../src/storage/index.js';

const failure = (code: string, message = 'database error') => Object.assign(new Error(message), { code });

test('connection loss, shutdown, read-only, exhausted resources and lost conflicts are unavailable', () => {
  for (const code of ['08006', '08001', '57P01', '57P05', '57014', '53100', '53200', '53300', '25006', '58030', '40001', '40P01', 'ECONNRESET', 'SQLITE_BUSY', 'SQLITE_FULL', 'SQLITE_IOERR_WRITE']) {
    assert.equal(isStorageUnavailable(failure(code)), true, code);
  }
});

test('constraint, syntax and missing-table errors are not: they are bugs or bad input, not a moment to wait out', () => {
  for (const code of ['23505', '23503', '42P01', '42601', '22P02', '25P02', 'SQLITE_CONSTRAINT', 'SQLITE_ERROR']) {
    assert.equal(isStorageUnavailable(failure(code)), false, code);
  }
  assert.equal(isStorageUnavailable('08006'), false, 'only errors');
});

test('a read-only database file is unavailable too: the disk was remounted or the file moved away', () => {
  for (const code of ['SQLITE_READONLY', 'SQLITE_READONLY_DBMOVED']) assert.equal(isStorageUnavailable(failure(code)), true, code);
});

test('the answer says whether the database is out of reach, out of disk, read-only or failing its files', () => {
  const answer = (code: string) => toAppError(failure(code));
  for (const [code, message] of [
    ['SQLITE_FULL', 'The database cannot take writes right now: its disk is full; retry shortly'],
    ['53100', 'The database cannot take writes right now: its disk is full; retry shortly'],
    ['25006', 'The database cannot take writes right now: it is read-only; retry shortly'],
    ['SQLITE_READONLY_DBMOVED', 'The database cannot take writes right now: it is read-only; retry shortly'],
    ['SQLITE_IOERR_WRITE', 'The database cannot read or write its files right now; retry shortly'],
    ['ECONNREFUSED', 'The database cannot be reached right now; retry shortly'],
    ['57P01', 'The database cannot be reached right now; retry shortly'],
  ] as const) {
    const error = answer(code);
    assert.equal(error?.status, 503, code);
    assert.deepEqual(error?.toBody(), { error: message, code: 'unavailable' }, code);
    assert.equal(error?.headers['Retry-After'], '2', code);
  }
});
