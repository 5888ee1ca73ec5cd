// Access changes reach open streams because they are events of the log: revoking an organization key
// ends the documents streams (SSE and WebSocket) whose tokens it minted and the organizer socket it
// opened, and leaves the others alone — also when the revocation is committed by another process that
// never wakes the server (the offline CLI, like a node that died right after its commit).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { EventSource } from 'eventsource';
import { WebSocket } from 'ws';
import { runCli } from '../helpers/cli.js';
import { ADMIN_TOKEN, startServer, type TestServer } from '../helpers/server.js';
import { openSse, type SseStream } from '../helpers/sse.js';

async function until(check: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}

interface Key {
  readonly id: string;
  readonly apiKey: string;
}

describe('access changes end the streams they concern, on every path', () => {
  let ts: TestServer;
  let orgId: string;
  const streams: SseStream[] = [];
  const sockets: WebSocket[] = [];

  const newKey = async (): Promise<Key> => {
    const res = await ts.admin('POST', `/orgs/${orgId}/keys`, {});
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return { id: res.body.id as string, apiKey: res.body.api_key as string };
  };
  const documentsSse = async (key: Key): Promise<SseStream> => {
    const { token } = (await fetch(`${ts.url}/ws/token`, { method: 'POST', headers: { 'capout-api-key': key.apiKey } }).then((r) => r.json())) as { token: string };
    const s = await openSse(`${ts.url}/sse/status?token=${encodeURIComponent(token)}&recent=5`);
    assert.equal(s.status, 200);
    streams.push(s);
    return s;
  };
  const socket = async (url: string): Promise<{ ws: WebSocket; closed: Promise<number>; messages: Record<string, unknown>[] }> => {
    const ws = new WebSocket(url);
    sockets.push(ws);
    const messages: Record<string, unknown>[] = [];
    ws.on('message', (raw) => messages.push(JSON.parse(raw.toString()) as Record<string, unknown>));
    const closed = new Promise<number>((r) => ws.once('close', (code) => r(code)));
    await new Promise((r, j) => {
      ws.once('open', r);
      ws.once('error', j);
    });
    return { ws, closed, messages };
  };
  const documentsWs = async (key: Key) => {
    const { token } = (await fetch(`${ts.url}/ws/token`, { method: 'POST', headers: { 'capout-api-key': key.apiKey } }).then((r) => r.json())) as { token: string };
    return socket(`${ts.url.replace('http', 'ws')}/ws/status?token=${encodeURIComponent(token)}&recent=5`);
  };

  before(async () => {
    ts = await startServer({ eventsCheckMs: 200 });
    orgId = (await ts.admin('POST', '/orgs', { name: 'keys', credits_micro: 100_000 })).body.id as string;
  });
  after(async () => {
    for (const s of streams) s.close();
    for (const w of sockets) w.terminate();
    await ts.close();
  });

  test('revoking a key ends the documents streams and the organizer socket opened with it, and only those', async () => {
    const doomed = await newKey();
    const kept = await newKey();
    const sse = await documentsSse(doomed);
    const keptSse = await documentsSse(kept);
    const ws = await documentsWs(doomed);
    const organizer = await socket(`${ts.url.replace('http', 'ws')}/api/v1/ws/client-1?token=${doomed.apiKey}`);

    assert.equal((await ts.admin('DELETE', `/orgs/${orgId}/keys/${doomed.id}`)).status, 200);

    const end = await sse.next((f) => (f.data ?? '').includes('stream.unauthorized'), 5_000);
    assert.deepEqual(JSON.parse(end.data ?? '{}'), { type: 'stream.unauthorized', reason: 'key_revoked' });
    await sse.ended;
    assert.equal(await ws.closed, 4403);
    assert.ok(ws.messages.some((m) => m.type === 'stream.unauthorized' && m.reason === 'key_revoked'));
    assert.equal(await organizer.closed, 4403);
    // The other key's stream is still open and still delivering.
    await fetch(`${ts.url}/upload`, {
      method: 'POST',
      headers: { 'capout-api-key': kept.apiKey, 'content-type': 'application/json' },
      body: JSON.stringify({ url: 'https://example.com/a.pdf', file_name: 'a.pdf' }),
    });
    const next = await keptSse.next((f) => f.id !== undefined, 5_000);
    assert.equal(JSON.parse(next.data ?? '{}').status, 'processing');
  });

  test("a revoked key's tokens open no new stream: a reconnecting EventSource and a new WebSocket get 401", async () => {
    const doomed = await newKey();
    const { token } = (await fetch(`${ts.url}/ws/token`, { method: 'POST', headers: { 'capout-api-key': doomed.apiKey } }).then((r) => r.json())) as { token: string };
    const query = `token=${encodeURIComponent(token)}&recent=5`;
    // An outside client that reconnects by itself after the stream ends, as browsers do.
    const source = new EventSource(`${ts.url}/sse/status?${query}`);
    const errors: { code?: number | undefined }[] = [];
    const seen: string[] = [];
    source.onmessage = (m) => seen.push(String(m.data));
    source.onerror = (e) => errors.push({ code: e.code });
    try {
      await until(() => source.readyState === EventSource.OPEN, 5_000);
      assert.equal((await ts.admin('DELETE', `/orgs/${orgId}/keys/${doomed.id}`)).status, 200);
      // The open stream ends; the client's reconnect with the same token is refused for good (401).
      await until(() => source.readyState === EventSource.CLOSED, 15_000);
      assert.ok(seen.some((d) => d.includes('key_revoked')), 'the open stream was told why it ended');
      assert.equal(errors.at(-1)?.code, 401);
    } finally {
      source.close();
    }
    const sse = await fetch(`${ts.url}/sse/status?${query}`);
    assert.equal(sse.status, 401);
    assert.deepEqual(await sse.json(), { error: 'The API key that minted this token has been revoked', code: 'unauthorized' });
    const ws = new WebSocket(`${ts.url.replace('http', 'ws')}/ws/status?${query}`);
    ws.on('error', () => undefined);
    const refused = await new Promise<number>((resolve) => ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0)));
    ws.terminate();
    assert.equal(refused, 401);
  });

  test('a revocation committed by another process, which wakes nobody, still ends the stream within seconds', async () => {
    const doomed = await newKey();
    const sse = await documentsSse(doomed);
    const cli = await runCli(['admin', 'keys', 'revoke', '--org', orgId, '--key', doomed.id], { CAPSTAN_DATA_DIR: ts.dataDir, CAPSTAN_ADMIN_TOKEN: ADMIN_TOKEN });
    assert.equal(cli.code, 0, cli.stderr);
    const end = await sse.next((f) => (f.data ?? '').includes('stream.unauthorized'), 10_000);
    assert.equal(JSON.parse(end.data ?? '{}').reason, 'key_revoked');
  });
});
