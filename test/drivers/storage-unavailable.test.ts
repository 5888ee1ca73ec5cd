// Which storage errors mean "the database cannot do this now, retry" (503 unavailable) rather than a
// bug (500): the connection and resource states of PostgreSQL and SQLite, by their codes.
import assert from 'node:assert/strict';
import { test } from 'node:test';
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
