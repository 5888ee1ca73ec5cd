// One WebSocket client flooding messages (10,000 a second) is closed with 1008 (policy violation),
// and the other clients of the node keep getting their events and replies meanwhile; a client
// within the rate is never closed. The documents socket's subscribe is one query for the ids,
// however many of them name nothing.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { WebSocket } from 'ws';
import { makeOrg, type TestOrg } from '../helpers/org.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { until } from '../helpers/wait.js';
import { listen, uploadJson, type Listener, type Msg } from '../organizer/helpers.js';
import { rawWs, textFrame, type RawWs } from '../helpers/raw-ws.js';
import { holdStatusLookups, replyOrder } from '../helpers/held-lookups.js';

interface Client {
  readonly ws: WebSocket;
  readonly received: Msg[];
  readonly closed: Promise<number>;
}

/** The JSON text messages a raw socket received, and its close code once it closed. */
async function repliesThenClose(ws: RawWs): Promise<{ replies: Msg[]; code: number | undefined }> {
  const { code } = await ws.closed;
  const replies = ws.frames.filter((f) => f.opcode === 0x1).map((f) => JSON.parse(f.payload.toString()) as Msg);
  return { replies, code };
}

/**
 * A burst of twice the bound in one write gets one reply for each message within the bound and none
 * past it. The bound refills a token every 1/bound s, so a server held up while it reads the burst (a
 * loaded machine) answers a few more; the bound itself is what is checked.
 */
function assertWithinBound(replies: number, bound: number): void {
  assert.ok(replies >= bound, `every message within the bound (${bound}) has its reply: ${replies}`);
  assert.ok(replies < 2 * bound, `the messages past the bound have none: ${replies} of ${2 * bound}`);
}

async function connect(url: string): Promise<Client> {
  const ws = new WebSocket(url);
  const received: Msg[] = [];
  ws.on('message', (data) => received.push(JSON.parse(String(data)) as Msg));
  const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  return { ws, received, closed };
}

