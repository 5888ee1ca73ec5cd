// Greedy clients. SSE clients that open a stream and never read it, against one node publishing at a
// steady rate: each overflows its bounded queue, is ended with stream.overflow and its connection
// reset, so the server's memory stays bounded however many come, and no socket is left holding unread
// bytes. And one client address holding more connections than the cap is refused at accept.
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import { addressKey } from '../../src/http/connections.js';
import { VERSION } from '../../src/util/version.js';
import { makeHub, type Member, type TestHub } from '../helpers/hub.js';
import { rawConnect, rawExchange, type RawConnection } from '../helpers/raw-http.js';
import { startServer, type TestServer } from '../helpers/server.js';

const CLIENTS = 1000;
const QUEUE_LIMIT = 64 * 1024;
/** A generous bound: the server holds every connection's frames once, shared, not once per reader. */
const MAX_RSS_GROWTH_MB = 200;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe(`${CLIENTS} SSE clients that never read`, () => {
  let ts: TestServer;
  let hub: TestHub;
  let member: Member;

  before(async () => {
    ts = await startServer({ realtimeQueueLimitBytes: QUEUE_LIMIT, realtimeMaxStreamsPerContact: CLIENTS * 2, realtimeHeartbeatMs: 0 });
    hub = await makeHub(ts);
    member = await hub.member('never reads', 3600);
  });
  after(() => ts.close());

  test('server memory stays bounded and every overflowed connection is closed', async () => {
    const port = Number(new URL(ts.url).port);
    const openConnections = () => new Promise<number>((resolve) => ts.server.app.server.getConnections((_e, n) => resolve(n)));
    const rss = () => process.memoryUsage().rss;
    const request = `GET /realtime/events?hub_id=${hub.hubId} HTTP/1.1\r\nHost: capstan.test\r\nAuthorization: Bearer ${member.token}\r\n\r\n`;

    // A steady rate: 200 events of 8 KB a second (1.6 MB/s to each stream).
    const data = { blob: 'x'.repeat(8000) };
    let publishing = true;
    const publisher = (async () => {
      while (publishing) {
        await Promise.all(Array.from({ length: 10 }, () => ts.server.ctx.hubs.publish(hub.hubId, { type: 'test.ping', data })));
        await sleep(50);
      }
    })();

    // The baseline is taken with events already flowing, so the growth is what the readers cost.
    await sleep(1000);
    const baseline = rss();
    let peak = baseline;
    let peakConnections = 0;
    const sampler = setInterval(() => {
      peak = Math.max(peak, rss());
      void openConnections().then((n) => (peakConnections = Math.max(peakConnections, n)));
    }, 100);

    const clients: net.Socket[] = [];
    try {
      for (let i = 0; i < CLIENTS; i++) {
        const c = net.connect(port, '127.0.0.1');
        c.on('error', () => undefined);
        c.write(request);
        // Never read: nothing is taken off the socket until the end of the test.
        c.pause();
        clients.push(c);
      }
      // Every stream overflows while events keep coming, and the server lets go of its connection.
      // A bound for a loaded machine; normally they are all gone a few seconds after the overflow linger.
      const deadline = Date.now() + 60_000;
      while ((await openConnections()) > 0 && Date.now() < deadline) await sleep(200);
      assert.equal(await openConnections(), 0, 'every overflowed connection is closed by the server');
    } finally {
      publishing = false;
      clearInterval(sampler);
      await publisher;
    }

    // What each client received: the stream's 200, then whatever fit before the reset.
    const outcomes = await Promise.all(clients.map((c) => new Promise<{ ok: boolean; closed: boolean }>((resolve) => {
      let head = '';
      const timer = setTimeout(() => resolve({ ok: head.startsWith('HTTP/1.1 200'), closed: false }), 10_000);
      c.on('data', (chunk: Buffer) => {
        if (head.length < 12) head += chunk.toString('latin1', 0, 12);
      });
      c.once('close', () => {
        clearTimeout(timer);
        resolve({ ok: head.startsWith('HTTP/1.1 200'), closed: true });
      });
      c.resume();
    })));
    for (const c of clients) c.destroy();
    assert.equal(outcomes.filter((o) => o.ok).length, CLIENTS, 'every client had its stream opened');
    assert.equal(outcomes.filter((o) => o.closed).length, CLIENTS, 'every client finds its connection closed');

    const growthMb = (peak - baseline) / 1024 / 1024;
    process.stdout.write(`# ${CLIENTS} non-reading SSE clients: RSS ${Math.round(baseline / 1048576)} MB before, peak +${growthMb.toFixed(1)} MB, at most ${peakConnections} open at once (${Math.round((peak - baseline) / Math.max(1, peakConnections))} bytes per open connection)\n`);
    assert.ok(growthMb < MAX_RSS_GROWTH_MB, `RSS grew by ${growthMb.toFixed(1)} MB`);
  });
});

describe('connections per client address', () => {
  const MAX = 5;
  let ts: TestServer;
  let hub: TestHub;

  before(async () => {
    ts = await startServer({ httpMaxConnectionsPerAddress: MAX, realtimeMaxStreamsPerContact: MAX + 5, httpKeepAliveTimeoutMs: 200 });
    hub = await makeHub(ts);
  });
  after(() => ts.close());

  test(`past ${MAX} open connections, one more is answered 429 too_many_connections and closed; a freed slot is reused`, async () => {
    const member = await hub.member('greedy');
    // The set-up's own keep-alive connections count too: let them go idle and close.
    await sleep(500);
    const held: RawConnection[] = [];
    try {
      for (let i = 0; i < MAX; i++) {
        const conn = await rawConnect(ts.url);
        conn.write(`GET /realtime/events?hub_id=${hub.hubId} HTTP/1.1\r\nHost: capstan.test\r\nAuthorization: Bearer ${member.token}\r\n\r\n`);
        await until(() => conn.received().startsWith('HTTP/1.1 200'));
        held.push(conn);
      }
      const refused = await rawExchange(ts.url, 'GET /healthz HTTP/1.1\r\nHost: capstan.test\r\n\r\n');
      assert.equal(refused.status, 429);
      assert.deepEqual(JSON.parse(refused.body), { error: `This client address already holds ${MAX} open connections`, code: 'too_many_connections' });
      assert.equal(refused.headers['retry-after'], '5');
      assert.equal(refused.headers['x-api-version'], VERSION);
      assert.equal(refused.headers.connection, 'close');
      assert.ok(refused.closed);

      held.pop()?.destroy();
      await sleep(100);
      const again = await rawExchange(ts.url, 'GET /healthz HTTP/1.1\r\nHost: capstan.test\r\nConnection: close\r\n\r\n');
      assert.equal(again.status, 200);
    } finally {
      for (const conn of held) conn.destroy();
    }
  });

  test('IPv4-mapped peers count as their IPv4 address, IPv6 peers by their /64', () => {
    assert.equal(addressKey('::ffff:127.0.0.1'), '127.0.0.1');
    assert.equal(addressKey('10.1.2.3'), '10.1.2.3');
    assert.equal(addressKey('2001:db8:1:2:3:4:5:6'), addressKey('2001:db8:1:2::9'));
    assert.notEqual(addressKey('2001:db8:1:2::1'), addressKey('2001:db8:1:3::1'));
  });
});

async function until(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await sleep(20);
  }
}
