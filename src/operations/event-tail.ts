// The operators' tail of the event log: which topic a request means (an organization, a hub, or the
// organization of a document, video or organizer job), what it filters, and its frames — every event
// with its envelope, a payload over 4 KiB cut to its first 2048 characters.
import type { Kysely } from 'kysely';
import { hubTopic, orgTopic, type EventRecord } from '../events/index.js';
import { AppError } from '../http/errors.js';
import type { Access, Codec, TerminalType } from '../realtime/index.js';
import type { Database } from '../storage/index.js';

/** Payloads whose JSON is longer are replaced by their beginning. */
const TRUNCATE_OVER_BYTES = 4 * 1024;
const TRUNCATED_CHARS = 2048;

export interface TailQuery {
  readonly org_id?: string;
  readonly hub_id?: string;
  readonly document_id?: string;
  readonly video_id?: string;
  readonly job_id?: string;
  readonly type?: string;
}

export interface TailScope {
  readonly topic: string;
  readonly orgId: string;
  readonly access: Access;
}

type Resource = 'document_id' | 'video_id' | 'job_id';
const TABLES = { document_id: 'documents', video_id: 'videos', job_id: 'organizer_jobs' } as const;
const NAMES: Readonly<Record<Resource, string>> = { document_id: 'Document', video_id: 'Video', job_id: 'Organizer job' };

/**
 * One scope: org_id, hub_id, or a document/video/job id (its organization's stream, filtered to it);
 * beside org_id, those ids are filters. Unknown ones are 404; a resource of another organization, too.
 */
export async function resolveTailScope(db: Kysely<Database>, q: TailQuery): Promise<TailScope> {
  const resources = (['document_id', 'video_id', 'job_id'] as const).filter((k) => q[k] !== undefined);
  if (q.hub_id !== undefined) {
    if (q.org_id !== undefined || resources.length > 0) throw new AppError('invalid_request', 'hub_id is a scope of its own: give it without org_id, document_id, video_id or job_id');
    const hub = await db.selectFrom('hubs').select(['id', 'org_id']).where('id', '=', q.hub_id).executeTakeFirst();
    if (!hub) throw new AppError('not_found', 'Hub not found');
    return { topic: hubTopic(hub.id), orgId: hub.org_id, access: new TailFilter({ type: q.type }) };
  }
  if (q.org_id === undefined && resources.length === 0) throw new AppError('invalid_request', 'Give one scope: org_id, hub_id, document_id, video_id or job_id');
  let orgId = q.org_id;
  if (orgId !== undefined && !(await db.selectFrom('orgs').select('id').where('id', '=', orgId).executeTakeFirst())) throw new AppError('not_found', 'Organization not found');
  for (const key of resources) {
    const row = await db.selectFrom(TABLES[key]).select('org_id').where('id', '=', q[key]!).executeTakeFirst();
    if (!row || (orgId !== undefined && row.org_id !== orgId)) throw new AppError('not_found', `${NAMES[key]} not found`);
    orgId = row.org_id;
  }
  return { topic: orgTopic(orgId!), orgId: orgId!, access: new TailFilter(q) };
}

/** The filters of a tail: resource ids (the event's scope must name them) and a type prefix. */
class TailFilter implements Access {
  constructor(private readonly q: TailQuery) {}

  allows(e: EventRecord): boolean {
    const q = this.q;
    if (q.type !== undefined && !e.type.startsWith(q.type)) return false;
    if (q.document_id !== undefined && e.scope.document_id !== q.document_id) return false;
    if (q.video_id !== undefined && e.scope.video_id !== q.video_id) return false;
    if (q.job_id !== undefined && e.scope.job_id !== q.job_id) return false;
    return true;
  }
}

/** Nothing from the log: a stream whose frames are pushed (the system stream). */
export const NO_EVENTS: Access = { allows: () => false };

/** The envelope of one event on the tail. */
function tailBody(e: EventRecord): Record<string, unknown> {
  const json = JSON.stringify(e.data);
  const size = Buffer.byteLength(json);
  const truncated = size > TRUNCATE_OVER_BYTES;
  return {
    id: e.id,
    type: e.type,
    topic: e.topic,
    org_id: e.orgId,
    scope: e.scope,
    data: truncated ? { _truncated: json.slice(0, TRUNCATED_CHARS) } : e.data,
    created_at: e.createdAt,
    truncated,
    size_bytes: size,
  };
}

function terminal(type: TerminalType, data: Readonly<Record<string, unknown>>): string {
  const retry = type === 'stream.draining' && typeof data.retry_ms === 'number' ? `retry: ${data.retry_ms}\n` : '';
  return `${retry}event: ${type}\ndata: ${JSON.stringify(data)}\n\n`;
}

/** Operator streams' frames: `event: event` with the envelope, named terminal events, heartbeat comments. */
export function tailCodec(): Codec {
  const frames = new WeakMap<EventRecord, Buffer>();
  return {
    event: (e) => {
      let frame = frames.get(e);
      if (!frame) frames.set(e, (frame = Buffer.from(`id: ${e.id}\nevent: event\ndata: ${JSON.stringify(tailBody(e))}\n\n`)));
      return frame;
    },
    terminal,
    heartbeat: () => ': heartbeat\n\n',
  };
}

/** A named frame that is not a logged event (no id: never a cursor). */
export function namedFrame(name: string, body: unknown): string {
  return `event: ${name}\ndata: ${JSON.stringify(body)}\n\n`;
}
