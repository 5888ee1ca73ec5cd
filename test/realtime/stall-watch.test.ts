// The SSE vanished-peer check: the kernel's TCP table is read right (a real loopback connection is
// found in /proc/net/tcp and tcp6, IPv4-mapped addresses included), and the shared sweep ends a
// connection only after its data has gone unacknowledged, through retransmissions, for the window.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import net from 'node:net';
import { describe, mock, test } from 'node:test';
import { stallTiming, tcpTimeouts, TcpStallWatch, type TableReader } from '../../src/realtime/liveness.js';
import { scanTcpLines, tcpKey, type TcpState, type TcpTableName } from '../../src/realtime/tcp-table.js';

async function pair(listenHost: string, connectHost: string): Promise<{ server: net.Server; accepted: net.Socket; client: net.Socket }> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, listenHost, r));
  const accepted = new Promise<net.Socket>((r) => server.once('connection', r));
  const client = net.connect((server.address() as net.AddressInfo).port, connectHost);
  await new Promise<void>((r) => client.once('connect', () => r()));
  return { server, accepted: await accepted, client };
}

function keyOf(socket: net.Socket) {
  const id = tcpKey(socket.localAddress!, socket.localPort!, socket.remoteAddress!, socket.remotePort!);
  assert.ok(id, `no key for ${socket.localAddress}`);
  return id;
}

async function stateIn(table: TcpTableName, key: string): Promise<TcpState | undefined> {
  let found: TcpState | undefined;
  scanTcpLines(await readFile(`/proc/net/${table}`, 'latin1'), table, new Map([[key, 1]]), (_v, state) => (found = state));
  return found;
}

describe('the kernel TCP table', { skip: process.platform !== 'linux' && 'the table is Linux-only' }, () => {
  for (const [name, listenHost, connectHost, table] of [
    ['IPv4', '127.0.0.1', '127.0.0.1', 'tcp'],
    ['IPv6', '::1', '::1', 'tcp6'],
    ['IPv4-mapped on a dual-stack listener', '::', '127.0.0.1', 'tcp6'],
  ] as const) {
    test(`finds an accepted ${name} connection, idle and fully acknowledged`, async () => {
      const { server, accepted, client } = await pair(listenHost, connectHost);
      try {
        const id = keyOf(accepted);
        assert.equal(id.table, table);
        const state = await stateIn(table, id.key);
        assert.deepEqual(state, { txQueue: 0, retransmitTimer: false, probeTimer: false, retransmits: 0 });
      } finally {
        client.destroy();
        accepted.destroy();
        server.close();
      }
    });
  }

  test('reads columns by offset: unacknowledged bytes, the retransmit timer and the retransmission count', () => {
    const key = tcpKey('10.0.0.1', 8000, '10.0.0.2', 54321)!;
    const le = key.key.startsWith('0100000A');
    assert.ok(le || key.key.startsWith('0A000001'));
    const text =
      '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n' +
      `   0: 00000000:1F40 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1 0000000000000000 100 0 0 10 0\n` +
      `  12: ${key.key} 01 00000A2B:00000000 01:000000C8 00000007     0        0 2 1 0000000000000000 20 4 30 10 -1\n`;
    const seen: TcpState[] = [];
    assert.equal(scanTcpLines(text, 'tcp', new Map([[key.key, 1]]), (_v, state) => seen.push(state)), '');
    assert.deepEqual(seen, [{ txQueue: 0xa2b, retransmitTimer: true, probeTimer: false, retransmits: 7 }]);
    // In chunks cut anywhere, each line is read once, whole.
    for (const cut of [1, 40, 150, 200, text.length - 3]) {
      const again: TcpState[] = [];
      const rest = scanTcpLines(text.slice(0, cut), 'tcp', new Map([[key.key, 1]]), (_v, state) => again.push(state));
      assert.equal(scanTcpLines(rest + text.slice(cut), 'tcp', new Map([[key.key, 1]]), (_v, state) => again.push(state)), '');
      assert.deepEqual(again, seen, `cut at ${cut}`);
    }
  });
});

