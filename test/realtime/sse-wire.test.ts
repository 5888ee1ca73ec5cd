// The SSE wire writes batches straight to the socket, framed as body chunks: read from a raw socket,
// an HTTP/1.1 stream must be a valid chunked body and an HTTP/1.0 stream plain bytes, with every event
// and the terminal event in order.
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import { makeHub, type TestHub } from '../helpers/hub.js';
import { startServer, type TestServer } from '../helpers/server.js';

/** Opens the hub stream over a raw socket; `text()` is everything read so far. */
async function rawStream(url: URL, token: string, version: '1.0' | '1.1') {
  const socket = net.connect(Number(url.port), url.hostname);
  await new Promise<void>((r) => socket.once('connect', () => r()));
  let raw = Buffer.alloc(0);
  let closed = false;
  socket.on('data', (c: Buffer) => (raw = Buffer.concat([raw, c])));
  const ended = new Promise<void>((r) =>
    socket.once('close', () => {
      closed = true;
      r();
    }),
  );
  socket.write(`GET ${url.pathname}${url.search} HTTP/${version}\r\nHost: ${url.host}\r\nAuthorization: Bearer ${token}\r\nAccept: text/event-stream\r\n\r\n`);
  const waitFor = async (pattern: RegExp, limitMs = 5_000) => {
    const until = Date.now() + limitMs;
    while (!pattern.test(raw.toString('latin1'))) {
      if (closed || Date.now() > until) assert.fail(`never saw ${pattern} in ${JSON.stringify(raw.toString('latin1').slice(-500))}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  };
  return { bytes: () => raw, waitFor, ended, close: () => socket.destroy() };
}

/** Splits a response into its head and body, decoding a chunked body strictly. */
function decode(raw: Buffer): { head: string; body: string; chunks: number; complete: boolean } {
  const split = raw.indexOf('\r\n\r\n');
  assert.ok(split > 0, 'a response head');
  const head = raw.subarray(0, split).toString('latin1');
  let rest = raw.subarray(split + 4);
  if (!/^transfer-encoding: chunked$/im.test(head)) return { head, body: rest.toString(), chunks: 0, complete: true };
  const parts: Buffer[] = [];
  let chunks = 0;
  for (;;) {
    const eol = rest.indexOf('\r\n');
    if (eol < 0) return { head, body: Buffer.concat(parts).toString(), chunks, complete: false };
    const size = rest.subarray(0, eol).toString('latin1');
    assert.match(size, /^[0-9a-f]+$/, 'a hex chunk size');
    const n = parseInt(size, 16);
    if (n === 0) return { head, body: Buffer.concat(parts).toString(), chunks, complete: true };
    assert.ok(rest.length >= eol + 2 + n + 2, 'the whole chunk arrived');
    parts.push(rest.subarray(eol + 2, eol + 2 + n));
    assert.equal(rest.subarray(eol + 2 + n, eol + 4 + n).toString('latin1'), '\r\n', 'CRLF after the chunk data');
    rest = rest.subarray(eol + 4 + n);
    chunks++;
  }
}

describe('SSE wire framing', () => {
  let ts: TestServer;
  let hub: TestHub;

  before(async () => {
    ts = await startServer({ realtimeDrainWindowMs: 0 });
    hub = await makeHub(ts);
  });
  after(() => ts.close());

  test('HTTP/1.1: a valid chunked body holding every event in order, a burst included, then the end chunk', async () => {
    const m = await hub.member('chunked', 2);
    const s = await rawStream(new URL(hub.streamUrl()), m.token, '1.1');
    await s.waitFor(/retry: \d+/);
    const ids = [await hub.publish({ type: 'test.ping', data: { n: 0 } })];
    // A burst published in one turn leaves as one batch.
    const burst = await Promise.all(Array.from({ length: 20 }, (_, n) => ts.server.ctx.hubs.publish(hub.hubId, { type: 'test.ping', data: { n: n + 1 } })));
    ids.push(...burst.map((e) => e.id).sort());
    await s.waitFor(new RegExp(ids.at(-1) as string));
    // The token's expiry ends the stream: the terminal event, then the last chunk and the close.
    await s.ended;
    const { head, body, complete } = decode(s.bytes());
    assert.match(head, /^HTTP\/1\.1 200/);
    assert.match(head, /^transfer-encoding: chunked$/im);
    assert.ok(complete, 'the body ends with the zero-length chunk');
    assert.deepEqual([...body.matchAll(/^id: (.+)$/gm)].map((x) => x[1]), ids);
    assert.match(body, /event: stream\.expired\ndata: \{"reason":"token_expired"\}\n\n$/);
  });

  test('HTTP/1.0: the events as plain bytes, no chunk framing', async () => {
    const m = await hub.member('http10');
    const s = await rawStream(new URL(hub.streamUrl()), m.token, '1.0');
    await s.waitFor(/retry: \d+/);
    const id = await hub.publish({ type: 'test.ping', data: { plain: true } });
    await s.waitFor(new RegExp(`id: ${id}\nevent: test.ping\ndata: \\{"plain":true\\}\n\n`));
    const { head, body } = decode(s.bytes());
    assert.match(head, /^HTTP\/1\.1 200/);
    assert.doesNotMatch(head, /transfer-encoding/i);
    assert.ok(body.startsWith('retry: '), 'the body starts with the retry hint, no chunk size line');
    s.close();
  });
});
