// A hub with contacts on a running Capstan, and helpers to wait for load-client deliveries: shared by
// the cluster, resume-storm, idle and soak scenarios.
import { setTimeout as sleep } from 'node:timers/promises';
import type { CapstanProcess } from './capstan-process.js';
import { Histogram } from './histogram.js';
import type { LoadClients } from './load-clients.js';
import type { PublishTarget } from './publisher.js';
import type { RunningTarget } from './targets.js';

export const EVENT = 'test.ping';

export interface HubFixture {
  readonly orgId: string;
  readonly hubId: string;
  readonly headerSets: Record<string, string>[];
  /** What load clients need to subscribe on `origin` (a node of the cluster, say). */
  subscribeOn(origin: string, extraHeaders?: Record<string, string>): Pick<RunningTarget, 'subscribe'>;
  publishOn(origin: string): PublishTarget;
}

/** `tokenTtlSeconds`: how long the contacts' tokens last; a stream ends with stream.expired when its token does. */
export async function makeHubFixture(cap: Pick<CapstanProcess, 'admin' | 'adminToken'>, contacts: number, tokenTtlSeconds = 3600): Promise<HubFixture> {
  const orgId = (await cap.admin('POST', '/orgs', { name: 'bench' })).id as string;
  const hubId = (await cap.admin('POST', `/orgs/${orgId}/hubs`, { name: 'bench hub' })).id as string;
  const headerSets: Record<string, string>[] = [];
  for (let i = 0; i < contacts; i++) {
    const contact = (await cap.admin('POST', `/hubs/${hubId}/contacts`, { name: `member ${i}` })).id as string;
    const token = (await cap.admin('POST', `/hubs/${hubId}/contacts/${contact}/tokens`, { ttl_seconds: tokenTtlSeconds })).access_token as string;
    headerSets.push({ authorization: `Bearer ${token}` });
  }
  return {
    orgId,
    hubId,
    headerSets,
    subscribeOn: (origin, extra = {}) => ({ subscribe: { kind: 'sse', url: `${origin}/realtime/events?hub_id=${hubId}`, headerSets: headerSets.map((h) => ({ ...h, ...extra })), eventName: EVENT } }),
    publishOn: (origin) => ({ origin, path: `/admin/v1/hubs/${hubId}/events`, headers: { authorization: `Bearer ${cap.adminToken}` }, body: (data) => JSON.stringify({ type: EVENT, data }) }),
  };
}

export type Stats = Awaited<ReturnType<LoadClients['stats']>>;

export async function allStats(clients: readonly LoadClients[]): Promise<Stats> {
  return (await Promise.all(clients.map((c) => c.stats()))).flat();
}

export function phaseTotals(stats: Stats, phase: string) {
  const latency = new Histogram();
  let received = 0;
  let firstAt = Infinity;
  let lastAt = 0;
  let minPerConnection = Infinity;
  let maxPerConnection = 0;
  for (const s of stats) {
    const p = s.phases[phase];
    if (!p) {
      minPerConnection = 0;
      continue;
    }
    received += p.received;
    firstAt = Math.min(firstAt, p.firstAt);
    lastAt = Math.max(lastAt, p.lastAt);
    minPerConnection = Math.min(minPerConnection, p.minPerConnection);
    maxPerConnection = Math.max(maxPerConnection, p.maxPerConnection);
    latency.merge(p.latency);
  }
  return { received, firstAt, lastAt, minPerConnection: Number.isFinite(minPerConnection) ? minPerConnection : 0, maxPerConnection, latency };
}

/** Polls until `expected` events of `phase` arrived, progress stalls for `quietMs`, or `limitMs` passes. */
export async function awaitDeliveries(clients: readonly LoadClients[], phase: string, expected: number, quietMs: number, limitMs: number, pollMs = 200): Promise<Stats> {
  const deadline = Date.now() + limitMs;
  let last = -1;
  let lastChange = Date.now();
  for (;;) {
    const stats = await allStats(clients);
    const received = stats.reduce((n, s) => n + (s.phases[phase]?.received ?? 0), 0);
    if (received !== last) lastChange = Date.now();
    last = received;
    if (received >= expected || Date.now() - lastChange > quietMs || Date.now() > deadline) return stats;
    await sleep(pollMs);
  }
}

export function latencySummary(h: Histogram) {
  const q = (x: number) => {
    const v = h.quantileMillis(x);
    return v === undefined ? undefined : Math.round(v * 100) / 100;
  };
  return { samples: h.count, p50: q(0.5), p90: q(0.9), p99: q(0.99), p999: q(0.999), max: q(1) };
}
