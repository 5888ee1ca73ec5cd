// GET /asyncapi.json: a valid AsyncAPI 3.0 document, and one that describes what the streams really
// send. Every realtime surface is opened on a real server, driven through its REST calls, ended with
// terminal events (expiry, ban, stale cursor, and a drain when the server closes), and every frame it
// sent is validated against the document: a frame no message describes fails the test.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Parser } from '@asyncapi/parser';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { WebSocket } from 'ws';
import { VideoStatus } from '../../src/surfaces/videos/schemas.js';
import { uuidv7At } from '../../src/util/ids.js';
import { buildEstimatePdf } from '../fixtures/documents.js';
import { makeHub } from '../helpers/hub.js';
import { makeOrg, waitForStatus } from '../helpers/org.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { openSse, type SseFrame, type SseStream } from '../helpers/sse.js';
import { createVideo, makeApp } from '../helpers/videos.js';
import { listen, until, uploadJson, waitForJob, type Msg } from '../organizer/helpers.js';

interface DocMessage {
  readonly payload: object;
  readonly headers?: object;
  readonly 'x-terminal'?: boolean;
  readonly 'x-close-code'?: number;
}
interface Doc {
  readonly asyncapi: string;
  readonly channels: Record<string, { address: string; messages: Record<string, DocMessage> }>;
  readonly operations: Record<string, { action: string; channel: { $ref: string }; messages: { $ref: string }[] }>;
}

/** What one stream sent: SSE frames as headers (id, event, retry) and payload, WebSocket messages as payload. */
interface Sent {
  readonly headers?: Record<string, unknown>;
  readonly payload: unknown;
}

const ajv = new Ajv({ strict: false, allErrors: true });
addFormats.default(ajv);
const compiled = new WeakMap<object, ValidateFunction>();
const validator = (schema: object): ValidateFunction => {
  let v = compiled.get(schema);
  if (!v) compiled.set(schema, (v = ajv.compile(schema)));
  return v;
};

/** The messages the server sends on `channel`: those of its send operations (client messages excluded). */
function serverMessages(doc: Doc, channel: string): [string, DocMessage][] {
  const names = new Set<string>();
  for (const op of Object.values(doc.operations)) {
    if (op.action !== 'send' || op.channel.$ref !== `#/channels/${channel}`) continue;
    for (const m of op.messages) names.add(m.$ref.split('/').at(-1) ?? '');
  }
  return Object.entries(doc.channels[channel]?.messages ?? {}).filter(([name]) => names.has(name));
}

/** The message of the document that describes `sent`, or a failure naming the frame. */
function describedBy(doc: Doc, channel: string, sent: Sent): [string, DocMessage] {
  const errors: string[] = [];
  for (const [name, m] of serverMessages(doc, channel)) {
    const payloadOk = validator(m.payload)(sent.payload);
    const headersOk = m.headers === undefined ? sent.headers === undefined : validator(m.headers)(sent.headers ?? {});
    if (payloadOk && headersOk) return [name, m];
    if (payloadOk) errors.push(`${name}: headers ${ajv.errorsText(validator(m.headers ?? {}).errors)}`);
  }
  assert.fail(`${channel}: no message of the document describes ${JSON.stringify(sent)}${errors.length ? ` (${errors.join('; ')})` : ''}`);
}

/** The data frames of an SSE stream; the opening `retry:` hint and `: heartbeat` comments carry no data. */
function sseSent(stream: SseStream): Sent[] {
  const sent: Sent[] = [];
  /** An empty id alone, which makes a browser forget its cursor: only right before stream.stale_resume. */
  let forgotCursor = false;
  for (const f of stream.frames) {
    if (f.data === undefined) {
      if (f.id === '' && f.event === undefined && f.retry === undefined && f.comment === undefined) {
        forgotCursor = true;
        continue;
      }
      assert.ok(f.comment === 'heartbeat' || (f.retry !== undefined && f.id === undefined && f.event === undefined), `a frame without data: ${JSON.stringify(f)}`);
      continue;
    }
    if (forgotCursor) {
      const type = f.event ?? (JSON.parse(f.data) as { type?: unknown }).type;
      assert.equal(type, 'stream.stale_resume', 'the empty id block comes only before stream.stale_resume');
      forgotCursor = false;
    }
    const headers: Record<string, unknown> = {};
    for (const k of ['id', 'event', 'retry'] as const) if (f[k] !== undefined) headers[k] = f[k];
    sent.push({ headers, payload: JSON.parse(f.data) as unknown });
  }
  return sent;
}

