// Per-turn write batching and prepared frames: frames queued in one turn leave in one write, in order;
// connections with the same frames share one buffer; prepared WebSocket frames parse as real frames in
// a ws client, and prepared HTTP chunks have the chunked-body shape.
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, test } from 'node:test';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { WebSocket, WebSocketServer } from 'ws';
import { FrameBatch, type BatchSink } from '../../src/realtime/write-batch.js';
import { httpChunk, sharedHttpChunk, sharedTextFrame, textFrame } from '../../src/realtime/prepared-frames.js';

const b = (s: string) => Buffer.from(s);
const sink = (sendBatch: (bytes: Buffer) => void, transportQueued = () => 0): BatchSink => ({ sendBatch, transportQueued });

describe('frame batch', () => {
  test('a long flush lets other work of the event loop run between its slices, and every frame still leaves once, in order', async () => {
    const marks: string[] = [];
    const batches = Array.from({ length: 100 }, (_, i) => new FrameBatch(sink((bytes) => {
      if (i === 0) setImmediate(() => marks.push('other work'));
      // A slow socket write: the whole pass takes far longer than one slice.
      const until = performance.now() + 1;
      while (performance.now() < until);
      marks.push(`${i}:${String(bytes)}`);
    })));
    for (const batch of batches) batch.push(b('a'));
    for (const batch of batches) batch.push(b('b'));
    while (marks.length < 101) await nextTurn();
    const other = marks.indexOf('other work');
    assert.ok(other > 0 && other < 100, `other work ran in the middle of the pass (at ${other})`);
    assert.deepEqual(marks.filter((m) => m !== 'other work'), batches.map((_, i) => `${i}:ab`));
  });

  test('what the client has not taken counts the transport once a turn, then the frames queued on top', async () => {
    let transport = 100;
    let asked = 0;
    const batch = new FrameBatch(sink(() => {
      transport += 50;
    }, () => {
      asked++;
      return transport;
    }));
    assert.equal(batch.queued(), 100, 'nothing queued: the transport alone, read now');
    batch.push(b('12345'));
    batch.push(b('678'));
    const before = asked;
    assert.equal(batch.queued(), 108);
    assert.equal(batch.queued(), 108);
    assert.equal(asked, before, 'not asked again while the turn queues');
    await nextTurn();
    assert.equal(batch.queued(), 150, 'after the flush the transport is read again');
  });

  test('frames queued in one turn leave in one write at the end of the turn, in order', async () => {
    const sent: Buffer[] = [];
    const batch = new FrameBatch(sink((bytes) => sent.push(bytes)));
    batch.push(b('one,'));
    batch.push(b('two,'));
    batch.push(b('three'));
    assert.equal(sent.length, 0, 'nothing leaves before the turn ends');
    assert.equal(batch.bytes, 13, 'queued bytes count against the client queue');
    await nextTurn();
    assert.deepEqual(sent.map(String), ['one,two,three']);
    assert.equal(batch.bytes, 0);
    batch.push(b('four'));
    await nextTurn();
    assert.deepEqual(sent.map(String), ['one,two,three', 'four']);
  });

  test('connections that queued the same frames share one joined buffer', async () => {
    const frames = [b('a'), b('b'), b('c')];
    const sent: Buffer[][] = [[], [], []];
    const batches = sent.map((out) => new FrameBatch(sink((bytes) => out.push(bytes))));
    for (const batch of batches) for (const f of frames) batch.push(f);
    const other = new FrameBatch(sink(() => undefined));
    other.push(b('x'));
    await nextTurn();
    const [first, second, third] = sent.map((out) => out[0]);
    assert.equal(String(first), 'abc');
    assert.equal(first, second, 'the same Buffer, not a copy');
    assert.equal(second, third);
    // A single frame goes out as itself: nothing is copied.
    const single = b('only');
    let got: Buffer | undefined;
    const one = new FrameBatch(sink((bytes) => (got = bytes)));
    one.push(single);
    await nextTurn();
    assert.equal(got, single);
  });

  test('a different frame sequence is joined on its own', async () => {
    const x = b('x');
    const y = b('y');
    const out: string[] = [];
    const first = new FrameBatch(sink((bytes) => out.push(String(bytes))));
    const second = new FrameBatch(sink((bytes) => out.push(String(bytes))));
    first.push(x);
    first.push(y);
    second.push(y);
    second.push(x);
    await nextTurn();
    assert.deepEqual(out, ['xy', 'yx']);
  });

  test('flush sends at once (before a close); discard drops what is queued', async () => {
    const out: string[] = [];
    const batch = new FrameBatch(sink((bytes) => out.push(String(bytes))));
    batch.push(b('event'));
    batch.flush();
    assert.deepEqual(out, ['event']);
    batch.push(b('dropped'));
    batch.discard();
    assert.equal(batch.bytes, 0);
    await nextTurn();
    assert.deepEqual(out, ['event'], 'nothing more after the turn: the flushed frame is not sent twice');
  });

  test('a failing send does not stop the other connections of the turn', async () => {
    const out: string[] = [];
    const broken = new FrameBatch(sink(() => {
      throw new Error('socket gone');
    }));
    const fine = new FrameBatch(sink((bytes) => out.push(String(bytes))));
    broken.push(b('lost'));
    fine.push(b('kept'));
    await nextTurn();
    assert.deepEqual(out, ['kept']);
  });
});