describe('the retransmitting-only scan', () => {
  test('reads the lines whose retransmission or zero-window probe timer runs and passes over the others', () => {
    const a = tcpKey('10.0.0.1', 8000, '10.0.0.2', 1)!.key;
    const b = tcpKey('10.0.0.1', 8000, '10.0.0.2', 2)!.key;
    const c = tcpKey('10.0.0.1', 8000, '10.0.0.2', 3)!.key;
    const d = tcpKey('10.0.0.1', 8000, '10.0.0.2', 4)!.key;
    const text =
      `   0: ${a} 01 00000010:00000000 00:00000000 00000000     0        0 2 1 0000000000000000 20 4 30 10 -1\n` +
      `   1: ${b} 01 00000010:00000000 01:000000C8 00000003     0        0 3 1 0000000000000000 20 4 30 10 -1\n` +
      `   2: ${c} 01 00000040:00000000 04:000000C8 00000000     0        2 4 1 0000000000000000 20 4 30 10 -1\n` +
      `   3: ${d} 01 00000000:00000000 02:000000C8 00000000     0        0 5 1 0000000000000000 20 4 30 10 -1\n`;
    const seen: string[] = [];
    const states: TcpState[] = [];
    const wanted = new Map([[a, 'a'], [b, 'b'], [c, 'c'], [d, 'd']]);
    scanTcpLines(text, 'tcp', wanted, (v, state) => {
      seen.push(v);
      states.push(state);
    }, true);
    assert.deepEqual(seen, ['b', 'c'], 'a keep-alive timer (2) is no stall');
    assert.deepEqual(states[1], { txQueue: 0x40, retransmitTimer: false, probeTimer: true, retransmits: 0 });
    const all: string[] = [];
    scanTcpLines(text, 'tcp', wanted, (v) => all.push(v));
    assert.deepEqual(all, ['a', 'b', 'c', 'd']);
  });
});

describe('the count of retransmission timeouts and window probes', () => {
  test('is TCPTimeouts plus TCPWinProbe of the TcpExt lines in /proc/net/netstat', async () => {
    const withProbes = 'TcpExt: TCPTimeouts TCPLossProbes TCPWinProbe\nTcpExt: 100 7 23\n';
    assert.equal(tcpTimeouts(withProbes), 123);
    assert.equal(tcpTimeouts('TcpExt: TCPTimeouts TCPWinProbe\nTcpExt: 100 many\n'), 100, 'an unreadable probe count leaves the timeouts');
    const netstat = [
      'TcpExt: SyncookiesSent SyncookiesRecv SyncookiesFailed EmbryonicRsts PruneCalled TCPTimeouts TCPLossProbes',
      'TcpExt: 0 0 0 12 0 16719 41',
      'IpExt: InNoRoutes InTruncatedPkts',
      'IpExt: 0 0',
      '',
    ].join('\n');
    assert.equal(tcpTimeouts(netstat), 16719);
    for (const bad of ['', 'TcpExt: A B\nTcpExt: 1 2\n', 'TcpExt: TCPTimeouts\n', 'TcpExt: X TCPTimeouts\nTcpExt: 1 many\n', 'TcpExt: X TCPTimeouts\nTcpExt: 1 -4\n']) {
      assert.equal(tcpTimeouts(bad), undefined, JSON.stringify(bad));
    }
    if (process.platform === 'linux') assert.equal(typeof tcpTimeouts(await readFile('/proc/net/netstat', 'latin1')), 'number', "this machine's own");
  });
});

/** A reader over a table whose one connection's columns the test sets. */
function fakeTable(key: string): { read: TableReader; set(tx: number, timer: boolean | 'probe', retransmits: number): void } {
  let line = '';
  // The line comes in two chunks, cut inside it, and twice, as the kernel's unsynchronized print may give it.
  async function* read(): AsyncIterable<string> {
    const text = `  sl  local_address ...\n${line}${line}`;
    yield text.slice(0, 60);
    yield text.slice(60);
  }
  const set = (tx: number, timer: boolean | 'probe', retransmits: number) => {
    const hex = (n: number) => n.toString(16).toUpperCase().padStart(8, '0');
    line = `   0: ${key} 01 ${hex(tx)}:00000000 ${timer === 'probe' ? '04' : timer ? '01' : '00'}:00000010 ${hex(retransmits)}     0        0 9 1 0000000000000000 20 4 30 10 -1\n`;
  };
  set(0, false, 0);
  return { read, set };
}