/** Sends `message` at about 10,000 a second (100 every 10 ms) until the socket closes or 5 s pass. */
async function flood(client: Client, message: string): Promise<number> {
  let open = true;
  void client.closed.then(() => (open = false));
  const end = Date.now() + 5_000;
  let sent = 0;
  while (open && Date.now() < end) {
    for (let i = 0; i < 100 && client.ws.readyState === WebSocket.OPEN; i++) {
      client.ws.send(message);
      sent++;
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  return sent;
}

describe('WebSocket message floods', () => {
  let ts: TestServer;
  let org: TestOrg;
  let witness: Listener;
  const wsBase = () => ts.url.replace('http', 'ws');
  const docsUrl = async () => `${wsBase()}/ws/status?token=${encodeURIComponent((await org.call('POST', '/ws/token')).body.token as string)}`;

  before(async () => {
    ts = await startServer();
    org = await makeOrg(ts);
    witness = await listen(ts, org.apiKey, 'flood-witness');
  });
  after(async () => {
    witness.close();
    await ts.close();
  });

  test('an organizer client sending 10,000 messages a second is closed with 1008; another keeps receiving its events', async () => {
    const flooder = await connect(`${wsBase()}/api/v1/ws/flooder?token=${org.apiKey}`);
    const flooding = flood(flooder, JSON.stringify({ type: 'ping' }));
    const [fileId] = await uploadJson(org, [{ name: 'during-flood.txt', body: 'x' }]);
    assert.equal(await flooder.closed, 1008);
    await flooding;
    await until(() => witness.received.some((m) => m.type === 'file_uploaded' && m.fileId === fileId), 'the witness to receive file_uploaded', 10_000);
    // Replies stop at the bound: the flooder got at most a burst's worth of pongs.
    assert.ok(flooder.received.filter((m) => m.type === 'pong').length <= ts.config.realtimeWsMaxMessagesPerSecond * 2);
    await until(() => ts.server.ctx.realtime.size === 1, 'the flooder to be released', 10_000);
  });

  test('a documents client flooding subscribes of 100 unknown ids is closed with 1008; another is still answered', async () => {
    const other = await connect(await docsUrl());
    const flooder = await connect(await docsUrl());
    const unknown = Array.from({ length: 100 }, (_, i) => `unknown-${i}`);
    const flooding = flood(flooder, JSON.stringify({ action: 'subscribe', document_ids: unknown }));
    other.ws.send(JSON.stringify({ action: 'subscribe', document_ids: ['unknown-0'] }));
    await until(() => other.received.some((m) => m.type === 'subscribed'), 'the other client to be answered', 10_000);
    assert.equal(await flooder.closed, 1008);
    await flooding;
    const answered = other.received.find((m) => m.type === 'subscribed');
    assert.deepEqual(answered, { type: 'subscribed', document_ids: [], not_found: ['unknown-0'] });
    other.ws.close();
    await until(() => ts.server.ctx.realtime.size === 1, 'both documents sockets to be released', 10_000);
  });

  test('a client within the rate is never closed: 40 pings over 2 s get 40 pongs', async () => {
    const calm = await connect(`${wsBase()}/api/v1/ws/calm?token=${org.apiKey}`);
    for (let i = 0; i < 40; i++) {
      calm.ws.send(JSON.stringify({ type: 'ping' }));
      await new Promise((r) => setTimeout(r, 50));
    }
    await until(() => calm.received.filter((m) => m.type === 'pong').length === 40, '40 pongs', 10_000);
    assert.equal(calm.ws.readyState, WebSocket.OPEN);
    calm.ws.close();
  });

  test('ping frames count too: a ping flood is closed with 1008', async () => {
    const pinger = await connect(`${wsBase()}/api/v1/ws/pinger?token=${org.apiKey}`);
    let open = true;
    void pinger.closed.then(() => (open = false));
    const end = Date.now() + 5_000;
    while (open && Date.now() < end) {
      for (let i = 0; i < 100 && pinger.ws.readyState === WebSocket.OPEN; i++) pinger.ws.ping();
      await new Promise((r) => setTimeout(r, 10));
    }
    assert.equal(await pinger.closed, 1008);
  });

  test('the message past the bound closes 1008 after the replies owed to the ones before it', async () => {
    const ws = await rawWs(`${wsBase()}/api/v1/ws/owed-pongs?token=${org.apiKey}`);
    const bound = ts.config.realtimeWsMaxMessagesPerSecond;
    // One write: the message past the bound arrives in the same turn as the ones whose pongs are still
    // queued. Twice the bound are sent, since the bound refills a token every 1/bound s: a server held up
    // that long while it reads them (a loaded machine) takes one more.
    const ping = textFrame(JSON.stringify({ type: 'ping' }));
    ws.send(Buffer.concat(Array.from({ length: 2 * bound }, () => ping)));
    const { replies, code } = await repliesThenClose(ws);
    assert.equal(code, 1008);
    assertWithinBound(replies.length, bound);
    assert.deepEqual(replies.map((m) => m.type), Array<string>(replies.length).fill('pong'), 'each message within the bound has its reply, the one past it none');
  });

  test('a documents client past the bound gets the replies of its lookups still running, in order, then 1008', async () => {
    const lookups = holdStatusLookups(ts.server.ctx.documents);
    try {
      const ws = await rawWs(await docsUrl());
      const bound = ts.config.realtimeWsMaxMessagesPerSecond;
      const id = (i: number) => `doc_owed${String(i).padStart(12, '0')}`;
      ws.send(Buffer.concat(Array.from({ length: 2 * bound }, (_, i) => textFrame(JSON.stringify({ action: 'subscribe', document_ids: [id(i)] })))));
      // The lookups wait until the message past the bound is in.
      await new Promise((r) => setTimeout(r, 300));
      lookups.release();
      const { replies, code } = await repliesThenClose(ws);
      assert.equal(code, 1008);
      assertWithinBound(replies.length, bound);
      const order = replyOrder(replies, id);
      const refused = order.indexOf('rate_limited');
      assert.deepEqual(order, [...Array<string>(refused).fill('ok'), ...Array<string>(replies.length - refused).fill('rate_limited')], 'each reply in its request\'s place');
    } finally {
      lookups.restore();
    }
  });

  test('a ping past the bound gets no pong: the socket closes instead', async () => {
    const pinger = await connect(`${wsBase()}/api/v1/ws/pongs?token=${org.apiKey}`);
    let pongs = 0;
    pinger.ws.on('pong', () => pongs++);
    // The burst is the per-second bound: twice as many pings in one turn, refused from the first over it.
    const bound = ts.config.realtimeWsMaxMessagesPerSecond;
    for (let i = 0; i < 2 * bound; i++) pinger.ws.ping();
    assert.equal(await pinger.closed, 1008);
    assertWithinBound(pongs, bound);
  });
});
