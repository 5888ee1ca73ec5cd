// The soak's own pieces, without Capstan: its options (bad ones stop the harness with exit code 2),
// the per-subscriber exact-delivery check, the SSE fields a resuming client reads, and a resuming
// subscriber against a small server that resumes correctly, skips an event or repeats one.
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, test } from 'node:test';
import type { BenchPayload, SoakSample } from '../../bench/clients/protocol.js';
import { ResumingSubscriber } from '../../bench/clients/resuming-subscriber.js';
import { SequenceCheck } from '../../bench/clients/sequence-check.js';
import { SoakTally } from '../../bench/clients/soak-tally.js';
import { SseFrames } from '../../bench/clients/sse-frames.js';
import { readCommandLine } from '../../bench/lib/command-line.js';
import { BenchOptionError } from '../../bench/lib/options.js';
import { boundSec, settingsFrom } from '../../bench/scenarios/soak/settings.js';
import { SCENARIOS } from '../../bench/scenarios/index.js';

describe('soak options', () => {
  const settings = (options: Record<string, string>) => settingsFrom(new Map(Object.entries(options)));

  test('the defaults: 10,000 subscribers for 10 minutes at 2 events/s, 5 % cut every 10 s', () => {
    const s = settings({});
    assert.deepEqual([s.subscribers, s.minutes, s.rate, s.cutEverySec, s.cutFraction, s.serverCuts, s.reconnectWithinSec, s.sampleEverySec], [10_000, 10, 2, 10, 0.05, 5, 2, 5]);
    // Every process of the run, and the harness's watchdog, is bounded by the run's length plus its setup.
    assert.equal(boundSec(s), 600 + 600);
    assert.equal(settings({ minutes: '0.5', 'cut-fraction': '0', 'server-cuts': '0', 'cut-every': '600' }).cutFraction, 0);
  });

  test('values out of range are usage errors that name the option', () => {
    const cases: [Record<string, string>, RegExp][] = [
      [{ minutes: '61' }, /^--minutes=61: must be a number from 0.1 to 60 \(a soak is bounded: an hour at most\)/],
      [{ minutes: '0' }, /^--minutes=0: must be a number from 0.1 to 60/],
      [{ subscribers: '0' }, /^--subscribers=0: must be a whole number from 1 to \d+/],
      [{ subscribers: '100000000' }, /descriptor hard limit/],
      [{ rate: '0' }, /^--rate=0: must be a positive number up to 1000/],
      [{ 'cut-fraction': '1.5' }, /^--cut-fraction=1.5: must be a number from 0 to 1/],
      [{ 'cut-every': '0.5' }, /^--cut-every=0.5: must be a number from 1 to 600/],
      [{ 'server-cuts': '-1' }, /^--server-cuts=-1: must be a whole number from 0 to 1000/],
      [{ 'reconnect-within': '120' }, /^--reconnect-within=120: must be a number from 0 to 60/],
      [{ minutes: '0.5', 'sample-every': '40' }, /^--sample-every=40: longer than the run/],
      [{ minutes: '0.5', 'cut-every': '30' }, /^--cut-every=30: not shorter than the run .* --cut-fraction=0 --server-cuts=0/],
      [{ clients: '4', sources: '64' }, /^--sources=64: .*253 loopback addresses/],
    ];
    for (const [options, message] of cases) {
      assert.throws(() => settings(options), (e: unknown) => e instanceof BenchOptionError && message.test(e.message), JSON.stringify(options));
    }
  });

  test('the command line is refused before the soak starts anything', () => {
    for (const [args, message] of [
      [['soak', '--minutes=61'], '--minutes=61: must be a number from 0.1 to 60'],
      [['idle', 'soak', '--cut-fraction=2'], '--cut-fraction=2: must be a number from 0 to 1'],
    ] as const) {
      assert.throws(() => readCommandLine(args, SCENARIOS), (e: unknown) => e instanceof BenchOptionError && e.message.startsWith(message), args.join(' '));
    }
  });
});

describe('exact delivery, per subscriber', () => {
  test('numbers in order pass; a gap, a duplicate and a late arrival are each told apart', () => {
    const c = new SequenceCheck();
    assert.deepEqual([0, 1, 2].map((n) => c.receive(n)), [undefined, undefined, undefined]);
    assert.equal(c.completeUpTo(3), true);
    assert.equal(c.receive(2), 'duplicate');
    assert.equal(c.receive(6), 'gap');
    assert.equal(c.firstMissing(), 3);
    assert.equal(c.completeUpTo(7), false);
    assert.equal(c.receive(4), 'out-of-order');
    assert.equal(c.receive(4), 'duplicate');
    assert.equal(c.receive(7), undefined);
    assert.equal(c.firstMissing(), 3);
    assert.equal(c.receive(3), 'out-of-order');
    assert.equal(c.receive(5), 'out-of-order');
    assert.equal(c.completeUpTo(8), true, 'every number arrived, three of them late');
    assert.equal(c.completeUpTo(9), false);
    assert.equal(c.firstMissing(), 8);
  });

  test("a resuming client reads each event's id and name, and a terminal event without data", () => {
    const frames = new SseFrames();
    assert.deepEqual(frames.pushEvents('retry: 3000\n\nid: e1\nevent: test.ping\ndata: {"a":1}\n\n: heartbeat\n\nevent: stream.unauthorized\ndata: {"reason":"x"}\n\nid: e2\n'), [
      { id: 'e1', event: 'test.ping', data: '{"a":1}' },
      { id: undefined, event: 'stream.unauthorized', data: '{"reason":"x"}' },
    ]);
    assert.deepEqual(frames.pushEvents('\nevent:stream.draining\n\n'), [{ id: 'e2', event: undefined, data: undefined }, { id: undefined, event: 'stream.draining', data: undefined }]);
    assert.deepEqual(new SseFrames().push('id: 1\n\ndata: x\n\n'), ['x'], 'events without data are still not deliveries');
  });
});

