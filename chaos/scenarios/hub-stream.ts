// What the hub and access scenarios share: hub members with resilient stream subscribers, server-side
// publishes with an Idempotency-Key each (retried with the same key, as a careful client does), and
// the delivery checks over what every subscriber received.
import { randomBytes } from 'node:crypto';
import { retryTransient, type Attempt } from '../clients/http.js';
import { namedTerminal, ResilientSubscriber } from '../clients/sse-subscriber.js';
import { firstOutOfOrder, repeated, sample, type Checks, type InvariantName } from '../invariants.js';
import { cursorAt } from '../lib/cursor.js';
import { field, parseJson, stringField } from '../lib/json.js';
import { sleep } from '../lib/net.js';
import type { IterationContext } from './scenario.js';

export interface Member {
  readonly contactId: string;
  token: string;
}

export interface HubFixture {
  readonly orgId: string;
  readonly hubId: string;
  readonly members: Member[];
}

export async function makeHub(ctx: IterationContext, label: string, memberCount: number): Promise<HubFixture> {
  const org = await ctx.admin.createOrg(`chaos ${label} ${ctx.iteration}`, 0);
  const hubId = await ctx.admin.createHub(org.id, `chaos ${label}`);
  const members: Member[] = [];
  for (let i = 0; i < memberCount; i++) {
    const contactId = await ctx.admin.createContact(hubId, `member ${i}`);
    members.push({ contactId, token: await ctx.admin.contactToken(hubId, contactId) });
  }
  return { orgId: org.id, hubId, members };
}

/**
 * A member's stream. It opens with a cursor from just before the run's first publish, so every
 * subscriber replays from the same point instead of racing its subscription against the burst.
 */
export function subscribe(ctx: IterationContext, hub: HubFixture, member: Member, name: string, firstNode: string | undefined, since: number): ResilientSubscriber {
  let expired = false;
  const subscriber = new ResilientSubscriber({
    name,
    cluster: ctx.env.cluster,
    prng: ctx.prng.fork(name),
    async request() {
      if (expired) {
        member.token = await ctx.admin.contactToken(hub.hubId, member.contactId);
        expired = false;
      }
      return { path: `/realtime/events?hub_id=${hub.hubId}`, headers: { authorization: `Bearer ${member.token}` } };
    },
    terminalOf: namedTerminal,
    credentialsExpired: () => void (expired = true),
    refused: (status) => status === 404,
    idleTimeoutMs: 10_000,
    initialCursor: cursorAt(since),
    firstNode,
  });
  subscriber.start();
  ctx.defer(() => subscriber.stop());
  return subscriber;
}

export interface PublishRecord {
  readonly n: number;
  readonly key: string;
  readonly attempts: readonly Attempt[];
  /** The id the publish was acknowledged with (202), if it was. */
  readonly ackedId: string | undefined;
  /** Every attempt got an HTTP answer and none was a 202: the server said no, without doubt. */
  readonly refused: boolean;
  readonly sentAt: number;
}

export interface PublishOptions {
  /** Called as each attempt of publish `n` leaves, with the node URL it goes to. */
  readonly onDispatch?: (n: number, nodeUrl: string) => void;
  readonly deadlineMs?: number;
}

export async function publish(ctx: IterationContext, hubId: string, n: number, options: PublishOptions = {}): Promise<PublishRecord> {
  const key = `chaos-${hubId}-${n}-${randomBytes(4).toString('hex')}`;
  const sentAt = Date.now();
  const { answer, attempts } = await ctx.client.retrying(
    { method: 'POST', path: `/admin/v1/hubs/${hubId}/events`, headers: { ...ctx.admin.authorization, 'idempotency-key': key }, body: { type: 'test.ping', data: { n } }, timeoutMs: 5_000 },
    { retryOn: retryTransient, deadlineMs: options.deadlineMs ?? 20_000, onDispatch: (url) => options.onDispatch?.(n, url) },
  );
  const ackedId = answer?.status === 202 ? stringField(answer.body, 'id') : undefined;
  return { n, key, attempts, ackedId, refused: ackedId === undefined && attempts.every((a) => a.status !== undefined), sentAt };
}

/** Publishes `ns` from `concurrency` workers, each pausing a little between publishes. */
export async function publishBurst(ctx: IterationContext, hubId: string, ns: readonly number[], concurrency: number, options: PublishOptions = {}): Promise<PublishRecord[]> {
  const queue = [...ns];
  const records: PublishRecord[] = [];
  const prng = ctx.prng.fork('burst');
  await Promise.all(Array.from({ length: concurrency }, async () => {
    for (let n = queue.shift(); n !== undefined; n = queue.shift()) {
      records.push(await publish(ctx, hubId, n, options));
      await sleep(prng.int(0, 40));
    }
  }));
  return records.sort((a, b) => a.n - b.n);
}

export interface Delivered {
  readonly id: string;
  readonly n: number | undefined;
  readonly node: string;
}

/** The `test.ping` events a subscriber received, in arrival order. */
export function deliveredTo(subscriber: ResilientSubscriber): Delivered[] {
  return subscriber.events
    .filter((e) => e.id !== undefined && e.event === 'test.ping')
    .map((e) => {
      const n = field(parseJson(e.data), 'n');
      return { id: e.id as string, n: typeof n === 'number' ? n : undefined, node: e.node };
    });
}

/** Waits until every subscriber holds every acknowledged id, or the deadline passes. */
export async function awaitDelivery(subscribers: readonly ResilientSubscriber[], publishes: readonly PublishRecord[], deadline: number): Promise<void> {
  const acked = publishes.flatMap((p) => (p.ackedId === undefined ? [] : [p.ackedId]));
  await Promise.all(subscribers.map((s) => s.waitFor(() => {
    const got = new Set(deliveredTo(s).map((d) => d.id));
    return acked.every((id) => got.has(id));
  }, Math.max(0, deadline - Date.now()))));
}

