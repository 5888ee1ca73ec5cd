// The event log's rows. Appending locks the topic's row in event_topics until the transaction ends:
// appends to one topic are serialized in commit order, each gets the next seq and an id above the
// topic's last, so a reader that sees an event also sees every earlier one of its topic.
import { sql, type Kysely, type Selectable } from 'kysely';
import { uuidv7, uuidv7After } from '../../util/ids.js';
import type { Driver } from '../connect.js';
import { CompiledSql, type QueryRunner } from '../prepared.js';
import type { Database, EventTable } from '../schema.js';

export type EventRow = Selectable<EventTable>;
export type NewEventRow = Omit<EventRow, 'id' | 'seq'>;

export interface EventRepo {
  /** Appends inside the current transaction; the row is delivered once the transaction commits. */
  append(row: NewEventRow): Promise<EventRow>;
  /** Events of `topic` with id > `afterId` (all when undefined), oldest first. */
  readAfter(topic: string, afterId: string | undefined, limit: number): Promise<EventRow[]>;
  /** Events of `topic` with seq > `afterSeq`, in order. */
  readAfterSeq(topic: string, afterSeq: number, limit: number): Promise<EventRow[]>;
  /** The last seq of each topic that has ever had an event. */
  heads(topics: readonly string[]): Promise<Map<string, number>>;
  /** Deletes events whose id sorts before `beforeId` (a UUIDv7 floor for an instant). */
  deleteBefore(beforeId: string): Promise<number>;
  /** The largest event id in the log (of any topic), or undefined when it is empty. */
  newestId(): Promise<string | undefined>;
  /** The id of `topic`'s last committed event (undefined for a topic that never had one). */
  lastId(topic: string): Promise<string | undefined>;
}

const HEADS_CHUNK = 500;

/**
 * One statement on PostgreSQL: lock the topic's row, take the next seq and an id above the topic's
 * last (this node's fresh id, or — when another node's clock is ahead — the last id with its random
 * tail incremented; minted tails leave their top bit clear, so the increment never overflows), and
 * insert the event. Atomic by itself, so an event alone needs no explicit transaction.
 */
const APPEND_POSTGRES = new CompiledSql((candidate: string, topic: string, orgId: string, type: string, scope: string, data: string, createdAt: string) => sql<{ id: string; seq: number }>`
    with head as (
      insert into event_topics as t (topic, seq, last_id) values (${topic}, 1, ${candidate})
      on conflict (topic) do update set
        seq = t.seq + 1,
        last_id = case when excluded.last_id > t.last_id then excluded.last_id
          else substr(t.last_id, 1, 24) || lpad(to_hex(('x' || substr(t.last_id, 25, 12))::bit(48)::bigint + 1), 12, '0') end
      returning seq, last_id
    )
    insert into events (id, topic, seq, org_id, type, scope, data, created_at)
    select head.last_id, ${topic}, head.seq, ${orgId}, ${type}, ${scope}, ${data}, ${createdAt} from head
    returning id, seq`);

/** SQLite: the topic's next seq, and its last id unless this node's fresh one sorts after it. */
const TOPIC_HEAD_SQLITE = new CompiledSql((topic: string, candidate: string) => sql<{ seq: number; last_id: string }>`
    insert into event_topics (topic, seq, last_id) values (${topic}, 1, ${candidate})
    on conflict (topic) do update set
      seq = event_topics.seq + 1,
      last_id = case when excluded.last_id > event_topics.last_id then excluded.last_id else event_topics.last_id end
    returning seq, last_id`);

const INSERT_EVENT = new CompiledSql((id: string, topic: string, seq: number, orgId: string, type: string, scope: string, data: string, createdAt: string) => sql<never>`
    insert into events (id, topic, seq, org_id, type, scope, data, created_at) values (${id}, ${topic}, ${seq}, ${orgId}, ${type}, ${scope}, ${data}, ${createdAt})`);

/** The PostgreSQL append on `runner`'s connection (a transaction's, or the pool for an event alone). */
export async function appendOnPostgres(runner: QueryRunner, row: NewEventRow): Promise<EventRow> {
  const [head] = await runner.all(APPEND_POSTGRES, uuidv7(), row.topic, row.org_id, row.type, row.scope, row.data, row.created_at);
  return { ...row, id: head!.id, seq: Number(head!.seq) };
}

/** `appended` collects what this transaction appended, for the relay to announce after commit. */
export function eventRepo(db: Kysely<Database>, driver: Driver, appended: EventRow[] | undefined, runner: QueryRunner): EventRepo {
  return {
    async append(row) {
      if (!appended) throw new Error('events.append runs inside a transaction');
      if (driver === 'postgres') {
        const full = await appendOnPostgres(runner, row);
        appended.push(full);
        return full;
      }
      const candidate = uuidv7();
      const head = await runner.one(TOPIC_HEAD_SQLITE, row.topic, candidate);
      let id = candidate;
      // Another node's clock is ahead (or this millisecond is taken): go just past the topic's last id.
      if (head!.last_id !== candidate) {
        id = uuidv7After(head!.last_id);
        await db.updateTable('event_topics').set({ last_id: id }).where('topic', '=', row.topic).execute();
      }
      const full: EventRow = { ...row, id, seq: Number(head!.seq) };
      await runner.all(INSERT_EVENT, id, row.topic, full.seq, row.org_id, row.type, row.scope, row.data, row.created_at);
      appended.push(full);
      return full;
    },
    readAfter(topic, afterId, limit) {
      let q = db.selectFrom('events').selectAll().where('topic', '=', topic);
      if (afterId) q = q.where('id', '>', afterId);
      return q.orderBy('id').limit(limit).execute();
    },
    readAfterSeq: (topic, afterSeq, limit) =>
      db.selectFrom('events').selectAll().where('topic', '=', topic).where('seq', '>', afterSeq).orderBy('seq').limit(limit).execute(),
    async heads(topics) {
      const out = new Map<string, number>();
      for (let i = 0; i < topics.length; i += HEADS_CHUNK) {
        const chunk = topics.slice(i, i + HEADS_CHUNK);
        const rows = await db.selectFrom('event_topics').select(['topic', 'seq']).where('topic', 'in', chunk).execute();
        for (const r of rows) out.set(r.topic, Number(r.seq));
      }
      return out;
    },
    async deleteBefore(beforeId) {
      const res = await db.deleteFrom('events').where('id', '<', beforeId).executeTakeFirst();
      return Number(res.numDeletedRows);
    },
    async newestId() {
      const row = await db.selectFrom('events').select('id').orderBy('id', 'desc').limit(1).executeTakeFirst();
      return row?.id;
    },
    async lastId(topic) {
      const row = await db.selectFrom('event_topics').select('last_id').where('topic', '=', topic).executeTakeFirst();
      return row?.last_id;
    },
  };
}