type Fault = 'none' | 'skip' | 'repeat';

/**
 * Serves events numbered 0 … 9 with ids e0 … e9: the first stream gets 0 … 4 and then, unless the
 * client cuts it first, ends with stream.draining; a stream resuming after e<n> gets n + 1 … 9, or with
 * a fault n + 2 … 9 (one skipped) or n … 9 (one repeated).
 */
async function eventServer(fault: Fault, endFirst: boolean) {
  const resumedWith: (string | undefined)[] = [];
  const frame = (n: number) => `id: e${n}\nevent: test.ping\ndata: ${JSON.stringify({ p: 'k', s: n, t: Date.now() } satisfies BenchPayload)}\n\n`;
  const server = http.createServer((req, res) => {
    const last = req.headers['last-event-id'];
    resumedWith.push(typeof last === 'string' ? last : undefined);
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write('retry: 3000\n\n');
    if (typeof last !== 'string') {
      for (let n = 0; n < 5; n++) res.write(frame(n));
      if (endFirst) res.end('event: stream.draining\ndata: {"retry_ms":0}\n\n');
      return;
    }
    const after = Number(last.slice(1));
    for (let n = after + (fault === 'skip' ? 2 : fault === 'repeat' ? 0 : 1); n < 10; n++) res.write(frame(n));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/events`);
  return { url, resumedWith, close: () => new Promise<void>((r) => server.close(() => r())) };
}

async function until(tally: SoakTally, subscriber: ResumingSubscriber, done: (s: SoakSample) => boolean): Promise<SoakSample> {
  // A bound, not a timing assertion: the loop ends as soon as the condition holds.
  for (let i = 0; i < 200; i++) {
    const s = tally.sample([subscriber]);
    if (done(s)) return s;
    await sleep(50);
  }
  return tally.sample([subscriber]);
}

async function subscribe(fault: Fault, endFirst: boolean) {
  const server = await eventServer(fault, endFirst);
  const tally = new SoakTally();
  const payloadOf = (text: string) => JSON.parse(text) as BenchPayload;
  const subscriber = new ResumingSubscriber('c0-7', { url: server.url, headers: {}, localAddress: '127.0.0.1', timeoutMs: 5_000 }, { phase: 'k', reconnectWithinMs: 0, reconnectTimeoutMs: 5_000, retryMs: 100, firstAttempts: 1 }, tally, payloadOf, () => undefined);
  await subscriber.start();
  return { server, tally, subscriber };
}

describe('a resuming subscriber', () => {
  test('a stream the server ends is resumed with Last-Event-ID, and every event arrives once', async () => {
    const { server, tally, subscriber } = await subscribe('none', true);
    try {
      let delivered = 0;
      const s = await until(tally, subscriber, (x) => (delivered += x.delivered) >= 10 && x.reconnects === 1);
      assert.deepEqual(server.resumedWith, [undefined, 'e4']);
      assert.equal(delivered, 10);
      assert.deepEqual([s.serverEnded, s.reconnects, s.cuts, s.connected], [1, 1, 0, 1]);
      assert.deepEqual(s.terminals, { 'stream.draining': 1 });
      assert.equal(s.violations.length, 0);
      assert.deepEqual(tally.verify([subscriber], 10).behind, []);
      assert.equal(tally.verify([subscriber], 11).behind[0]?.expected, 10, 'one more published than received is missing at the end');
    } finally {
      subscriber.close();
      await server.close();
    }
  });

  test('a cut resets the socket, and the subscriber resumes after the last id it received', async () => {
    const { server, tally, subscriber } = await subscribe('none', false);
    try {
      await until(tally, subscriber, () => subscriber.lastId === 'e4');
      assert.equal(subscriber.cut(), true);
      assert.equal(subscriber.cut(), false, 'a cut stream is not cut twice');
      const s = await until(tally, subscriber, (x) => x.reconnects === 1 && subscriber.check.next === 10);
      assert.deepEqual(server.resumedWith, [undefined, 'e4']);
      assert.deepEqual([s.cuts, s.serverEnded, s.reconnects, s.violations.length], [1, 0, 1, 0]);
      assert.equal(tally.verify([subscriber], 10).complete, 1);
    } finally {
      subscriber.close();
      await server.close();
    }
  });

  for (const [fault, kind, got] of [['skip', 'gap', 6], ['repeat', 'duplicate', 4]] as const) {
    test(`a resume that ${fault === 'skip' ? 'skips' : 'repeats'} an event is a ${kind}, with the evidence`, async () => {
      const { server, tally, subscriber } = await subscribe(fault, true);
      try {
        const s = await until(tally, subscriber, (x) => x.violations.length > 0 && subscriber.check.next === 10);
        assert.equal(s.violationCounts[kind], 1);
        const [v] = s.violations;
        assert.deepEqual({ subscriber: v?.subscriber, kind: v?.kind, expected: v?.expected, got: v?.got, eventId: v?.eventId, resumedFrom: v?.resumedFrom }, { subscriber: 'c0-7', kind, expected: 5, got, eventId: `e${got}`, resumedFrom: 'e4' });
        assert.equal(tally.verify([subscriber], 10).complete, fault === 'skip' ? 0 : 1);
      } finally {
        subscriber.close();
        await server.close();
      }
    });
  }
});
