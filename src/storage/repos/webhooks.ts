// Webhook endpoints, their deliveries and attempts, and the dispatcher's cursors into the event log.
// Claiming follows the workflow engine: one atomic statement per driver (FOR UPDATE SKIP LOCKED on
// PostgreSQL, SQLite serializes writers), here on the endpoint, so one request is in flight per endpoint.
// Endpoints take turns: a claim goes to the organization whose latest turn is oldest, and of its
// endpoints to the one that has waited longest since its last turn.
import { sql, type Kysely, type Selectable } from 'kysely';
import type { Driver } from '../connect.js';
import type { Database, WebhookAttemptTable, WebhookDeliveryTable, WebhookEndpointTable } from '../schema.js';

export type WebhookEndpoint = Selectable<WebhookEndpointTable>;
export type WebhookDelivery = Selectable<WebhookDeliveryTable>;
export type WebhookAttempt = Selectable<WebhookAttemptTable>;
export type WebhookDeliveryStatus = WebhookDelivery['status'];

/** What the dispatcher needs to match an event of one topic to an endpoint: its filter, and the topic's last seq it is past. */
export type EndpointFilter = Pick<WebhookEndpoint, 'id' | 'org_id' | 'events'> & { start_seq: number };

export interface WebhookRepo {
  createEndpoint(row: WebhookEndpoint): Promise<void>;
  /** An endpoint not deleted. */
  getEndpoint(id: string): Promise<WebhookEndpoint | undefined>;
  listEndpoints(orgId: string): Promise<WebhookEndpoint[]>;
  updateEndpoint(id: string, patch: Partial<Omit<WebhookEndpoint, 'id' | 'org_id'>>): Promise<boolean>;
  /**
   * Updates the endpoint only while it is enabled and still in `generation` (as an attempt saw it when
   * it started), checked in the same statement; false otherwise.
   */
  updateEnabledEndpoint(id: string, generation: number, patch: Partial<Omit<WebhookEndpoint, 'id' | 'org_id'>>): Promise<boolean>;
  /** Organizations with an enabled endpoint (not deleted). */
  liveOrgs(): Promise<string[]>;
  /** The enabled endpoints (not deleted) of these organizations, each with where it starts on `topic`. */
  endpointsOn(topic: string, orgIds: readonly string[]): Promise<EndpointFilter[]>;
  /** From now on the endpoint gets only the events of these topics past these seqs (a topic not named: all of its events). */
  startEndpoint(endpointId: string, heads: ReadonlyMap<string, number>): Promise<void>;
  /** Hubs of these organizations: their topics carry the organizations' community events. */
  hubIdsOf(orgIds: readonly string[]): Promise<string[]>;

  /**
   * Takes an enabled endpoint with a due delivery and a free (or lapsed) lease, the one whose last turn
   * began longest ago, and starts its turn; undefined when none.
   */
  claimEndpoint(owner: string, now: number, leaseMs: number): Promise<WebhookEndpoint | undefined>;
  renewEndpoint(id: string, owner: string, until: number): Promise<boolean>;
  releaseEndpoint(id: string, owner: string): Promise<void>;
  /** Hands back every endpoint `owner` holds (a graceful stop). */
  releaseAll(owner: string): Promise<number>;
  /** Wakes the delivery workers of every node at commit (PostgreSQL NOTIFY; nothing on SQLite). */
  notify(): Promise<void>;

  /** Adds a delivery unless this endpoint already has one for the message; true when added. */
  addDelivery(row: WebhookDelivery): Promise<boolean>;
  getDelivery(id: string): Promise<WebhookDelivery | undefined>;
  /** The endpoint's open delivery due at `now` that comes first in event order. */
  nextDue(endpointId: string, now: number): Promise<WebhookDelivery | undefined>;
  updateDelivery(id: string, patch: Partial<Omit<WebhookDelivery, 'id'>>, onlyIfOpen?: boolean): Promise<boolean>;
  listDeliveries(endpointId: string, status: WebhookDeliveryStatus | undefined, limit: number, offset: number): Promise<WebhookDelivery[]>;
  /** Cancels the endpoint's open deliveries; returns how many. */
  cancelOpen(endpointId: string, at: string): Promise<number>;
  addAttempt(row: WebhookAttempt): Promise<void>;
  attemptsOf(deliveryIds: readonly string[]): Promise<WebhookAttempt[]>;

