// access: a contact with an open stream on every node is banned while a fault is in progress — Redis
// or PostgreSQL down, or right after a node was killed. After the ban is acknowledged the contact must
// get nothing more, each of its streams must end with stream.unauthorized, and it must not get back in;
// the other members keep receiving everything.
import { retryServerErrors } from '../clients/http.js';
import type { ResilientSubscriber } from '../clients/sse-subscriber.js';
import { downTime, FAULT_KINDS } from '../faults.js';
import { sample } from '../invariants.js';
import { sleep } from '../lib/net.js';
import { checkWritesDuringRedisOutage } from './redis-outage.js';
import { DELIVERY_BOUND_MS, type Scenario } from './scenario.js';
import { awaitDelivery, checkDelivery, connectionSummary, deliveredTo, makeHub, publishBurst, subscribe } from './hub-stream.js';

/** Payloads published after the ban start here, so the banned contact's streams can be searched for them. */
const AFTER_BAN = 1000;

export const access: Scenario = {
  name: 'access',
  title: 'A member with open streams is banned while Redis or PostgreSQL is down, or right after a node dies',
  faults: FAULT_KINDS,
  async run(ctx) {
    const { env, prng, checks, sizes } = ctx;
    const fixture = await makeHub(ctx, 'access', sizes.members + 1);
    const [banned, ...others] = fixture.members;
    if (!banned) throw new Error('no contact to ban');
    const since = Date.now() - 1000;
    const nodes = env.cluster.names;
    const bannedStreams = nodes.map((node) => subscribe(ctx, fixture, banned, `banned@${node}`, node, since));
    const memberStreams = others.map((m, i) => subscribe(ctx, fixture, m, `member-${i + 1}`, nodes[(i + 1) % nodes.length], since));
    const all = [...bannedStreams, ...memberStreams];
    if (!(await Promise.all(all.map((s) => s.waitFor(() => s.connected, 15_000)))).every(Boolean)) throw new Error(`streams did not connect: ${all.map((s) => `${s.name} ${connectionSummary(s)}`).join('; ')}`);

    // Everyone is live before the fault: the first publishes reach all of them.
    const before = await publishBurst(ctx, fixture.hubId, [0, 1], 1);
    await awaitDelivery(all, before, Date.now() + 10_000);

    const downMs = downTime(ctx.fault, prng);
    const active = await ctx.faults.begin(ctx.fault, prng);
    const killedNode = ctx.fault === 'node-kill' ? active.record.target : undefined;
    ctx.log(`fault ${ctx.fault} on ${active.record.target}, down ${downMs} ms; banning meanwhile`);
    const recovered = sleep(downMs).then(() => active.recover());
    const ban = await ctx.client.retrying(
      { method: 'POST', path: `/admin/v1/hubs/${fixture.hubId}/contacts/${banned.contactId}/ban`, headers: ctx.admin.authorization },
      { retryOn: retryServerErrors, deadlineMs: 30_000 },
    );
    const banStatus = ban.answer?.status;
    const banAcked = banStatus !== undefined && banStatus >= 200 && banStatus < 300;
    checks.expect('access.ban-acknowledged', banAcked, () => `the ban answered ${banStatus ?? 'nothing'} (${ban.answer?.text ?? ''}) after ${ban.attempts.length} attempts: ${sample(ban.attempts.map((a) => `${a.node}:${a.status ?? a.error}`), 8)}`);

    // After the ban — while the fault may still be on, when the ban did not need what is down — members
    // must get these and the banned contact must not.
    const after = await publishBurst(ctx, fixture.hubId, Array.from({ length: sizes.publishesAfterBan }, (_, i) => AFTER_BAN + i), 1);
    await recovered;
    const healedAt = await env.heal();
    const deadline = healedAt + DELIVERY_BOUND_MS;
    await Promise.all([
      awaitDelivery(memberStreams, [...before, ...after], deadline),
      ...bannedStreams.map((s) => s.waitFor(() => s.end !== undefined, Math.max(0, deadline - Date.now()))),
    ]);

    checkDelivery(checks, memberStreams, [...before, ...after], { delivered: 'access.members-receive', exactlyOnce: 'access.members-receive', order: 'access.members-receive' });
    if (banAcked) {
      for (const s of bannedStreams) {
        const leaked = deliveredTo(s).filter((d) => d.n !== undefined && d.n >= AFTER_BAN);
        checks.expect('access.no-events-after-ban', leaked.length === 0, () => `${s.name} received ${leaked.length} events published after the ban was acknowledged: ${sample(leaked.map((d) => `n=${d.n} ${d.id}@${d.node}`))}; connections ${connectionSummary(s)}`);
        checks.expect('access.unauthorized-terminal', endedAsBanned(s, killedNode), () => `${s.name} ${s.end ? `ended ${JSON.stringify(s.end)}` : `was still open or reconnecting ${Math.round((Date.now() - healedAt) / 1000)} s after the heal`}; terminals ${JSON.stringify(s.terminals.map((t) => `${t.type}@${t.node}`))}; connections ${connectionSummary(s)}`);
      }
    }
    for (const url of env.cluster.liveUrls()) {
      const status = await probeStream(url, fixture.hubId, banned.token);
      checks.expect('access.reconnect-refused', status === 404, () => `the banned contact opened a stream on ${env.cluster.nodeOf(url)}: ${status ?? 'no answer'}`);
    }
    checkWritesDuringRedisOutage(ctx, [{ label: 'ban', attempts: ban.attempts }, ...[...before, ...after].map((p) => ({ label: `publish n=${p.n}`, attempts: p.attempts }))]);
    for (const s of memberStreams) {
      checks.expect('access.members-receive', s.end === undefined, () => `${s.name} stopped for good: ${JSON.stringify(s.end)}; connections ${connectionSummary(s)}`);
    }
    return {
      banAttempts: ban.attempts.length,
      publishes: before.length + after.length,
      acknowledged: [...before, ...after].filter((p) => p.ackedId !== undefined).length,
      bannedStreamsEndedUnauthorized: bannedStreams.filter((s) => s.end?.kind === 'terminal' && s.end.type === 'stream.unauthorized').length,
    };
  },
};

/**
 * Ended with stream.unauthorized; or, when its connection died with a killed node before the ban could
 * reach it, was refused (404) on reconnecting. A stream a live node closed without a terminal event fails.
 */
function endedAsBanned(s: ResilientSubscriber, killedNode: string | undefined): boolean {
  if (s.end?.kind === 'terminal') return s.end.type === 'stream.unauthorized';
  if (s.end?.kind !== 'refused' || s.end.status !== 404) return false;
  const cut = s.connections.filter((c) => c.status === 200 && c.end !== undefined && !c.end.startsWith('terminal:'));
  return cut.length > 0 && cut.every((c) => c.node === killedNode);
}

/** One attempt to open the stream; the status it answers (the body is not read). */
async function probeStream(baseUrl: string, hubId: string, token: string): Promise<number | undefined> {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), 5_000);
  try {
    const res = await fetch(`${baseUrl}/realtime/events?hub_id=${hubId}`, { headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' }, signal: abort.signal });
    abort.abort();
    return res.status;
  } catch {
    return undefined;
  } finally {
    clearTimeout(timer);
  }
}
