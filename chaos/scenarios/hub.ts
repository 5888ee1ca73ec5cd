// hub: K members follow a hub's stream, spread over the nodes, while a burst of server-side publishes
// goes to random nodes. One fault per iteration, aimed at one publish of the burst: the node that
// publish is in flight on is killed, or Redis or PostgreSQL goes down as it leaves. Subscribers that
// lose their connection come back on any live node with Last-Event-ID.
import { downTime, FAULT_KINDS, type ActiveFault } from '../faults.js';
import { sleep } from '../lib/net.js';
import { checkWritesDuringRedisOutage } from './redis-outage.js';
import { DELIVERY_BOUND_MS, type Scenario } from './scenario.js';
import { awaitDelivery, checkDelivery, lateRetry, makeHub, publishBurst, subscribe } from './hub-stream.js';

/** Late retries per iteration: a sample of acknowledged publishes sent again with their key. */
const LATE_RETRIES = 3;

export const hub: Scenario = {
  name: 'hub',
  title: 'Hub publishes with Idempotency-Key while a node dies mid-publish, or Redis or PostgreSQL restarts mid-burst',
  faults: FAULT_KINDS,
  async run(ctx) {
    const { sizes, prng, env } = ctx;
    const fixture = await makeHub(ctx, 'hub', sizes.subscribers);
    const since = Date.now() - 1000;
    const nodes = env.cluster.names;
    const subscribers = fixture.members.map((m, i) => subscribe(ctx, fixture, m, `subscriber-${i + 1}`, nodes[i % nodes.length], since));
    const connected = await Promise.all(subscribers.map((s) => s.waitFor(() => s.connected, 15_000)));
    if (!connected.every(Boolean)) throw new Error(`subscribers did not connect: ${subscribers.map((s) => `${s.name} ${JSON.stringify(s.connections)}`).join('; ')}`);

    const faultAt = prng.int(1, Math.max(1, sizes.publishes - 2));
    const aimDelayMs = prng.int(0, 20);
    const downMs = downTime(ctx.fault, prng);
    let fault: Promise<void> | undefined;
    let active: ActiveFault | undefined;
    const burst = await publishBurst(ctx, fixture.hubId, Array.from({ length: sizes.publishes }, (_, n) => n), 3, {
      onDispatch(n, url) {
        if (n !== faultAt || fault !== undefined) return;
        ctx.log(`fault ${ctx.fault} at publish ${n} (sent to ${env.cluster.nodeOf(url)}), down ${downMs} ms`);
        fault = (async () => {
          await sleep(aimDelayMs);
          active = await ctx.faults.begin(ctx.fault, prng, ctx.fault === 'node-kill' ? env.cluster.nodeOf(url) : undefined);
          await sleep(downMs);
          await active.recover();
        })();
      },
    });
    await fault;
    const healedAt = await env.heal();
    await awaitDelivery(subscribers, burst, healedAt + DELIVERY_BOUND_MS);

    // A client that lost a 202 sends the publish again with the same key: it must get the same id back.
    const acked = burst.filter((p) => p.ackedId !== undefined);
    const retried = prng.shuffle(acked).slice(0, LATE_RETRIES);
    const secondEvents = new Set<string>();
    for (const record of retried) {
      const again = await lateRetry(ctx, fixture.hubId, record);
      ctx.checks.expect('hub.exactly-once', again.status === 202 && again.id === record.ackedId, () => `publish n=${record.n} sent again with its Idempotency-Key answered ${again.status ?? 'nothing'} with id ${again.id ?? '-'}, first acknowledged as ${record.ackedId}`);
      if (again.id !== undefined && again.id !== record.ackedId) secondEvents.add(again.id);
    }
    if (retried.length > 0) await sleep(1500);

    checkDelivery(ctx.checks, subscribers, burst, { delivered: 'hub.delivered', exactlyOnce: 'hub.exactly-once', order: 'hub.order', agreement: 'hub.agreement', refusedNotApplied: 'hub.refused-not-applied' }, secondEvents);
    checkWritesDuringRedisOutage(ctx, burst.map((p) => ({ label: `publish n=${p.n}`, attempts: p.attempts })));
    for (const s of subscribers) {
      ctx.checks.expect('hub.subscriber-alive', s.end === undefined, () => `${s.name} stopped for good: ${JSON.stringify(s.end)} after connections ${s.connections.map((c) => `${c.node}:${c.status}:${c.end}`).join(', ')}`);
    }
    return {
      publishes: burst.length,
      acknowledged: acked.length,
      refused: burst.filter((p) => p.refused).length,
      retriedAttempts: burst.reduce((sum, p) => sum + p.attempts.length - 1, 0),
      deliveries: subscribers.reduce((sum, s) => sum + s.events.length, 0),
      reconnects: subscribers.reduce((sum, s) => sum + s.connections.length - 1, 0),
    };
  },
};
