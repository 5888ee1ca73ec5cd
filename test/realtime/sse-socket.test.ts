// An open SSE stream owns its socket, taken from Node's HTTP server once the head is out: the server
// keeps neither its parser nor its request and response, the request is recorded when the stream
// opens, and the stream still ends when the client closes its side or when the server drops every
// connection. A stream pipelined behind another request keeps working through its response.
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import { makeHub, type TestHub } from '../helpers/hub.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { until } from '../helpers/wait.js';

/** The server's side of the next connection it accepts. */
function nextAccepted(ts: TestServer): Promise<net.Socket> {
  return new Promise((resolve) => ts.server.app.server.once('connection', resolve));
}

/** A raw HTTP/1.1 client: `requests` are written at once (pipelined when there are several). */
async function rawClient(url: URL, requests: readonly string[]) {
  const socket = net.connect(Number(url.port), url.hostname);
  await new Promise<void>((r) => socket.once('connect', () => r()));
  let text = '';
  let closed = false;
  socket.on('data', (c: Buffer) => (text += c.toString('latin1')));
  const ended = new Promise<void>((r) =>
    socket.once('close', () => {
      closed = true;
      r();
    }),
  );
  socket.write(requests.join(''));
  const waitFor = async (pattern: RegExp, limitMs = 5_000) => {
    const until = Date.now() + limitMs;
    while (!pattern.test(text)) {
      if (closed || Date.now() > until) assert.fail(`never saw ${pattern} in ${JSON.stringify(text.slice(-500))}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  };
  return { socket, text: () => text, waitFor, ended };
}

const streamRequest = (url: URL, token: string) => `GET ${url.pathname}${url.search} HTTP/1.1\r\nHost: ${url.host}\r\nAuthorization: Bearer ${token}\r\nAccept: text/event-stream\r\n\r\n`;

describe('SSE streams own their sockets', () => {
  let ts: TestServer;
  let hub: TestHub;

  before(async () => {
    ts = await startServer({ realtimeDrainWindowMs: 0 });
    hub = await makeHub(ts);
  });
  after(() => ts.close());

  test('the HTTP server lets go of an open stream: no parser, no response on its socket; the request is recorded at open', async () => {
    const m = await hub.member('taken');
    const url = new URL(hub.streamUrl());
    const accepted = nextAccepted(ts);
    const c = await rawClient(url, [streamRequest(url, m.token)]);
    const served = (await accepted) as net.Socket & { parser?: unknown; _httpMessage?: unknown };
    await c.waitFor(/retry: \d+/);
    assert.equal(served.parser, null, 'the parser went back to its pool');
    assert.equal(served._httpMessage, null, 'no response is attached to the socket');
    assert.ok(!served.listeners('data').some((l) => l.name.includes('socketOnData')), 'the HTTP server no longer reads the socket');
    const metrics = await (await fetch(`${ts.url}/metrics`)).text();
    assert.match(metrics, /^capstan_http_requests_total\{[^}]*route="\/realtime\/events"[^}]*status="200"[^}]*\} [1-9]/m);
    const id = await hub.publish({ type: 'test.ping', data: { taken: true } });
    await c.waitFor(new RegExp(`id: ${id}`));
    c.socket.destroy();
    await until(() => ts.server.ctx.realtime.size === 0, 'the stream to close');
  });

  test('a client that closes its side ends the stream, and its slot is free again', async () => {
    const m = await hub.member('half-close');
    const url = new URL(hub.streamUrl());
    const c = await rawClient(url, [streamRequest(url, m.token)]);
    await c.waitFor(/retry: \d+/);
    assert.equal(ts.server.ctx.realtime.size, 1);
    c.socket.end();
    await c.ended;
    await until(() => ts.server.ctx.realtime.size === 0, 'the stream to close');
  });

  test("the server's closeAllConnections ends open streams too", async () => {
    const m = await hub.member('close-all');
    const url = new URL(hub.streamUrl());
    const c = await rawClient(url, [streamRequest(url, m.token)]);
    await c.waitFor(/retry: \d+/);
    ts.server.app.server.closeAllConnections();
    await c.ended;
    await until(() => ts.server.ctx.realtime.size === 0, 'the stream to close');
  });

  test('a stream with another request pipelined behind it runs through its response, and delivers', async () => {
    const m = await hub.member('pipelined', 3600);
    const url = new URL(hub.streamUrl());
    const accepted = nextAccepted(ts);
    const c = await rawClient(url, [streamRequest(url, m.token), `GET /version HTTP/1.1\r\nHost: ${url.host}\r\n\r\n`]);
    const served = (await accepted) as net.Socket & { parser?: unknown };
    await c.waitFor(/retry: \d+/);
    assert.notEqual(served.parser, null, 'the socket stays with the HTTP server, which has read the next request');
    const id = await hub.publish({ type: 'test.ping', data: { pipelined: true } });
    // Still a valid chunked body: the chunk's size line, then the frame.
    await c.waitFor(new RegExp(`\\r\\n[0-9a-f]+\\r\\nid: ${id}\\nevent: test\\.ping\\n`));
    c.socket.destroy();
    await until(() => ts.server.ctx.realtime.size === 0, 'the stream to close');
  });
});
