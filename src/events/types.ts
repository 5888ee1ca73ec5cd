// What an event is, everywhere in Capstan: a UUIDv7 id, a type, its organization, the topic (stream)
// it belongs to, the scope keys the access filter reads, and a payload of ids.

export interface EventScope {
  /** Space-scoped events: the space, whether it is restricted, and the segments that grant it. */
  readonly space_id?: string;
  readonly restricted?: boolean;
  readonly segment_ids?: readonly string[];
  /** Direct-targeted events: only these contacts receive them. */
  readonly contact_ids?: readonly string[];
  /** Resource keys for organization streams (documents, videos, jobs). */
  readonly document_id?: string;
  readonly video_id?: string;
  readonly job_id?: string;
  /** The first event of a resource: streams that follow "the latest N" let it join. */
  readonly new_resource?: boolean;
}

export interface EventRecord {
  readonly id: string;
  /** Position in its topic (1, 2, 3, … with no gap): how a node knows it missed one. */
  readonly seq: number;
  readonly topic: string;
  readonly orgId: string;
  readonly type: string;
  readonly scope: EventScope;
  readonly data: Readonly<Record<string, unknown>>;
  readonly createdAt: string;
}

export interface NewEvent {
  readonly topic: string;
  readonly orgId: string;
  readonly type: string;
  readonly scope?: EventScope;
  readonly data: Readonly<Record<string, unknown>>;
}

export const hubTopic = (hubId: string): string => `hub:${hubId}`;
export const orgTopic = (orgId: string): string => `org:${orgId}`;