/**
 * A late retry: a publish sent again with its key, as a client whose 202 was lost would. The same key
 * and body must answer the same id (and deliver nothing new — the delivery checks see to that).
 */
export async function lateRetry(ctx: IterationContext, hubId: string, record: PublishRecord): Promise<{ status: number | undefined; id: string | undefined }> {
  const { answer } = await ctx.client.retrying(
    { method: 'POST', path: `/admin/v1/hubs/${hubId}/events`, headers: { ...ctx.admin.authorization, 'idempotency-key': record.key }, body: { type: 'test.ping', data: { n: record.n } }, timeoutMs: 5_000 },
    { retryOn: retryTransient, deadlineMs: 10_000 },
  );
  const id = answer?.status === 202 ? field(answer.body, 'id') : undefined;
  return { status: answer?.status, id: typeof id === 'string' ? id : undefined };
}

export interface DeliveryInvariants {
  readonly delivered: InvariantName;
  readonly exactlyOnce: InvariantName;
  readonly order: InvariantName;
  readonly agreement?: InvariantName;
  readonly refusedNotApplied?: InvariantName;
}

/**
 * Every acknowledged publish reached every subscriber once, in id order, under the id it was
 * acknowledged with; subscribers agree; a refused publish was never delivered. `ignoreIds` are events
 * already reported elsewhere (a late retry that made a second event).
 */
export function checkDelivery(checks: Checks, subscribers: readonly ResilientSubscriber[], publishes: readonly PublishRecord[], names: DeliveryInvariants, ignoreIds: ReadonlySet<string> = new Set()): void {
  const ackedByN = new Map(publishes.flatMap((p) => (p.ackedId === undefined ? [] : [[p.n, p.ackedId] as const])));
  const refused = new Set(publishes.filter((p) => p.refused).map((p) => p.n));
  const sequences: { name: string; ids: string[] }[] = [];
  for (const s of subscribers) {
    const got = deliveredTo(s).filter((d) => !ignoreIds.has(d.id));
    const ids = got.map((d) => d.id);
    const have = new Set(ids);
    const missing = [...ackedByN].filter(([, id]) => !have.has(id));
    checks.expect(names.delivered, missing.length === 0, () => `${s.name} is missing ${missing.length} of ${ackedByN.size} acknowledged events (n=${sample(missing.map(([n]) => n), 10)}); it received ${ids.length}, over ${s.connections.length} connections (${connectionSummary(s)})`);
    const dupIds = repeated(ids);
    const dupN = repeated(got.flatMap((d) => (d.n === undefined ? [] : [d.n])));
    checks.expect(names.exactlyOnce, dupIds.size === 0 && dupN.size === 0, () => `${s.name} received duplicates: ${dupIds.size} repeated ids (${sample([...dupIds.keys()])}), ${dupN.size} repeated payloads n (${sample([...dupN].map(([n, c]) => `n=${n}×${c} ids ${got.filter((d) => d.n === n).map((d) => `${d.id}@${d.node}`).join(' ')}`))})`);
    const wrongId = got.filter((d) => d.n !== undefined && ackedByN.has(d.n) && ackedByN.get(d.n) !== d.id);
    checks.expect(names.exactlyOnce, wrongId.length === 0, () => `${s.name} received ${wrongId.length} events whose payload n was acknowledged under another id (a second event for one publish): ${sample(wrongId.map((d) => `n=${d.n} got ${d.id} acked ${ackedByN.get(d.n as number)}`))}`);
    const disorder = firstOutOfOrder(ids);
    checks.expect(names.order, disorder === undefined, () => `${s.name}: id ${disorder?.next} arrived after ${disorder?.previous} (position ${disorder?.index} of ${ids.length})`);
    sequences.push({ name: s.name, ids });
  }
  if (names.refusedNotApplied) {
    // About the publish, not the subscriber: one check per refused publish.
    for (const n of refused) {
      const seenBy = subscribers.filter((s) => deliveredTo(s).some((d) => d.n === n));
      const id = seenBy.length > 0 ? deliveredTo(seenBy[0] as ResilientSubscriber).find((d) => d.n === n)?.id : undefined;
      checks.expect(names.refusedNotApplied, seenBy.length === 0, () => `publish n=${n} was refused on every attempt (${attemptsOf(publishes, n)}) yet delivered as ${id} to ${seenBy.map((s) => s.name).join(', ')}`);
    }
  }
  if (names.agreement && sequences.length > 1) {
    const [first, ...others] = sequences;
    for (const other of others) {
      const same = first !== undefined && other.ids.length === first.ids.length && other.ids.every((id, i) => id === first.ids[i]);
      checks.expect(names.agreement, same, () => {
        const a = first?.ids ?? [];
        const at = other.ids.findIndex((id, i) => id !== a[i]);
        return `${other.name} (${other.ids.length} events) and ${first?.name} (${a.length}) differ${at >= 0 ? ` first at position ${at}: ${other.ids[at]} vs ${a[at]}` : ' in length'}`;
      });
    }
  }
}

function attemptsOf(publishes: readonly PublishRecord[], n: number | undefined): string {
  const record = publishes.find((p) => p.n === n);
  return record ? record.attempts.map((a) => `${a.node}:${a.status ?? a.error}${a.answer ? ` ${a.answer}` : ''}`).join('; ') : '?';
}

export function connectionSummary(s: ResilientSubscriber): string {
  return s.connections.map((c) => `${c.node}:${c.status ?? '-'}:${c.end ?? 'open'}`).join(', ');
}
