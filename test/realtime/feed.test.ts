// The per-node feed of a topic: events reach its handlers once each, in seq order, whatever the bus
// does — in order, out of order, twice, not at all (a lost wake-up), or not subscribed yet (Redis
// away). Missed events come from the log, announced by a resync so connections re-check access.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { EventFeed, EventLog, EventPublisher, EventTypeRegistry, MemoryBus, type Bus, type BusHandler, type EventRecord, type FeedMessage } from '../../src/events/index.js';
import { createLogger } from '../../src/http/index.js';
import { openStorage, type Storage } from '../../src/storage/index.js';
import { tempDir } from '../helpers/server.js';
import { until } from '../helpers/wait.js';

const CHECK_MS = 40;

/** A bus whose subscriptions never become live (Redis away), yet accepts handlers. */
class DeadBus implements Bus {
  readonly handlers = new Map<string, BusHandler>();
  async publish(): Promise<void> {
    throw new Error('bus down');
  }
  subscribe(topic: string, handler: BusHandler): Promise<() => void> {
    this.handlers.set(topic, handler);
    return new Promise(() => undefined);
  }
  async close(): Promise<void> {}
}

describe('event feed', () => {
  let storage: Storage;
  let log: EventLog;
  let publisher: EventPublisher;
  const feeds: EventFeed[] = [];
  const logger = createLogger('silent');

  before(async () => {
    const dir = tempDir();
    storage = openStorage(`sqlite:${join(dir, 'feed.db')}`, dir);
    await storage.migrate();
    log = new EventLog(storage, 300_000);
    const registry = new EventTypeRegistry();
    registry.register([{ type: 'test.ping', scope: 'hub', description: 'test' }]);
    publisher = new EventPublisher(registry, storage, 16_384);
  });
  after(async () => {
    for (const f of feeds) f.close();
    await storage.close();
  });

  const feed = (bus: Bus, checkEveryMs = CHECK_MS) => {
    const f = new EventFeed(bus, log, { checkEveryMs, gapWaitMs: 30, pageSize: 3 }, logger);
    feeds.push(f);
    return f;
  };
  const commit = (topic: string, n: number) => publisher.publish({ topic, orgId: 'org_x', type: 'test.ping', data: { n } });
  const watch = async (f: EventFeed, topic: string) => {
    const got: FeedMessage[] = [];
    const stop = await f.subscribe(topic, (m) => got.push(m));
    const ns = () => got.filter((m): m is Extract<FeedMessage, { kind: 'event' }> => m.kind === 'event').map((m) => m.event.data.n);
    return { got, ns, stop };
  };

  test('in order, out of order and twice: each event once, in seq order, with no resync', async () => {
    const bus = new MemoryBus();
    // No head checks during this test: only the bus and the gap wait are at work.
    const w = await watch(feed(bus, 60_000), 'f:a');
    const events: EventRecord[] = [];
    for (let n = 1; n <= 4; n++) events.push(await commit('f:a', n));
    const [e1, e2, e3, e4] = events as [EventRecord, EventRecord, EventRecord, EventRecord];
    for (const e of [e1, e3, e2, e2, e1, e4]) await bus.publish('f:a', { kind: 'event', event: e });
    await until(() => w.ns().length === 4, 'four events');
    assert.deepEqual(w.ns(), [1, 2, 3, 4]);
    assert.ok(!w.got.some((m) => m.kind === 'resync'), 'a late wake-up is not a lost one');
    w.stop();
  });

  test('a lost wake-up (the committing node died) is read from the log, announced by a resync', async () => {
    const bus = new MemoryBus();
    const w = await watch(feed(bus), 'f:b');
    await commit('f:b', 1);
    await until(() => w.ns().length === 1, 'the unannounced event', 2_000);
    assert.deepEqual(w.got.map((m) => m.kind), ['resync', 'event']);
    // A wake-up in the middle lost, the next one arrives: the gap is filled from the log.
    await commit('f:b', 2);
    const e3 = await commit('f:b', 3);
    await bus.publish('f:b', { kind: 'event', event: e3 });
    await until(() => w.ns().length === 3, 'the gap to be filled');
    assert.deepEqual(w.ns(), [1, 2, 3]);
    w.stop();
  });

  test('the bus reconnecting after an outage: what was missed comes from the log, after a resync', async () => {
    const bus = new MemoryBus();
    const f = feed(bus);
    const w = await watch(f, 'f:c');
    const missed = [await commit('f:c', 1), await commit('f:c', 2), await commit('f:c', 3), await commit('f:c', 4)];
    await bus.publish('f:c', { kind: 'resync', topic: 'f:c' });
    await until(() => w.ns().length === 4, 'the missed events');
    assert.equal(w.got[0]?.kind, 'resync');
    assert.deepEqual(w.ns(), [1, 2, 3, 4], 'read in pages, in order');
    await bus.publish('f:c', { kind: 'event', event: missed[3]! });
    await new Promise((r) => setTimeout(r, CHECK_MS * 3));
    assert.equal(w.ns().length, 4, 'a wake-up for what was already delivered is dropped');
    w.stop();
  });

  test('with the bus down, subscribing still works and events arrive from the log', async () => {
    const bus = new DeadBus();
    const w = await watch(feed(bus), 'f:d');
    await commit('f:d', 1);
    await commit('f:d', 2);
    await until(() => w.ns().length === 2, 'events without a bus', 2_000);
    assert.deepEqual(w.ns(), [1, 2]);
    w.stop();
  });

  test('a second handler joins the same follow; the last to leave ends it', async () => {
    const bus = new MemoryBus();
    const f = feed(bus);
    const a = await watch(f, 'f:e');
    const b = await watch(f, 'f:e');
    assert.equal(f.size, 1);
    const e = await commit('f:e', 1);
    await bus.publish('f:e', { kind: 'event', event: e });
    await until(() => a.ns().length === 1 && b.ns().length === 1, 'both handlers');
    a.stop();
    assert.equal(f.size, 1);
    b.stop();
    assert.equal(f.size, 0);
  });
});
