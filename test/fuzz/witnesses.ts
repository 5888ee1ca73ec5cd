// Healthy clients connected before the fuzzing starts, in a tenant of their own: a hub SSE stream, a
// documents WebSocket and an organizer WebSocket. A checkpoint publishes through the ordinary APIs
// and waits for each client to receive what it is owed, so fuzzing that stalls, breaks or cuts other
// clients fails the run. Their requests carry their own X-Forwarded-For: behind a trusted proxy they
// are a client address of their own, as they would be in production, and the fuzzer's guessed
// credentials do not spend their address's auth-failure budget.
import assert from 'node:assert/strict';
import { WebSocket } from 'ws';
import { buildEstimatePdf } from '../fixtures/documents.js';
import { makeHub } from '../helpers/hub.js';
import { ADMIN_TOKEN, type TestServer } from '../helpers/server.js';
import { openSse, type SseStream } from '../helpers/sse.js';
import { until } from '../helpers/wait.js';

type Msg = Record<string, unknown>;

export interface Witnesses {
  /** Publishes to every healthy client and waits until each has received it, in order. */
  checkpoint(label: string): Promise<void>;
  close(): void;
}

export const WITNESS_ADDRESS = '10.250.0.1';

async function openWs(url: string): Promise<{ ws: WebSocket; received: Msg[] }> {
  const ws = new WebSocket(url, { headers: { 'x-forwarded-for': WITNESS_ADDRESS } });
  const received: Msg[] = [];
  ws.on('message', (data) => received.push(JSON.parse(String(data)) as Msg));
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  return { ws, received };
}

export async function openWitnesses(ts: TestServer): Promise<Witnesses> {
  const xff = { 'x-forwarded-for': WITNESS_ADDRESS };
  const post = async (path: string, headers: Record<string, string>, body: unknown): Promise<Msg> => {
    const res = await fetch(ts.url + path, { method: 'POST', headers: { ...xff, ...headers, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const text = await res.text();
    assert.ok(res.status >= 200 && res.status < 300, `a healthy client's ${path} answered ${res.status} ${text}`);
    return JSON.parse(text) as Msg;
  };
  const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };
  const org = await post('/admin/v1/orgs', admin, { name: 'witness', credits_micro: 100_000_000 });
  const orgKey = { 'capout-api-key': org.api_key as string };
  const hub = await makeHub(ts, org.id as string);
  const member = await hub.member('witness');
  const sse = await openSse(hub.streamUrl(), { token: member.token, headers: xff });
  assert.equal(sse.status, 200, sse.body);
  const realtime = await post('/ws/token', orgKey, {});
  const base = ts.url.replace('http', 'ws');
  const documents = await openWs(`${base}/ws/status?token=${encodeURIComponent(realtime.token as string)}&recent=10`);
  const organizer = await openWs(`${base}/api/v1/ws/witness?token=${org.api_key as string}`);
  const pdf = Buffer.from(await buildEstimatePdf()).toString('base64');
  const published: string[] = [];

  const hubEventsOf = (stream: SseStream) => stream.frames.filter((f) => f.event === 'test.ping').map((f) => f.id);
  const open = (name: string, ws: WebSocket) => assert.equal(ws.readyState, WebSocket.OPEN, `the healthy ${name} socket is still open`);

  return {
    async checkpoint(label) {
      const health = await fetch(`${ts.url}/healthz`);
      assert.equal(health.status, 200, `/healthz ${label}`);
      open('documents', documents.ws);
      open('organizer', organizer.ws);
      const event = await post(`/admin/v1/hubs/${hub.hubId}/events`, admin, { type: 'test.ping', data: { label } });
      published.push(event.id as string);
      const doc = await post('/upload', orgKey, { file_base64: pdf, file_name: `${label}.pdf` });
      const file = await post('/api/v1/files', orgKey, { name: `${label}.txt`, content_base64: Buffer.from(label).toString('base64') });
      const fileId = ((file.files as Msg[])[0] ?? {}).fileId;
      await until(() => hubEventsOf(sse).length >= published.length, `the healthy hub stream to receive event ${label}`, 15_000);
      assert.deepEqual(hubEventsOf(sse), published, 'the healthy hub stream got every event once, in order');
      assert.ok(!sse.frames.some((f) => f.event?.startsWith('stream.')), `the healthy hub stream was not ended: ${JSON.stringify(sse.frames.slice(-2))}`);
      await until(() => documents.received.some((m) => m.document_id === doc.document_id), `the healthy documents socket to receive ${label}.pdf's status`, 15_000);
      await until(() => organizer.received.some((m) => m.type === 'file_uploaded' && m.fileId === fileId), `the healthy organizer socket to receive ${label}.txt`, 15_000);
      open('documents', documents.ws);
      open('organizer', organizer.ws);
    },
    close() {
      sse.close();
      documents.ws.close();
      organizer.ws.close();
    },
  };
}
