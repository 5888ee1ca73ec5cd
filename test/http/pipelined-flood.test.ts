// A client that pipelines thousands of requests on one connection and reads none of the answers: the
// server stops reading the connection while it holds a few unanswered requests, instead of parsing
// every one the kernel delivers and holding them all at once (about 70 MB a connection before), and a
// client that reads its answers gets every one. Observed at Node's HTTP server: requests handed to the
// app and not yet finished, at most, over the whole flood.
import assert from 'node:assert/strict';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { connect, type Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { MAX_UNANSWERED } from '../../src/http/pipelining.js';
import { makeHub } from '../helpers/hub.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { openSse } from '../helpers/sse.js';

const REQUEST = 'GET /version HTTP/1.1\r\nHost: x\r\n\r\n';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('pipelined request floods', () => {
  let ts: TestServer;
  let arrived = 0;
  let open = 0;
  let mostOpen = 0;
  const watch = (_req: IncomingMessage, res: ServerResponse) => {
    arrived++;
    mostOpen = Math.max(mostOpen, ++open);
    res.once('close', () => open--);
  };

  before(async () => {
    ts = await startServer();
    ts.server.app.server.prependListener('request', watch);
  });
  after(async () => {
    ts.server.app.server.off('request', watch);
    await ts.close();
  });

  const dial = async (): Promise<Socket> => {
    const { port } = new URL(ts.url);
    const socket = connect(Number(port), '127.0.0.1');
    socket.on('error', () => undefined);
    await new Promise((resolve) => socket.once('connect', resolve));
    return socket;
  };

  /** Waits until no request has arrived for `quietMs`, or `maxMs` passed. */
  const settle = async (quietMs: number, maxMs: number) => {
    const deadline = Date.now() + maxMs;
    let seen = -1;
    while (seen !== arrived && Date.now() < deadline) {
      seen = arrived;
      await sleep(quietMs);
    }
  };

  test('a connection that never reads its answers has a bounded number of requests in the app at once', { timeout: 60_000 }, async () => {
    const socket = await dial();
    socket.pause();
    arrived = 0;
    mostOpen = 0;
    socket.write(REQUEST.repeat(30_000));
    await settle(500, 20_000);
    // One read of the socket (64 KiB, some 1,800 of these requests) is parsed whole before a pause
    // can take; never more than that and the unanswered ones.
    const oneRead = Math.ceil(65_536 / REQUEST.length);
    assert.ok(mostOpen <= MAX_UNANSWERED + oneRead, `${mostOpen} requests were in the app at once (${arrived} arrived of 30,000)`);
    socket.destroy();
    assert.equal((await fetch(`${ts.url}/healthz`)).status, 200, 'the server serves others');
  });

  test('a client that reads gets an answer to every pipelined request, in order', { timeout: 60_000 }, async () => {
    const socket = await dial();
    const count = 2_000;
    let text = '';
    const done = new Promise<void>((resolve) => {
      socket.on('data', (chunk: Buffer) => {
        text += chunk.toString('latin1');
        if ((text.match(/HTTP\/1\.1 200 /g) ?? []).length >= count) resolve();
      });
      socket.once('close', () => resolve());
    });
    socket.write(REQUEST.repeat(count));
    await done;
    socket.destroy();
    assert.equal((text.match(/HTTP\/1\.1 200 /g) ?? []).length, count);
  });

  test('streams pipelined behind a stream take no connection slot: only the first, which can be read, holds one', { timeout: 60_000 }, async () => {
    const hub = await makeHub(ts);
    const member = await hub.member('piped');
    const path = new URL(hub.streamUrl()).pathname + new URL(hub.streamUrl()).search;
    const socket = await dial();
    let received = '';
    socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
    socket.write(`GET ${path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${member.token}\r\nAccept: text/event-stream\r\n\r\n`.repeat(5));
    for (let i = 0; i < 100 && !received.includes('retry:'); i++) await sleep(20);
    assert.match(received, /^HTTP\/1\.1 200 /, received.slice(0, 300));
    // The contact's cap is 5: the four behind the first (refused 400, their answers queued behind
    // it) took none of it; before, they held the other four slots for as long as the first lasted.
    const streams = [];
    try {
      for (let i = 0; i < 4; i++) {
        const stream = await openSse(hub.streamUrl(), { token: member.token });
        streams.push(stream);
        assert.equal(stream.status, 200, `stream ${i + 2} of the cap: ${stream.body}`);
      }
      const over = await openSse(hub.streamUrl(), { token: member.token });
      assert.equal(over.status, 429, 'and the cap still holds');
      over.close();
    } finally {
      for (const stream of streams) stream.close();
      socket.destroy();
    }
  });
});