/** Writes `bytes` to the raw socket of an accepted upgrade and collects what a real `ws` client reads. */
async function receive(bytes: Buffer, expected: number): Promise<string[]> {
  const server = http.createServer();
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
  server.on('upgrade', (req, socket, head) => wss.handleUpgrade(req, socket, head, () => socket.write(bytes)));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  const client = new WebSocket(`ws://127.0.0.1:${port}`, { perMessageDeflate: false, maxPayload: 0 });
  try {
    return await new Promise<string[]>((resolve, reject) => {
      const messages: string[] = [];
      client.on('error', reject);
      client.on('close', (code) => reject(new Error(`closed with ${code} after ${messages.length} messages`)));
      client.on('message', (data: Buffer, isBinary: boolean) => {
        if (isBinary) reject(new Error('binary frame'));
        messages.push(data.toString());
        if (messages.length === expected) resolve(messages);
      });
    });
  } finally {
    client.terminate();
    wss.close();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  }
}

describe('prepared WebSocket frames', () => {
  test('every length encoding reaches a ws client as one text message with the same payload', async () => {
    const payloads = [0, 1, 125, 126, 127, 65_535, 65_536, 200_000].map((n) => {
      const p = 'é'.repeat(Math.floor(n / 2)) + 'x'.repeat(n % 2);
      assert.equal(Buffer.byteLength(p), n);
      return p;
    });
    // All in one write, as a batch leaves: the client must split them back, in order.
    const joined = Buffer.concat(payloads.map((p) => textFrame(Buffer.from(p))));
    assert.deepEqual(await receive(joined, payloads.length), payloads);
  });

  test('a shared payload is framed once', () => {
    const payload = Buffer.from('{"type":"status"}');
    const first = sharedTextFrame(payload);
    assert.equal(sharedTextFrame(payload), first);
    assert.notEqual(sharedTextFrame(Buffer.from('{"type":"status"}')), first, 'keyed by the payload buffer, not its bytes');
  });
});

describe('prepared HTTP chunks', () => {
  test('a chunk is the hex length, CRLF, the bytes, CRLF; shared chunks are built once', () => {
    const payload = Buffer.from('x'.repeat(300));
    assert.equal(httpChunk(payload).toString(), `12c\r\n${'x'.repeat(300)}\r\n`);
    assert.equal(httpChunk(Buffer.alloc(0)).toString(), '0\r\n\r\n');
    assert.equal(sharedHttpChunk(payload), sharedHttpChunk(payload));
  });
});