interface Socket {
  readonly ws: WebSocket;
  readonly received: Msg[];
  readonly closed: Promise<number>;
}

async function socket(url: string): Promise<Socket> {
  const ws = new WebSocket(url);
  const received: Msg[] = [];
  ws.on('message', (data) => received.push(JSON.parse(String(data)) as Msg));
  const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  return { ws, received, closed };
}

const isTerminal = (f: SseFrame) => (f.event ?? '').startsWith('stream.') && f.event !== 'stream.subscribed';

describe('GET /asyncapi.json', () => {
  let ts: TestServer;
  let doc: Doc;
  let closed = false;

  before(async () => {
    ts = await startServer({ developerKeyRecheckMs: 100, realtimeDrainWindowMs: 1000 });
    const res = await fetch(`${ts.url}/asyncapi.json`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /application\/json/);
    doc = (await res.json()) as Doc;
  });
  after(async () => {
    if (!closed) await ts.close();
  });

  test('is an AsyncAPI 3.0 document the AsyncAPI parser accepts without errors', async () => {
    assert.equal(doc.asyncapi, '3.0.0');
    const { diagnostics } = await new Parser().parse(JSON.stringify(doc));
    const list = diagnostics.map((d) => `[${d.severity}] ${d.code} ${d.path.join('.')}: ${d.message}`).join('\n');
    assert.equal(diagnostics.filter((d) => d.severity === 0).length, 0, list);
    assert.deepEqual(Object.values(doc.channels).map((c) => c.address).sort(), ['/admin/v1/live/events', '/admin/v1/live/system', '/api/developer/sdk/v1/videos/{id}/events', '/api/developer/v1/events', '/api/v1/ws/{client_id}', '/realtime/events', '/sse/status', '/ws/status']);
  });

  test("lists every registered event type on its channel, and the video payload has the status route's shape", () => {
    for (const spec of ts.server.ctx.eventTypes.list()) {
      if (spec.internal) continue;
      const channel = spec.type.startsWith('video.') ? 'videoEvents' : spec.type.startsWith('organizer.') ? 'organizerWs' : spec.type === 'document.status' ? 'documentsSse' : 'hubEvents';
      const name = channel === 'organizerWs' ? spec.type.slice('organizer.'.length) : channel === 'documentsSse' ? 'status' : spec.type;
      assert.ok(doc.channels[channel]?.messages[name], `${spec.type} is described on ${channel}`);
    }
    const video = doc.channels.videoEvents?.messages['video.ready']?.payload as { properties: Record<string, unknown> };
    const { appId, ...fields } = video.properties;
    assert.ok(appId);
    // Descriptions may be worded apart; the shape must be the same.
    const shape = (o: unknown) => JSON.parse(JSON.stringify(o, (k, v: unknown) => (k === 'description' ? undefined : v))) as unknown;
    assert.deepEqual(shape(fields), shape(VideoStatus.properties));
  });

  test('every frame the streams send is a message of the document, terminal events and close codes included', async () => {
    const org = await makeOrg(ts);
    const hub = await makeHub(ts, org.id);
    const app = await makeApp(ts, { orgId: org.id });
    const pdf64 = Buffer.from(await buildEstimatePdf()).toString('base64');
    const wsBase = ts.url.replace('http', 'ws');
    const token = async () => (await org.call('POST', '/ws/token')).body.token as string;
    const sse: Record<string, SseStream[]> = { documentsSse: [], hubEvents: [], videoEvents: [], videoWatch: [] };
    const open = async (channel: string, url: string, options: Parameters<typeof openSse>[1] = {}) => {
      const s = await openSse(url, options);
      assert.equal(s.status, 200, s.body);
      sse[channel]?.push(s);
      return s;
    };

    // Documents: a stream following the latest uploads, and a socket that subscribes by hand.
    const docStream = await open('documentsSse', `${ts.url}/sse/status?token=${await token()}&recent=10`);
    const docSocket = await socket(`${wsBase}/ws/status?token=${await token()}`);
    const documentId = (await org.call('POST', '/upload', { file_base64: pdf64, file_name: 'claim-123-scope.pdf' })).body.document_id as string;
    await waitForStatus(org, documentId, (s) => s.status !== 'processing');
    await docStream.next((f) => f.id !== undefined && (JSON.parse(f.data ?? '{}') as Msg).status !== 'processing');
    docSocket.ws.send(JSON.stringify({ action: 'subscribe', document_ids: [documentId, 'doc_unknown'] }));
    docSocket.ws.send(JSON.stringify({ action: 'unsubscribe', document_ids: [documentId] }));
    docSocket.ws.send('{"action":"watch"}');
    await until(() => docSocket.received.some((m) => m.type === 'error'), 'the documents socket error');
    // A token that expires in a second or two: snapshot, then stream.expired.
    const shortToken = await ts.server.ctx.tokens.issue('realtime', org.id, { scope: 'documents' }, 2);
    const expiringDocs = await open('documentsSse', `${ts.url}/sse/status?token=rt_${shortToken.token}&document_id=${documentId}`);

    // Organizer: files, a job and its undo, a deletion, a ping and a message it does not take.
    const organizer = await listen(ts, org.apiKey);
    const organizerClosed = new Promise<number>((resolve) => organizer.ws.once('close', (code) => resolve(code)));
    const [fileId] = await uploadJson(org, [{ name: 'Invoice 2025-03.txt', body: 'Invoice 2025-03' }, { name: 'old.txt', body: 'x' }]);
    assert.equal((await org.call('PATCH', `/api/v1/files/${fileId!}`, { folder: 'Inbox' })).status, 200);
    const job = await org.call('POST', '/api/v1/jobs', { folder: 'Inbox' });
    await waitForJob(org, job.body.jobId as string);
    assert.equal((await org.call('POST', `/api/v1/jobs/${job.body.jobId as string}/undo`)).status, 200);
    const files = (await org.call('GET', '/api/v1/files?recursive=true')).body.files as Msg[];
    const old = files.find((f) => f.name === 'old.txt');
    assert.equal((await org.call('DELETE', `/api/v1/files/${old?.fileId as string}`)).status, 204);
    organizer.ws.send('{"type":"ping"}');
    organizer.ws.send('hello');
    await until(() => ['job_undone', 'file_deleted', 'pong'].every((t) => organizer.received.some((m) => m.type === t)) && organizer.received.some((m) => m.code === 'INVALID_MESSAGE'), 'the organizer events');

    // Hub: live events, an expiring token, a ban, and a cursor older than the replay window.
    const member = await hub.member('reader');
    const hubStream = await open('hubEvents', hub.streamUrl(), { token: member.token });
    const expiringHub = await open('hubEvents', hub.streamUrl(), { token: (await hub.member('brief', 2)).token });
    const banned = await hub.member('banned');
    const bannedStream = await open('hubEvents', hub.streamUrl(), { token: banned.token });
    const stale = uuidv7At(Date.now() - (ts.config.realtimeRetentionSeconds + 60) * 1000);
    const staleHub = await open('hubEvents', hub.streamUrl(), { token: member.token, lastEventId: stale });
    await hub.publish({ type: 'test.ping', data: { n: 1 } });
    assert.equal((await ts.admin('POST', `/hubs/${hub.hubId}/spaces`, { name: 'General' })).status, 201);
    await hubStream.next((f) => f.event === 'community.space.created');
    assert.equal((await ts.admin('POST', `/hubs/${hub.hubId}/contacts/${banned.id}/ban`)).status, 200);

    // Developer video events: a snapshot of a named video, stream.subscribed, its events, a stale cursor.
    const videoId = await createVideo(app);
    const videoStream = await open('videoEvents', `${ts.url}/api/developer/v1/events?video_id=${videoId}`, { token: app.secretKey });
    const appStream = await open('videoEvents', `${ts.url}/api/developer/v1/events`, { token: app.secretKey });
    await open('videoEvents', `${ts.url}/api/developer/v1/events`, { token: app.secretKey, lastEventId: stale });
    await appStream.next((f) => f.event === 'stream.subscribed');
    await createVideo(app);
    assert.equal((await app.rest('DELETE', `/videos/${videoId}`)).status, 200);
    await videoStream.next((f) => f.event === 'video.deleted');
    await appStream.next((f) => f.event === 'video.created');
    // One video watched with the public key: its status, stream.subscribed, its events; a stale cursor.
    const watchedId = await createVideo(app);
    const watched = await open('videoWatch', `${ts.url}/api/developer/sdk/v1/videos/${watchedId}/events?key=${app.publicKey}`);
    await open('videoWatch', `${ts.url}/api/developer/sdk/v1/videos/${watchedId}/events`, { token: app.publicKey, lastEventId: stale });
    await watched.next((f) => f.event === 'stream.subscribed');
    assert.equal((await app.sdk('/upload/multipart/initiate', { videoId: watchedId })).status, 200);
    await watched.next((f) => f.event === 'video.upload_started');

    for (const s of [expiringDocs, expiringHub, bannedStream, staleHub]) await s.ended;
    // The rest end with stream.draining when the server closes.
    await ts.close();
    closed = true;
    for (const list of Object.values(sse)) for (const s of list) await s.ended;
    const docCode = await docSocket.closed;
    const organizerCode = await organizerClosed;

    const seen = new Map<string, Set<string>>();
    const check = (channel: string, sent: Sent): DocMessage => {
      const [name, m] = describedBy(doc, channel, sent);
      (seen.get(channel) ?? seen.set(channel, new Set()).get(channel)!).add(name);
      return m;
    };
    for (const [channel, list] of Object.entries(sse)) {
      for (const s of list) {
        const sent = sseSent(s);
        const last = sent.at(-1);
        assert.ok(last, `${channel}: the stream sent something`);
        sent.forEach((f, i) => assert.equal(check(channel, f)['x-terminal'] === true, i === sent.length - 1, `${channel}: only the last frame is terminal (${JSON.stringify(f)})`));
        assert.ok(s.frames.filter((f) => f.data !== undefined).every((f) => !isTerminal(f) || f.id === undefined), 'terminal events carry no id');
      }
    }
    for (const [channel, s, code] of [['documentsWs', docSocket, docCode], ['organizerWs', { received: organizer.received }, organizerCode]] as const) {
      const messages = s.received.map((payload) => check(channel, { payload }));
      const terminal = messages.at(-1);
      assert.equal(terminal?.['x-terminal'], true, `${channel} ends with a terminal message`);
      assert.equal(code, terminal['x-close-code'], `${channel}: the close code is the terminal message's`);
      assert.equal(messages.filter((m) => m['x-terminal']).length, 1);
    }

    const expected: Record<string, string[]> = {
      documentsSse: ['status', 'status_snapshot', 'stream.expired', 'stream.draining'],
      documentsWs: ['status', 'subscribed', 'unsubscribed', 'error', 'stream.draining'],
      organizerWs: ['file_uploaded', 'file_updated', 'job_progress', 'job_complete', 'job_undone', 'file_deleted', 'pong', 'invalid_message', 'stream.draining'],
      hubEvents: ['test.ping', 'community.space.created', 'stream.expired', 'stream.unauthorized', 'stream.stale_resume', 'stream.draining'],
      videoEvents: ['video.status', 'stream.subscribed', 'video.created', 'video.deleted', 'stream.stale_resume', 'stream.draining'],
    };
    for (const [channel, names] of Object.entries(expected)) {
      for (const name of names) assert.ok(seen.get(channel)?.has(name), `${channel}: ${name} was sent and described (seen: ${[...(seen.get(channel) ?? [])].join(', ')})`);
    }
  });
});
