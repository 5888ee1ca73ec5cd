// The queue bound counts what a client has not taken. A burst of events larger than the bound that
// arrives within one event-loop turn is not the client falling behind: a client reading everything it
// is sent gets it all. One that does not read is still closed with stream.overflow.
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { makeHub, type TestHub } from '../helpers/hub.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { openSse } from '../helpers/sse.js';

const LIMIT = 64 * 1024;
const EVENT_BYTES = 8_000;
/** Twice the bound in one burst. */
const BURST = Math.ceil((2 * LIMIT) / EVENT_BYTES);

describe('a burst beyond the queue bound', () => {
  let ts: TestServer;
  let hub: TestHub;

  before(async () => {
    ts = await startServer({ realtimeQueueLimitBytes: LIMIT, rateLimitPerMinute: 0 });
    hub = await makeHub(ts);
  });
  after(() => ts.close());

  const burst = (round: number) => Promise.all(Array.from({ length: BURST }, (_, i) => hub.publish({ type: 'test.ping', data: { round, i, pad: 'x'.repeat(EVENT_BYTES) } })));

  test('reaches a client that reads, whole and in order, round after round', async () => {
    const m = await hub.member();
    const s = await openSse(hub.streamUrl(), { token: m.token });
    try {
      const ids: string[] = [];
      for (let round = 0; round < 5; round++) ids.push(...(await burst(round)));
      await s.next((f) => f.id === ids.at(-1) || f.event === 'stream.overflow', 30_000);
      assert.deepEqual(s.frames.filter((f) => f.event === 'stream.overflow'), [], 'the reader was not ended');
      assert.deepEqual(s.frames.filter((f) => f.event === 'test.ping').map((f) => f.id), [...ids].sort(), 'every event, once, in order');
    } finally {
      s.close();
    }
  });

  test('still ends a client that does not read', async () => {
    const m = await hub.member();
    const url = new URL(hub.streamUrl());
    const socket = connect(Number(url.port), url.hostname);
    socket.setNoDelay(true);
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.write(`GET ${url.pathname}${url.search} HTTP/1.1\r\nHost: ${url.host}\r\nAuthorization: Bearer ${m.token}\r\nAccept: text/event-stream\r\n\r\n`);
    // Read the head, then stop reading: the kernel's buffers fill and the rest stays with the server.
    await new Promise((resolve) => socket.once('data', resolve));
    socket.pause();
    const { realtime } = ts.server.ctx;
    // The server lets go of the stream (its end lingers a few seconds for the client to read up to
    // the terminal event, which this one never does, then resets it).
    const open = () => realtime.list().some((c) => c.surface === 'hub');
    for (let i = 0; i < 100 && !open(); i++) await new Promise((r) => setTimeout(r, 20));
    assert.ok(open(), 'the stream opened');
    let closed = false;
    const poll = setInterval(() => (closed ||= !open()), 20);
    try {
      for (let round = 0; round < 300 && !closed; round++) await burst(round);
      for (let i = 0; i < 100 && !closed; i++) await new Promise((r) => setTimeout(r, 50));
      assert.ok(closed, 'the server closed the stream of a client that does not read');
    } finally {
      clearInterval(poll);
      socket.destroy();
    }
  });
});
