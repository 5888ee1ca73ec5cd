// Exactly one message per status change: a full document run, watched over SSE (the eventsource
// package) and WebSocket (ws) at once, reports each change of the GET /status shape once, in order,
// ending with one `completed`; the event log holds the same messages and nothing more.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { EventSource } from 'eventsource';
import { WebSocket } from 'ws';
import { orgTopic } from '../../src/events/index.js';
import { buildEstimatePdf } from '../fixtures/documents.js';
import { makeOrg, waitForStatus, type TestOrg } from '../helpers/org.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { until } from '../helpers/wait.js';

type Msg = Record<string, unknown>;

const STAGES = ['ocr', 'structure', 'actions', 'trades', 'categories'] as const;

/** The progress maps a document goes through: each stage in progress, then complete. */
function expectedProgress(): Record<string, string | null>[] {
  const steps: Record<string, string | null>[] = [Object.fromEntries(STAGES.map((s) => [s, null]))];
  for (const stage of STAGES) {
    const last = steps.at(-1)!;
    steps.push({ ...last, [stage]: 'in_progress' });
    steps.push({ ...last, [stage]: 'complete' });
  }
  return steps;
}

describe('one message per document status change', () => {
  let ts: TestServer;
  let org: TestOrg;

  before(async () => {
    ts = await startServer();
    org = await makeOrg(ts);
  });
  after(() => ts.close());

  test('a full run reports each change once, on SSE and WebSocket alike, and the log holds nothing more', async () => {
    const { token } = (await org.call('POST', '/ws/token')).body as { token: string };
    const sse: Msg[] = [];
    const source = new EventSource(`${ts.url}/sse/status?token=${encodeURIComponent(token)}&recent=5`);
    source.onmessage = (e) => sse.push(JSON.parse(e.data) as Msg);
    const sseOpen = new Promise((r) => source.addEventListener('open', r, { once: true }));
    const ws: Msg[] = [];
    const socket = new WebSocket(`${ts.url.replace('http', 'ws')}/ws/status?token=${encodeURIComponent(token)}&recent=5`);
    socket.on('message', (raw) => ws.push(JSON.parse(raw.toString()) as Msg));
    await Promise.all([sseOpen, new Promise((r) => socket.once('open', r))]);
    // Both streams are live before the upload: recent=5 lets the new document join.
    await new Promise((r) => setTimeout(r, 200));

    const pdf = Buffer.from(await buildEstimatePdf()).toString('base64');
    const documentId = (await org.call('POST', '/upload', { file_base64: pdf, file_name: 'scope.pdf' })).body.document_id as string;
    await waitForStatus(org, documentId, (s) => s.status === 'completed');
    const mine = (list: Msg[]) => list.filter((m) => m.document_id === documentId);
    await until(() => mine(sse).at(-1)?.status === 'completed' && mine(ws).at(-1)?.status === 'completed', 'completed on both streams', 60_000);
    // Anything late (a duplicate) would arrive right behind the last one.
    await new Promise((r) => setTimeout(r, 300));
    source.close();
    socket.close();

    const expected = expectedProgress();
    for (const [name, got] of [['SSE', mine(sse)], ['WebSocket', mine(ws)]] as const) {
      assert.deepEqual(got.map((m) => m.progress), expected, `${name}: each stage in progress, then complete, once each`);
      assert.deepEqual(got.map((m) => m.status), [...Array<string>(expected.length - 1).fill('processing'), 'completed'], `${name}: one completed, at the end`);
    }
    const logged = (await ts.server.ctx.storage.events.readAfter(orgTopic(org.id), undefined, 1000)).filter((e) => JSON.parse(e.scope).document_id === documentId);
    assert.equal(logged.length, expected.length, 'the log holds one event per change');
  });
});
