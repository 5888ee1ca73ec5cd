// A client that pipelines thousands of requests on one connection and reads none of the answers: the
// server closes the connection once it holds more than a few unanswered ones, and runs none of the
// rest, instead of parsing every one the kernel delivers and holding them all at once (about 70 MB a
// connection, seconds of the event loop with a hundred such connections); a client that keeps a
// window of requests out gets every answer. Observed from outside (the server's request metrics) and
// at Node's HTTP server (requests parsed).
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { MAX_PIPELINED } from '../../src/http/pipelining.js';
import { makeHub } from '../helpers/hub.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { openSse } from '../helpers/sse.js';

const REQUEST = 'GET /version HTTP/1.1\r\nHost: x\r\n\r\n';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('pipelined request floods', () => {
  let ts: TestServer;
  let arrived = 0;
  const watch = () => {
    arrived++;
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

  const versionAnswers = async (): Promise<number> => {
    const text = await (await fetch(`${ts.url}/metrics`)).text();
    return text.split('\n').filter((l) => l.startsWith('capstan_http_requests_total{') && l.includes('route="/version"')).reduce((n, l) => n + Number(l.split(' ').at(-1)), 0);
  };

  test('a connection pipelining far more requests than it reads answers to is closed, and at most a few of them run', { timeout: 60_000 }, async () => {
    const before = await versionAnswers();
    const socket = await dial();
    socket.pause();
    arrived = 0;
    const closed = new Promise((resolve) => socket.once('close', resolve));
    socket.write(REQUEST.repeat(30_000));
    await closed;
    await settle(200, 5_000);
    const ran = (await versionAnswers()) - before;
    assert.ok(ran <= MAX_PIPELINED, `${ran} of the 30,000 pipelined requests ran (${arrived} parsed) before the connection was closed`);
    // One read of the socket (64 KiB) is parsed whole; nothing past it.
    assert.ok(arrived <= Math.ceil(65_536 / REQUEST.length) + MAX_PIPELINED, `${arrived} requests were parsed`);
    assert.equal((await fetch(`${ts.url}/healthz`)).status, 200, 'the server serves others');
  });

  test('a pipelining client that keeps up to 32 requests out gets an answer to every one, in order', { timeout: 60_000 }, async () => {
    const socket = await dial();
    const total = 2_000;
    const window = 32;
    let text = '';
    let answered = 0;
    let sent = 0;
    const done = new Promise<void>((resolve) => {
      socket.on('data', (chunk: Buffer) => {
        text += chunk.toString('latin1');
        answered = (text.match(/HTTP\/1\.1 200 /g) ?? []).length;
        const more = Math.min(total, answered + window) - sent;
        if (more > 0) {
          socket.write(REQUEST.repeat(more));
          sent += more;
        }
        if (answered >= total) resolve();
      });
      socket.once('close', () => resolve());
    });
    socket.write(REQUEST.repeat(window));
    sent = window;
    await done;
    socket.destroy();
    assert.equal(answered, total);
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
