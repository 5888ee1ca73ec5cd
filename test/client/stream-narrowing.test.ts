// The hub and video stream items are discriminated unions: README-shaped code that narrows on `type`
// compiles under --strict against the built package, as an app's would. An event of a type the SDK
// does not know arrives as `unknown`, so no known type has to admit any string.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { createClient, type VideoStreamItem } from '@capstan/client';

const PACKAGE = new URL('../../packages/client/', import.meta.url).pathname;
const FIXTURE = new URL('../fixtures/client-narrowing/', import.meta.url).pathname;
const TSC = new URL('../../node_modules/typescript/bin/tsc', import.meta.url).pathname;
const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

test('README-shaped narrowing of hub and video items compiles under --strict', () => {
  // An app of its own: the fixture with this repository's package installed under node_modules.
  const app = mkdtempSync(join(tmpdir(), 'capstan-client-narrowing-'));
  dirs.push(app);
  cpSync(FIXTURE, app, { recursive: true });
  mkdirSync(join(app, 'node_modules/@capstan'), { recursive: true });
  symlinkSync(PACKAGE, join(app, 'node_modules/@capstan/client'), 'dir');
  const res = spawnSync(process.execPath, [TSC, '-p', join(app, 'tsconfig.json')], { encoding: 'utf8' });
  assert.equal(res.status, 0, res.stdout + res.stderr);
});

/** A fetch that answers the events stream once with `body`, then with a stream that stays open. */
function sseOnce(body: string): typeof fetch {
  let calls = 0;
  return async (_input, init) => {
    const headers = { 'content-type': 'text/event-stream' };
    if (calls++ === 0) return new Response(body, { headers });
    const open = new ReadableStream<Uint8Array>({
      start(controller) {
        init?.signal?.addEventListener('abort', () => controller.error(new DOMException('aborted', 'AbortError')));
      },
    });
    return new Response(open, { headers });
  };
}

test('a video event of a type the SDK does not know comes as unknown, with its name and cursor', async () => {
  const data = JSON.stringify({ id: 'vid_1', appId: 'app_1', duration: 1, width: 2, height: 3, transcriptionStatus: null, ready: true });
  const body = `id: 01900000-0000-7000-8000-000000000001\nevent: video.ready\ndata: ${data}\n\n`
    + 'id: 01900000-0000-7000-8000-000000000002\nevent: video.sparkled\ndata: {"n":1}\n\n';
  const capstan = createClient({ baseUrl: 'http://capstan.test', secretKey: 'csk_x', fetch: sseOnce(body) });
  const stream = capstan.videos.events({});
  const got: VideoStreamItem[] = [];
  for await (const item of stream) {
    got.push(item);
    if (got.length === 2) break;
  }
  assert.deepEqual(got.map((i) => [i.id, i.type]), [['01900000-0000-7000-8000-000000000001', 'video.ready'], ['01900000-0000-7000-8000-000000000002', 'unknown']]);
  assert.deepEqual(got[1], { id: '01900000-0000-7000-8000-000000000002', type: 'unknown', event: 'video.sparkled', data: { n: 1 } });
  assert.equal(stream.lastEventId, '01900000-0000-7000-8000-000000000002', 'the unknown event moves the cursor');
});

test('a hub event of a type the SDK does not know comes as unknown', async () => {
  const body = 'id: 01900000-0000-7000-8000-000000000003\nevent: community.poll.opened\ndata: {"poll_id":"p1"}\n\n';
  const capstan = createClient({ baseUrl: 'http://capstan.test', fetch: sseOnce(body) });
  let first: unknown;
  for await (const item of capstan.hub.events({ hubId: 'hub_1', token: 't' })) {
    first = item;
    break;
  }
  assert.deepEqual(first, { id: '01900000-0000-7000-8000-000000000003', type: 'unknown', event: 'community.poll.opened', data: { poll_id: 'p1' } });
});
