// The WebSocket pong deadline: a client that stops answering pings is dropped within the idle
// window (its bytes still leave Node's buffer, so only its answers prove it is there) and its slot
// is free again; a client that answers stays open however long it is quiet.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { WebSocket } from 'ws';
import { makeOrg, type TestOrg } from '../helpers/org.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { until } from '../helpers/wait.js';
import { listen } from '../organizer/helpers.js';
import { frame, rawWs } from '../helpers/raw-ws.js';

const HEARTBEAT_MS = 100;
const IDLE_MS = 600;

describe('WebSocket pong deadline', () => {
  let ts: TestServer;
  let org: TestOrg;
  before(async () => {
    ts = await startServer({ realtimeHeartbeatMs: HEARTBEAT_MS, realtimeIdleTimeoutMs: IDLE_MS });
    org = await makeOrg(ts);
  });
  after(() => ts.close());

  test('a client that never answers a ping is dropped within the idle window, and its client_id connects again', async () => {
    const url = `${ts.url.replace('http', 'ws')}/api/v1/ws/mute?token=${org.apiKey}`;
    const openedAt = Date.now();
    // A hand-made client: it reads the pings and answers none of them.
    const mute = await rawWs(url);
    await mute.closed;
    const tookMs = Date.now() - openedAt;
    // At least one ping: how many fit in the window depends on how busy the machine is.
    assert.ok(mute.frames.some((f) => f.opcode === 0x9), 'it was pinged');
    assert.ok(tookMs >= IDLE_MS - 50 && tookMs <= IDLE_MS + 1000, `dropped after ${tookMs} ms`);
    await until(() => ts.server.ctx.realtime.size === 0, 'the connection to be released', 5_000);
    const again = await listen(ts, org.apiKey, 'mute');
    again.close();
  });

  test('a client that answers with a pong stays open through many idle windows', async () => {
    const url = `${ts.url.replace('http', 'ws')}/api/v1/ws/quiet?token=${org.apiKey}`;
    const ws = new WebSocket(url);
    let pings = 0;
    let closed = false;
    ws.on('ping', () => pings++);
    ws.on('close', () => (closed = true));
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    await new Promise((r) => setTimeout(r, IDLE_MS * 4));
    assert.equal(closed, false);
    assert.ok(pings >= 10, `${pings} pings`);
    ws.close();
  });

  test('any frame from the client counts as an answer, not only a pong', async () => {
    const url = `${ts.url.replace('http', 'ws')}/api/v1/ws/chatty?token=${org.apiKey}`;
    const chatty = await rawWs(url);
    let closed = false;
    void chatty.closed.then(() => (closed = true));
    const end = Date.now() + IDLE_MS * 3;
    while (Date.now() < end) {
      chatty.send(frame(0x1, Buffer.from('{"type":"ping"}')));
      await new Promise((r) => setTimeout(r, IDLE_MS / 4));
    }
    assert.equal(closed, false);
    chatty.send(frame(0x8, Buffer.from([0x03, 0xe8])));
    assert.equal((await chatty.closed).code, 1000);
  });
});
