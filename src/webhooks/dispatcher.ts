// From the event log to deliveries. Each topic an endpoint follows (its organization's, and the hubs
// of that organization) has a cursor in the database; a pass reads the committed events past it and,
// in one transaction, records a delivery per matching endpoint and moves the cursor (compare-and-set,
// so when two nodes read the same page only one records it). The page's transaction reads the endpoints
// itself, each with the seq it starts after on the topic (set when it was created or enabled), so an
// endpoint gets the events committed after that whoever else moved the cursor. Only committed events
// are ever read, and an event past a cursor stays in the log until it is dispatched, so a restart or a
// lost node loses none.
import { hubTopic, orgTopic, rowToEvent, type EventRecord, type EventTypeRegistry } from '../events/index.js';
import type { Logger } from '../http/index.js';
import type { EndpointFilter, Repos, Storage, WebhookDelivery } from '../storage/index.js';
import { newId } from '../util/ids.js';
import { nowIso } from '../util/time.js';
import { isDeliverable, matchesFilter } from './event-filter.js';
import { messagesFor } from './messages.js';
import { RepeatedFailureLog } from '../util/repeated-failure.js';

const PAGE = 200;

/** Thrown inside a page's transaction when another node moved the cursor first: roll back, read again. */
class CursorMoved extends Error {}

type Follower = EndpointFilter & { filter: string[] | null };

export class WebhookDispatcher {
  private pass: Promise<void> | undefined;
  private again = false;
  private closed = false;
  /** Organizations with live endpoints as of the last pass: only their commits start a pass early. */
  private watchedOrgs = new Set<string>();
  private readonly passFailures: RepeatedFailureLog;

  constructor(
    private readonly storage: Storage,
    private readonly registry: EventTypeRegistry,
    private readonly logger: Logger,
    /** Called when a pass recorded deliveries (to wake this node's workers). */
    private readonly onDeliveries: () => void,
  ) {
    this.passFailures = new RepeatedFailureLog(logger, 'webhook dispatch failed; the next pass retries');
  }

  /** Whether a commit by `orgId` may concern an endpoint. */
  watches(orgId: string): boolean {
    return this.watchedOrgs.has(orgId);
  }

  /** Runs a pass soon; calls made while one runs fold into one more pass after it. */
  schedule(): void {
    if (this.closed) return;
    if (this.pass) {
      this.again = true;
      return;
    }
    this.pass = (async () => {
      do {
        this.again = false;
        try {
          await this.runOnce();
          this.passFailures.succeeded();
        } catch (e) {
          this.passFailures.failed(e);
        }
      } while (this.again && !this.closed);
      this.pass = undefined;
    })();
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.pass;
  }

  /** One pass over every followed topic; returns how many deliveries it recorded. */
  async runOnce(): Promise<number> {
    const topics = await this.watch();
    if (topics.length === 0) return 0;
    const heads = await this.storage.events.heads(topics);
    const cursors = await this.storage.webhooks.cursors(topics);
    let added = 0;
    for (const topic of topics) {
      let cursor = cursors.get(topic);
      const head = heads.get(topic) ?? 0;
      while (head > (cursor ?? 0) && !this.closed) {
        const rows = await this.storage.events.readAfterSeq(topic, cursor ?? 0, PAGE);
        // Past the last retained event (pruned while no endpoint followed the topic): jump to the head.
        const to = rows.length > 0 ? Number(rows[rows.length - 1]!.seq) : head;
        const from = cursor;
        try {
          added += await this.storage.transaction(async (tx) => {
            if (!(await tx.webhooks.advanceCursor(topic, from, to))) throw new CursorMoved();
            // Read after the cursor is taken: an endpoint being created or enabled holds it until it commits.
            const followers = await this.followers(tx, topic, rows.map((r) => r.org_id));
            let n = 0;
            for (const row of rows) n += await this.record(tx, rowToEvent(row), followers);
            if (n > 0) await tx.webhooks.notify();
            return n;
          });
        } catch (e) {
          if (!(e instanceof CursorMoved)) throw e;
          // Another node recorded this page; go on from where it left the cursor.
          const moved = (await this.storage.webhooks.cursors([topic])).get(topic);
          if (moved === undefined || moved === from) break;
          cursor = moved;
          continue;
        }
        cursor = to;
      }
    }
    if (added > 0) this.onDeliveries();
    return added;
  }

  /** The id of the oldest event some followed topic has not dispatched yet: pruning keeps it and what follows. */
  async oldestUndispatched(): Promise<string | undefined> {
    return this.storage.webhooks.oldestUndispatched(await this.watch());
  }

  /** The topics of the organizations that have a live endpoint. */
  private async watch(): Promise<string[]> {
    const orgIds = await this.storage.webhooks.liveOrgs();
    this.watchedOrgs = new Set(orgIds);
    const hubIds = await this.storage.webhooks.hubIdsOf(orgIds);
    return [...orgIds.map(orgTopic), ...hubIds.map(hubTopic)];
  }

  private async followers(tx: Repos, topic: string, orgIds: readonly string[]): Promise<Map<string, Follower[]>> {
    const out = new Map<string, Follower[]>();
    for (const e of await tx.webhooks.endpointsOn(topic, [...new Set(orgIds)])) {
      const list = out.get(e.org_id) ?? [];
      list.push({ ...e, filter: e.events === null ? null : (JSON.parse(e.events) as string[]) });
      out.set(e.org_id, list);
    }
    return out;
  }

  private async record(tx: Repos, event: EventRecord, followers: Map<string, Follower[]>): Promise<number> {
    if (!isDeliverable(this.registry, event.type)) return 0;
    let n = 0;
    const at = nowIso();
    for (const endpoint of followers.get(event.orgId) ?? []) {
      // Committed before the endpoint was created or last enabled: not its business.
      if (event.seq <= endpoint.start_seq) continue;
      for (const message of messagesFor(event)) {
        if (!matchesFilter(endpoint.filter, message.type)) continue;
        const delivery: WebhookDelivery = {
          id: newId('whd'),
          endpoint_id: endpoint.id,
          org_id: event.orgId,
          event_id: message.id,
          event_type: message.type,
          order_key: message.orderKey,
          payload: message.body,
          status: 'pending',
          attempts: 0,
          next_attempt_at: Date.now(),
          created_at: at,
          updated_at: at,
        };
        if (await tx.webhooks.addDelivery(delivery)) n++;
      }
    }
    return n;
  }
}