  cursors(topics: readonly string[]): Promise<Map<string, number>>;
  /** Moves a topic's cursor from `from` (undefined: no row yet) to `to`; false when another node moved it first. */
  advanceCursor(topic: string, from: number | undefined, to: number): Promise<boolean>;
  /**
   * Starts topics at `seq` unless they already have a cursor, and holds their cursor rows until the
   * transaction ends: a dispatcher moving one of them waits for it, then sees what it committed.
   */
  holdCursors(heads: ReadonlyMap<string, number>): Promise<void>;
  /** The id of the oldest event of `topics` past its cursor: the log must keep it until it is dispatched. */
  oldestUndispatched(topics: readonly string[]): Promise<string | undefined>;
}

/** The PostgreSQL channel idle delivery workers listen on. */
export const WEBHOOK_CHANNEL = 'capstan_webhooks';

const OPEN: WebhookDeliveryStatus[] = ['pending', 'delivering'];

export function webhookRepo(db: Kysely<Database>, driver: Driver): WebhookRepo {
  const skipLocked = driver === 'postgres' ? sql`for update skip locked` : sql``;
  return {
    async createEndpoint(row) {
      await db.insertInto('webhook_endpoints').values(row).execute();
    },
    getEndpoint: (id) => db.selectFrom('webhook_endpoints').selectAll().where('id', '=', id).where('deleted_at', 'is', null).executeTakeFirst(),
    listEndpoints: (orgId) => db.selectFrom('webhook_endpoints').selectAll().where('org_id', '=', orgId).where('deleted_at', 'is', null).orderBy('created_at').orderBy('id').execute(),
    async updateEndpoint(id, patch) {
      const res = await db.updateTable('webhook_endpoints').set(patch).where('id', '=', id).where('deleted_at', 'is', null).executeTakeFirst();
      return Number(res.numUpdatedRows) > 0;
    },
    async updateEnabledEndpoint(id, generation, patch) {
      const res = await db.updateTable('webhook_endpoints').set(patch)
        .where('id', '=', id).where('deleted_at', 'is', null).where('enabled', '=', 1).where('enable_generation', '=', generation)
        .executeTakeFirst();
      return Number(res.numUpdatedRows) > 0;
    },
    async liveOrgs() {
      const rows = await db.selectFrom('webhook_endpoints').select('org_id').distinct().where('enabled', '=', 1).where('deleted_at', 'is', null).execute();
      return rows.map((r) => r.org_id);
    },
    async endpointsOn(topic, orgIds) {
      if (orgIds.length === 0) return [];
      // One statement, so an endpoint enabled concurrently is seen with its starts or not at all.
      const rows = await db.selectFrom('webhook_endpoints as w')
        .leftJoin('webhook_endpoint_starts as s', (j) => j.onRef('s.endpoint_id', '=', 'w.id').on('s.topic', '=', topic))
        .select(['w.id', 'w.org_id', 'w.events', 's.seq'])
        .where('w.org_id', 'in', orgIds).where('w.enabled', '=', 1).where('w.deleted_at', 'is', null)
        .execute();
      return rows.map((r) => ({ id: r.id, org_id: r.org_id, events: r.events, start_seq: Number(r.seq ?? 0) }));
    },
    async startEndpoint(endpointId, heads) {
      await db.deleteFrom('webhook_endpoint_starts').where('endpoint_id', '=', endpointId).execute();
      const rows = [...heads].filter(([, seq]) => seq > 0).map(([topic, seq]) => ({ endpoint_id: endpointId, topic, seq }));
      if (rows.length > 0) await db.insertInto('webhook_endpoint_starts').values(rows).execute();
    },
    async hubIdsOf(orgIds) {
      if (orgIds.length === 0) return [];
      return (await db.selectFrom('hubs').select('id').where('org_id', 'in', orgIds).execute()).map((h) => h.id);
    },

    async claimEndpoint(owner, now, leaseMs) {
      const res = await sql<WebhookEndpoint>`
        update webhook_endpoints set lease_owner = ${owner}, lease_expires_at = ${now + leaseMs}, served_at = ${now}
        where id = (
          select e.id from webhook_endpoints e
          where e.enabled = 1 and e.deleted_at is null and (e.lease_expires_at is null or e.lease_expires_at < ${now})
            and exists (
              select 1 from webhook_deliveries d
              where d.endpoint_id = e.id and d.status in ('pending', 'delivering') and d.next_attempt_at <= ${now}
            )
          -- The organization whose latest turn is oldest first, then its endpoint waiting longest: an
          -- organization with many hanging receivers gets no more turns than one with a single endpoint.
          order by (select max(o.served_at) from webhook_endpoints o where o.org_id = e.org_id), e.served_at, e.id
          limit 1 ${skipLocked}
        )
        returning *`.execute(db);
      return res.rows[0];
    },
    async renewEndpoint(id, owner, until) {
      const res = await db.updateTable('webhook_endpoints').set({ lease_expires_at: until }).where('id', '=', id).where('lease_owner', '=', owner).executeTakeFirst();
      return Number(res.numUpdatedRows) > 0;
    },
    async releaseEndpoint(id, owner) {
      await db.updateTable('webhook_endpoints').set({ lease_owner: null, lease_expires_at: null }).where('id', '=', id).where('lease_owner', '=', owner).execute();
    },
    async releaseAll(owner) {
      const res = await db.updateTable('webhook_endpoints').set({ lease_owner: null, lease_expires_at: null }).where('lease_owner', '=', owner).executeTakeFirst();
      return Number(res.numUpdatedRows);
    },
    async notify() {
      if (driver === 'postgres') await sql`select pg_notify(${WEBHOOK_CHANNEL}, '')`.execute(db);
    },

    async addDelivery(row) {
      const res = await db.insertInto('webhook_deliveries').values(row).onConflict((oc) => oc.columns(['endpoint_id', 'event_id']).doNothing()).returning('id').executeTakeFirst();
      return res !== undefined;
    },
    getDelivery: (id) => db.selectFrom('webhook_deliveries').selectAll().where('id', '=', id).executeTakeFirst(),
    nextDue: (endpointId, now) =>
      db.selectFrom('webhook_deliveries').selectAll()
        .where('endpoint_id', '=', endpointId).where('status', 'in', OPEN).where('next_attempt_at', '<=', now)
        .orderBy('order_key').limit(1).executeTakeFirst(),
    async updateDelivery(id, patch, onlyIfOpen = false) {
      let q = db.updateTable('webhook_deliveries').set(patch).where('id', '=', id);
      if (onlyIfOpen) q = q.where('status', 'in', OPEN);
      const res = await q.executeTakeFirst();
      return Number(res.numUpdatedRows) > 0;
    },
    listDeliveries(endpointId, status, limit, offset) {
      let q = db.selectFrom('webhook_deliveries').selectAll().where('endpoint_id', '=', endpointId);
      if (status) q = q.where('status', '=', status);
      return q.orderBy('order_key', 'desc').limit(limit).offset(offset).execute();
    },
    async cancelOpen(endpointId, at) {
      const res = await db.updateTable('webhook_deliveries').set({ status: 'cancelled', next_attempt_at: null, updated_at: at })
        .where('endpoint_id', '=', endpointId).where('status', 'in', OPEN).executeTakeFirst();
      return Number(res.numUpdatedRows);
    },
    async addAttempt(row) {
      await db.insertInto('webhook_attempts').values(row).onConflict((oc) => oc.columns(['delivery_id', 'attempt']).doNothing()).execute();
    },
    async attemptsOf(deliveryIds) {
      if (deliveryIds.length === 0) return [];
      return db.selectFrom('webhook_attempts').selectAll().where('delivery_id', 'in', deliveryIds).orderBy('delivery_id').orderBy('attempt').execute();
    },

    async cursors(topics) {
      const out = new Map<string, number>();
      if (topics.length === 0) return out;
      for (const r of await db.selectFrom('webhook_cursors').selectAll().where('topic', 'in', topics).execute()) out.set(r.topic, Number(r.seq));
      return out;
    },
    async advanceCursor(topic, from, to) {
      if (from === undefined) {
        const res = await db.insertInto('webhook_cursors').values({ topic, seq: to }).onConflict((oc) => oc.column('topic').doNothing()).returning('topic').executeTakeFirst();
        return res !== undefined;
      }
      const res = await db.updateTable('webhook_cursors').set({ seq: to }).where('topic', '=', topic).where('seq', '=', from).executeTakeFirst();
      return Number(res.numUpdatedRows) > 0;
    },
    async holdCursors(heads) {
      for (const [topic, seq] of heads) {
        // Rewriting the row with its own value takes its lock (PostgreSQL); SQLite serializes writers anyway.
        await db.insertInto('webhook_cursors').values({ topic, seq })
          .onConflict((oc) => oc.column('topic').doUpdateSet({ seq: sql<number>`webhook_cursors.seq` })).execute();
      }
    },
    async oldestUndispatched(topics) {
      if (topics.length === 0) return undefined;
      const row = await db
        .selectFrom('events as e')
        .leftJoin('webhook_cursors as c', 'c.topic', 'e.topic')
        .select((eb) => eb.fn.min('e.id').as('id'))
        .where('e.topic', 'in', topics)
        .where((eb) => eb('e.seq', '>', eb.fn.coalesce('c.seq', sql<number>`0`)))
        .executeTakeFirst();
      return row?.id ?? undefined;
    },
  };
}
