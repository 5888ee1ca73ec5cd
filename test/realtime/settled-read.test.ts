// readSettled: the current state and the last event of its topic that it reflects.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DocumentScope } from '../../src/documents/access.js';
import { VideoStreamScope } from '../../src/videos/access.js';
import type { DocumentStatus } from '../../src/documents/status.js';
import type { EventRecord } from '../../src/events/index.js';
import { readSettled } from '../../src/realtime/index.js';

/** A log whose topic moves by one event on each of the reads listed in `movesOn` (1-based). */
function movingLog(movesOn: readonly number[]) {
  let last = 10;
  let reads = 0;
  return {
    log: { lastId: async () => (last === 0 ? undefined : `id-${String(last).padStart(4, '0')}`) },
    read: async () => {
      reads++;
      if (movesOn.includes(reads)) last++;
      return reads;
    },
  };
}

test('a read the topic did not move across reflects exactly the events up to the id read before it', async () => {
  const { log, read } = movingLog([]);
  assert.deepEqual(await readSettled(log, 't', read), { value: 1, through: 'id-0010' });
});

test('a read the topic moved across is made again; a topic that keeps moving settles for the last read\'s line before it', async () => {
  const once = movingLog([1]);
  assert.deepEqual(await readSettled(once.log, 't', once.read), { value: 2, through: 'id-0011' });
  const always = movingLog([1, 2, 3, 4]);
  // The third read began after id-0012 committed: it reflects that one, maybe more, never less.
  assert.deepEqual(await readSettled(always.log, 't', always.read), { value: 3, through: 'id-0012' });
});

test('a topic without events yet settles nothing', async () => {
  const scope = new DocumentScope(['doc_a'], undefined);
  const { value, through } = await readSettled({ lastId: async () => undefined }, 't', async () => 'state');
  assert.deepEqual({ value, through }, { value: 'state', through: undefined });
  scope.settle([shown('doc_a')], through);
  assert.equal(scope.allows(statusEvent('doc_a', 'id-0001')), true);
});

const statusEvent = (documentId: string, id: string, newResource = false, data: Record<string, unknown> = {}): EventRecord => ({
  id, seq: 1, topic: 't', orgId: 'org', type: 'document.status', scope: { document_id: documentId, ...(newResource ? { new_resource: true } : {}) }, data, createdAt: '',
});
/** A status as a stream sent it (only the fields these checks read). */
const shown = (documentId: string, status = 'processing'): DocumentStatus => ({ document_id: documentId, status }) as unknown as DocumentStatus;

test('a settled document skips the events up to its line, then takes every later one; others are untouched', () => {
  const scope = new DocumentScope(['doc_a', 'doc_b'], undefined);
  scope.settle([shown('doc_a'), shown('doc_unknown')], 'id-0010');
  assert.equal(scope.allows(statusEvent('doc_a', 'id-0009')), false);
  assert.equal(scope.allows(statusEvent('doc_a', 'id-0010')), false);
  assert.equal(scope.allows(statusEvent('doc_b', 'id-0009')), true, 'not settled: every event');
  assert.equal(scope.allows(statusEvent('doc_a', 'id-0011')), true);
  assert.equal(scope.allows(statusEvent('doc_unknown', 'id-0012')), false, 'settling does not follow a document');
  // Unsubscribed and subscribed again without a status: its line went with it.
  scope.settle([shown('doc_b')], 'id-0020');
  scope.remove(['doc_b']);
  scope.add(['doc_b']);
  assert.equal(scope.allows(statusEvent('doc_b', 'id-0015')), true);
});

test('a recent=N stream still takes a new document that its opening status did not hold', () => {
  const scope = new DocumentScope(['doc_a'], 2);
  scope.settle([shown('doc_a')], 'id-0010');
  assert.equal(scope.allows(statusEvent('doc_new', 'id-0008', true)), true);
  assert.deepEqual(scope.list(), ['doc_a', 'doc_new']);
});

test('past the line, an event that says word for word what was shown is skipped too (a busy topic settles a little early)', () => {
  const scope = new DocumentScope(['doc_a'], undefined);
  scope.settle([{ ...shown('doc_a'), note: undefined } as DocumentStatus], 'id-0010');
  assert.equal(scope.allows(statusEvent('doc_a', 'id-0011', false, { document_id: 'doc_a', status: 'processing' })), false, 'the same status, keys left undefined aside');
  assert.equal(scope.allows(statusEvent('doc_a', 'id-0011', false, { document_id: 'doc_a', status: 'processing', updated_at: '2026-12-06T08:52:43.935Z' })), false, 'updated_at aside, as a status is reported');
  assert.equal(scope.allows(statusEvent('doc_a', 'id-0012', false, { document_id: 'doc_a', status: 'completed' })), true);
  assert.equal(scope.allows(statusEvent('doc_a', 'id-0013', false, { document_id: 'doc_a', status: 'completed' })), true, 'once a later one passed, every event is sent');
});

test('a video stream skips a video.processing that repeats the video.status it opened with, never an event naming a moment', () => {
  const status = { id: 'vid_a', duration: null, ready: false, processing: { stage: 'probe', status: 'running' }, appId: 'app_1' };
  const event = (type: string, id: string): EventRecord => ({ id, seq: 1, topic: 't', orgId: 'org', type, scope: { video_id: 'vid_a' }, data: { ...status }, createdAt: '' });
  const processing = new VideoStreamScope('app_1', ['vid_a']);
  processing.settle([status], 'id-0010');
  assert.equal(processing.allows(event('video.processing', 'id-0011')), false, 'the same status, past the line');
  const uploaded = new VideoStreamScope('app_1', ['vid_a']);
  uploaded.settle([status], 'id-0010');
  assert.equal(uploaded.allows(event('video.uploaded', 'id-0011')), true, 'the status does not show that the upload ended');
  assert.equal(uploaded.allows(event('video.processing', 'id-0012')), true, 'once a later event passed, every event is sent');
});
