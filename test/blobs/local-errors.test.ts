// A disk that is full, over quota, read-only or failing is the file store unavailable (503, retried;
// a stage waits), not an unknown error (500). /dev/full gives a real ENOSPC for every write.
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { test } from 'node:test';
import { fromLocalError, localCall } from '../../src/blobs/local-errors.js';
import { toAppError } from '../../src/http/error-handler.js';
import { DependencyUnavailable } from '../../src/util/dependency-unavailable.js';

test('a write to a full disk is the file store unavailable, with the disk error as its cause', async () => {
  await assert.rejects(
    localCall(() => writeFile('/dev/full', 'bytes')),
    (e: unknown) => e instanceof DependencyUnavailable && e.message === 'the file store cannot take writes right now: its disk is full' && (e.cause as { code?: unknown }).code === 'ENOSPC',
  );
});

test('other errors pass through as they are', async () => {
  await assert.rejects(localCall(() => writeFile('/no/such/folder/file', 'bytes')), (e: unknown) => !(e instanceof DependencyUnavailable) && (e as { code?: unknown }).code === 'ENOENT');
});

test('a folder this process may not write is the file store unavailable too (the data directory changed owner or mode)', () => {
  // Tests run as root, whom modes do not stop: the error is made as fs makes it.
  const denied = Object.assign(new Error("EACCES: permission denied, mkdir '/data/blobs'"), { code: 'EACCES', errno: -13, syscall: 'mkdir' });
  assert.ok(fromLocalError(denied) instanceof DependencyUnavailable);
});

test('the message says what is wrong with the disk, and reaches the client as the 503', () => {
  for (const [code, state] of [
    ['EROFS', 'cannot take writes right now: its disk is read-only'],
    ['EDQUOT', 'cannot take writes right now: its disk quota is used up'],
    ['EIO', 'cannot read or write its disk right now'],
  ] as const) {
    const error = fromLocalError(Object.assign(new Error(code), { code }));
    assert.ok(error instanceof DependencyUnavailable, code);
    assert.deepEqual(toAppError(error)?.toBody(), { error: `The file store ${state}; retry shortly`, code: 'unavailable' }, code);
  }
});