function failing(error: Error): TableReader {
  return () => ({
    [Symbol.asyncIterator]: () => ({ next: () => Promise.reject(error) }),
  });
}

function fakeSocket(): net.Socket {
  return { localAddress: '10.1.2.3', localPort: 8000, remoteAddress: '10.1.2.4', remotePort: 40000 } as net.Socket;
}

describe('the shared stall sweep', () => {
  const key = tcpKey('10.1.2.3', 8000, '10.1.2.4', 40000)!.key;
  let clock = 0;
  const now = () => clock;
  const at = async (ms: number, watch: TcpStallWatch) => {
    clock = ms;
    await watch.sweep();
  };

  test('ends a connection retransmitting for the whole window, once', async () => {
    const table = fakeTable(key);
    const watch = new TcpStallWatch({ sweepMs: 1000, windowMs: 3000 }, assert.fail, { read: table.read, platform: 'linux', now });
    let stalled = 0;
    const watched = watch.watch(fakeSocket(), { stalled: () => stalled++ });
    assert.ok(watched);
    table.set(120, true, 1);
    await at(0, watch);
    table.set(120, true, 3);
    await at(2000, watch);
    assert.equal(stalled, 0);
    await at(3000, watch);
    assert.equal(stalled, 1);
    assert.equal(watch.size, 0);
    await at(6000, watch);
    assert.equal(stalled, 1);
    watch.unwatch(watched);
  });

  test('an acknowledgement between sweeps (the count went down, or nothing unacknowledged) starts over', async () => {
    const table = fakeTable(key);
    const watch = new TcpStallWatch({ sweepMs: 1000, windowMs: 3000 }, assert.fail, { read: table.read, platform: 'linux', now });
    let stalled = 0;
    const watched = watch.watch(fakeSocket(), { stalled: () => stalled++ });
    assert.ok(watched);
    table.set(50, true, 4);
    await at(0, watch);
    table.set(50, true, 1);
    await at(2000, watch);
    await at(4000, watch);
    assert.equal(stalled, 0, 'the window restarted at 2000');
    table.set(0, false, 0);
    await at(5000, watch);
    table.set(50, true, 2);
    await at(6000, watch);
    await at(8000, watch);
    assert.equal(stalled, 0);
    await at(9000, watch);
    assert.equal(stalled, 1);
    watch.unwatch(watched);
  });

  test('a window shut for the whole window ends the connection, whether its bytes wait or grow', async () => {
    for (const grows of [false, true]) {
      const table = fakeTable(key);
      const watch = new TcpStallWatch({ sweepMs: 1000, windowMs: 3000 }, assert.fail, { read: table.read, platform: 'linux', now });
      let stalled = 0;
      const watched = watch.watch(fakeSocket(), { stalled: () => stalled++ });
      assert.ok(watched);
      for (let t = 0; t <= 2000; t += 1000) {
        table.set(4096 + (grows ? t : 0), 'probe', 0);
        await at(t, watch);
      }
      assert.equal(stalled, 0);
      table.set(4096 + (grows ? 3000 : 0), 'probe', 0);
      await at(3000, watch);
      assert.equal(stalled, 1, grows ? 'heartbeats piling up behind a shut window: a reader that reads nothing' : 'a peer gone with its window shut');
      watch.unwatch(watched);
    }
  });

  test('a slow reader behind a shut window starts it over each time it takes some bytes', async () => {
    const table = fakeTable(key);
    const watch = new TcpStallWatch({ sweepMs: 1000, windowMs: 3000 }, assert.fail, { read: table.read, platform: 'linux', now });
    let stalled = 0;
    const watched = watch.watch(fakeSocket(), { stalled: () => stalled++ });
    assert.ok(watched);
    // Fewer bytes waiting at one sweep than at the last, or the data moving with the retransmission timer.
    const waiting = [9000, 9000, 8000, 9500, 9500, 9200, 9200, 9200];
    for (let i = 0; i < waiting.length; i++) {
      table.set(waiting[i]!, 'probe', 0);
      await at(i * 1000, watch);
    }
    table.set(9000, true, 0);
    await at(8000, watch);
    table.set(9000, 'probe', 0);
    await at(9000, watch);
    await at(11_000, watch);
    assert.equal(stalled, 0);
    await at(12_000, watch);
    assert.equal(stalled, 1, 'then it stopped taking any');
    watch.unwatch(watched);
  });

  test('behind a shut window, a reader whose acknowledged bytes grow is taking data, however fast new bytes refill the queue', async () => {
    const table = fakeTable(key);
    const watch = new TcpStallWatch({ sweepMs: 1000, windowMs: 3000 }, assert.fail, { read: table.read, platform: 'linux', now });
    let stalled = 0;
    // Node hands the kernel 50 KB between sweeps and the reader takes as much: the kernel's queue stays full.
    const socket = Object.assign(fakeSocket(), { bytesWritten: 0, writableLength: 0 });
    const watched = watch.watch(socket, { stalled: () => stalled++ });
    assert.ok(watched);
    for (let t = 0; t <= 10_000; t += 1000) {
      socket.bytesWritten += 50_000;
      table.set(60_000, 'probe', 0);
      await at(t, watch);
    }
    assert.equal(stalled, 0, 'a slow reader is not a gone one');
    // It stops reading: nothing more is acknowledged, whatever Node still hands over.
    for (let t = 11_000; t <= 14_000; t += 1000) {
      socket.writableLength += 10_000;
      socket.bytesWritten += 10_000;
      await at(t, watch);
    }
    assert.equal(stalled, 1);
    watch.unwatch(watched);
  });

  test('data in flight without a retransmission timeout is a healthy busy connection', async () => {
    const table = fakeTable(key);
    const watch = new TcpStallWatch({ sweepMs: 1000, windowMs: 3000 }, assert.fail, { read: table.read, platform: 'linux', now });
    let stalled = 0;
    const watched = watch.watch(fakeSocket(), { stalled: () => stalled++ });
    assert.ok(watched);
    table.set(60_000, true, 0);
    for (let t = 0; t <= 10_000; t += 1000) await at(t, watch);
    assert.equal(stalled, 0);
    watch.unwatch(watched);
    assert.equal(watch.size, 0);
  });

  test('a table that cannot be read turns the watch off instead of failing streams', async () => {
    const errors: boolean[] = [];
    const missing = Object.assign(new Error('no /proc'), { code: 'ENOENT' });
    const watch = new TcpStallWatch({ sweepMs: 1000, windowMs: 3000 }, (_e, disabled) => errors.push(disabled), { read: failing(missing), platform: 'linux', now });
    let stalled = 0;
    watch.watch(fakeSocket(), { stalled: () => stalled++ });
    await watch.sweep();
    assert.deepEqual(errors, [true]);
    watch.watch(fakeSocket(), { stalled: () => stalled++ });
    await watch.sweep();
    assert.deepEqual(errors, [true]);
    assert.equal(stalled, 0);
  });

  test('the table is read at the quiet pace while every peer acknowledges, and at the sweep pace while one retransmits', async () => {
    mock.timers.enable({ apis: ['setTimeout'] });
    try {
      const table = fakeTable(key);
      let reads = 0;
      const read: TableReader = (t) => {
        reads++;
        return table.read(t);
      };
      const watch = new TcpStallWatch({ sweepMs: 1000, quietSweepMs: 3000, windowMs: 10_000 }, assert.fail, { read, platform: 'linux', now });
      const watched = watch.watch(fakeSocket(), { stalled: assert.fail });
      assert.ok(watched);
      const advance = async (ms: number) => {
        for (let t = 0; t < ms; t += 500) {
          mock.timers.tick(500);
          for (let i = 0; i < 10; i++) await Promise.resolve();
        }
      };
      await advance(9000);
      assert.equal(reads, 3, 'every 3 s while quiet');
      table.set(120, true, 1);
      await advance(3000);
      assert.equal(reads, 4, 'the quiet sweep sees the retransmission');
      await advance(3000);
      assert.equal(reads, 7, 'then every second, to confirm within the window');
      table.set(0, false, 0);
      await advance(1000);
      await advance(6000);
      assert.equal(reads, 10, 'acknowledged again: back to the quiet pace');
      watch.unwatch(watched);
      await advance(6000);
      assert.equal(reads, 10, 'nothing watched, nothing read');
    } finally {
      mock.timers.reset();
    }
  });

  test('while every peer acknowledges, the table is read only when the count of retransmission timeouts moved', async () => {
    const table = fakeTable(key);
    let reads = 0;
    let count: number | undefined = 500;
    const read: TableReader = (t) => {
      reads++;
      return table.read(t);
    };
    const watch = new TcpStallWatch({ sweepMs: 1000, windowMs: 3000 }, assert.fail, { read, timeouts: () => count, platform: 'linux', now });
    let stalled = 0;
    const watched = watch.watch(fakeSocket(), { stalled: () => stalled++ });
    assert.ok(watched);
    await at(0, watch);
    assert.equal(reads, 1, 'the first sweep reads');
    await at(1000, watch);
    await at(2000, watch);
    assert.equal(reads, 1, 'nothing retransmitted anywhere: nothing to read');

    // The peer vanishes: its retransmission timer fires, which the count shows.
    table.set(120, true, 1);
    count = 501;
    await at(3000, watch);
    assert.equal(reads, 2);
    // Backing off, the timer fires less often than the sweep runs: a peer under suspicion is
    // read at every sweep, moved count or not, until the window is through.
    await at(5000, watch);
    await at(6000, watch);
    assert.equal(reads, 4);
    assert.equal(stalled, 1);

    // The count unknown (no /proc/net/netstat): every sweep reads, as before.
    const again = watch.watch(fakeSocket(), { stalled: assert.fail });
    assert.ok(again);
    table.set(0, false, 0);
    count = undefined;
    await at(7000, watch);
    await at(8000, watch);
    assert.equal(reads, 6);
    watch.unwatch(again);
  });

  test('a read that failed is read again, though the count did not move', async () => {
    const table = fakeTable(key);
    const outcomes: ('fail' | 'ok')[] = ['fail', 'ok', 'ok'];
    let reads = 0;
    const read: TableReader = (t) => {
      reads++;
      return outcomes.shift() === 'fail' ? failing(Object.assign(new Error('interrupted'), { code: 'EINTR' }))(t) : table.read(t);
    };
    const errors: boolean[] = [];
    const watch = new TcpStallWatch({ sweepMs: 1000, windowMs: 3000 }, (_e, disabled) => errors.push(disabled), { read, timeouts: () => 7, platform: 'linux', now });
    const watched = watch.watch(fakeSocket(), { stalled: assert.fail });
    assert.ok(watched);
    await at(0, watch);
    await at(1000, watch);
    await at(2000, watch);
    assert.deepEqual(errors, [false]);
    assert.equal(reads, 2, 'the failed read, then one that went through, then none');
    watch.unwatch(watched);
  });

  test('elsewhere than Linux it watches nothing', () => {
    const watch = new TcpStallWatch({ sweepMs: 1000, windowMs: 3000 }, assert.fail, { read: assert.fail, platform: 'darwin' });
    assert.equal(watch.watch(fakeSocket(), { stalled: assert.fail }), undefined);
    assert.equal(watch.size, 0);
  });

  test('with the default timings a vanished peer is found within the 90 s idle window', () => {
    const heartbeatMs = 25_000;
    const idleMs = 90_000;
    const { sweepMs, quietSweepMs, windowMs } = stallTiming(heartbeatMs, idleMs);
    // Worst case: the next heartbeat, an RTO of 3 s before its first retransmission, a quiet sweep to
    // see it, the window, and a sweep to confirm.
    assert.ok(heartbeatMs + 3000 + quietSweepMs + windowMs + sweepMs <= idleMs, JSON.stringify({ sweepMs, quietSweepMs, windowMs }));
    assert.ok(quietSweepMs > sweepMs, 'quiet sweeps are rarer');
    assert.ok(windowMs >= 30_000, 'a network blip of half a minute does not end a stream');
  });
});
