// A WebSocket client that overflowed and never reads: after the linger its connection is reset, so
// the kernel drops what it still held for it instead of resending it for minutes from an orphaned
// socket. The wire's reset sends a real TCP reset; the connection core calls it at the deadline.
import assert from 'node:assert/strict';
import http from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { describe, mock, test } from 'node:test';
import { WebSocketServer, type WebSocket } from 'ws';
import { Connection, Fanout, jsonWsCodec, wsWire, type Wire } from '../../src/realtime/index.js';

describe('overflowed WebSocket connections are reset', () => {
  test("the wire's reset ends the TCP connection with a reset, not a close", async () => {
    const server = http.createServer();
    const wss = new WebSocketServer({ noServer: true });
    const accepted = new Promise<{ ws: WebSocket; socket: Socket }>((resolve) => {
      server.on('upgrade', (req, socket, head) => wss.handleUpgrade(req, socket, head, (ws) => resolve({ ws, socket: socket as Socket })));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as AddressInfo;
    const client = connect(port, '127.0.0.1');
    const clientError = new Promise<NodeJS.ErrnoException | undefined>((resolve) => {
      client.once('error', (e) => resolve(e));
      client.once('close', () => resolve(undefined));
    });
    client.write(`GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`);
    const { ws, socket } = await accepted;
    try {
      // As after the linger: the handshake's answer has long left.
      await new Promise((r) => setTimeout(r, 100));
      wsWire({ socket: ws, stream: socket, lastHeardAt: () => Date.now() }).reset?.();
      const err = await clientError;
      assert.equal(err?.code, 'ECONNRESET');
    } finally {
      client.destroy();
      wss.close();
      server.close();
    }
  });

  test('the connection core resets an overflowed wire at the end of the linger, not before', async () => {
    mock.timers.enable({ apis: ['setTimeout', 'setInterval'] });
    try {
      const calls: string[] = [];
      let closed: (() => void) | undefined;
      const wire: Wire = {
        transport: 'ws',
        write: () => void calls.push('write'),
        bufferedBytes: () => 0,
        flush: () => undefined,
        end: (t) => void calls.push(`end:${t ?? ''}`),
        destroy: () => void calls.push('destroy'),
        reset: () => void calls.push('reset'),
        onClose: (l) => void (closed = l),
      };
      const connection = new Connection('c1', { topic: 't', access: { allows: () => true }, wire, codec: jsonWsCodec(() => ({})) }, {
        log: {} as never,
        fanout: new Fanout({ subscribe: async () => () => undefined }),
        limits: { heartbeatMs: 0, idleTimeoutMs: 60_000, queueLimitBytes: 1024, replayPageSize: 10, maxBufferedEvents: 10 },
        onClosed: () => undefined,
        onError: () => undefined,
      });
      connection.terminate('stream.overflow', { reason: 'slow_consumer' });
      assert.deepEqual(calls, ['write', 'end:stream.overflow']);
      mock.timers.tick(4_000);
      assert.deepEqual(calls, ['write', 'end:stream.overflow'], 'the client still has time to read up to the terminal frame');
      mock.timers.tick(1_500);
      assert.deepEqual(calls, ['write', 'end:stream.overflow', 'reset']);
      closed?.();
    } finally {
      mock.timers.reset();
    }
  });
});
