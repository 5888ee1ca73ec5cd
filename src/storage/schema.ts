// Table shapes shared by both drivers. Timestamps are ISO 8601 text; money is integer micro-credits;
// JSON columns are text so SQLite and PostgreSQL read back the same thing.
import type { Generated } from 'kysely';

export interface OrgTable {
  id: string;
  name: string;
  credits_micro: number;
  created_at: string;
  updated_at: string;
}

export interface OrgKeyTable {
  id: string;
  org_id: string;
  mode: 'test' | 'live';
  /** The first characters of the key, safe to show ("capout_test_ab12…"). */
  display: string;
  key_hash: string;
  created_at: string;
  revoked_at: string | null;
}

export interface CreditLedgerTable {
  id: string;
  org_id: string;
  amount_micro: number;
  balance_after_micro: number;
  reason: string;
  ref: string | null;
  created_at: string;
}

export interface AppTable {
  id: string;
  org_id: string;
  name: string;
  environment: 'development' | 'production';
  allowed_origins: string;
  created_at: string;
  updated_at: string;
}

export interface AppKeyTable {
  id: string;
  app_id: string;
  kind: 'secret' | 'public';
  display: string;
  key_hash: string;
  created_at: string;
  revoked_at: string | null;
}

export interface HubTable {
  id: string;
  org_id: string;
  name: string;
  created_at: string;
}

export interface ContactTable {
  id: string;
  hub_id: string;
  name: string;
  role: 'member' | 'moderator' | 'admin';
  status: 'active' | 'banned' | 'removed';
  created_at: string;
  updated_at: string;
}

export interface SettingTable {
  key: string;
  value: string;
}

export interface EventTable {
  /** UUIDv7: time-ordered, so an id is also a cursor. */
  id: string;
  /** The stream the event belongs to: `hub:<id>` or `org:<id>`. */
  topic: string;
  org_id: string;
  type: string;
  /** JSON: the scope keys the access filter reads (space, restriction, targets, document, …). */
  scope: string;
  /** JSON payload of ids, not bodies. */
  data: string;
  created_at: string;
  /** Position in the topic: 1, 2, 3, … with no gap, in commit order (ids sort the same way). */
  seq: number;
}

/** One row per topic: the last sequence number and id, locked by the transaction that appends. */
export interface EventTopicTable {
  topic: string;
  seq: number;
  last_id: string;
}

export interface SegmentTable {
  id: string;
  hub_id: string;
  name: string;
  created_at: string;
}

export interface SpaceTable {
  id: string;
  hub_id: string;
  name: string;
  /** 0/1: restricted spaces are visible only to contacts in a granting segment. */
  restricted: number;
  created_at: string;
  updated_at: string;
  deleted_at: string | null;
}

export interface SpaceSegmentTable {
  space_id: string;
  segment_id: string;
}

export interface ContactSegmentTable {
  contact_id: string;
  segment_id: string;
}

export interface WorkflowRunTable {
  id: string;
  kind: string;
  org_id: string;
  resource_id: string;
  status: 'queued' | 'running' | 'completed' | 'failed' | 'cancelled';
  /** Attempts of the stage now due; reset when a stage completes. */
  attempts: number;
  lease_owner: string | null;
  /** Epoch ms; a lease past this instant may be taken over (its worker died). */
  lease_expires_at: number | null;
  /** Epoch ms before which the run is not claimed (retry backoff). */
  run_after: number;
  error: string | null;
  input: string;
  created_at: string;
  updated_at: string;
  completed_at: string | null;
  /** 1 when the run failed for good (a permanent stage error); 0 otherwise, attempts_exhausted included. */
  failed_permanently: Generated<number>;
  /**
   * Its stages' statuses as a JSON object, stage name → status (null before a stage starts). Kept by
   * triggers on workflow_stages (migration 0018), never written by Capstan itself.
   */
  stage_statuses: Generated<string | null>;
}

export interface WorkflowStageTable {
  run_id: string;
  stage: string;
  status: 'in_progress' | 'complete' | 'failed';
  /** JSON result of a completed stage: kept, so a restart never redoes finished work. */
  output: string | null;
  attempts: number;
  error: string | null;
  started_at: string;
  finished_at: string | null;
}

export interface DocumentTable {
  id: string;
  org_id: string;
  workflow_id: string;
  file_name: string;
  xn_address: string | null;
  source: 'url' | 'base64';
  source_url: string | null;
  mime: string | null;
  size_bytes: number | null;
  pages: number | null;
  blob_key: string | null;
  /** Credits debited for this document; refunded when it fails. */
  cost_micro: number;
  failure_reason: string | null;
  created_at: string;
  updated_at: string;
  /** The last status reported on the stream (JSON, without updated_at): a change is reported once. */
  reported_status: string | null;
  /** Pages whose text is known while the ocr stage runs, of ocr_pages_total; null until a page needs OCR. */
  ocr_pages_done: number | null;
  ocr_pages_total: number | null;
}

export interface IdempotencyTable {
  /** Whose key it is: an organization's uploads, a hub's publishes, one contact's actions. */
  scope: string;
  key: string;
  request_hash: string;
  /**
   * 0 while the answer is not recorded: inside the change's own transaction, or, rarely, after a change
   * that had to commit before its answer was known (storage.ts, ANSWER_WAIT_MS).
   */
  status_code: number;
  response: string;
  created_at: string;
}

export interface OrganizerFileTable {
  id: string;
  org_id: string;
  name: string;
  size_bytes: number;
  content_type: string | null;
  /** Sniffed from the bytes at upload: pdf, image, video, audio, archive, document, text, other. */
  kind: string;
  /** The media type sniffed from the bytes at upload (served with the content); null before migration 0012. */
  mime: string | null;
  /** The date the last organize job found in the text (YYYY, YYYY-MM or YYYY-MM-DD), if any. */
  content_date: string | null;
  /** The head of the file's text (text layer or OCR of its first pages, or a text file's start), once read. */
  content_text: string | null;
  /** The date its metadata carries (PDF CreationDate/ModDate, EXIF DateTimeOriginal), YYYY-MM-DD. */
  meta_date: string | null;
  /** 1 when EXIF says a camera took it (a photo, not a scan), 0 when not; null until read. */
  camera: number | null;
  /** When its content was read (null: not yet; reading is attempted once). */
  content_read_at: string | null;
  /** What the last organize job took it for: invoice, receipt, bank_statement, … (null: none). */
  document_type: string | null;
  blob_key: string;
  /** The virtual folder ('' is the root), e.g. Invoices/2025/03. */
  folder: string;
  /** 1 when an admin locked the file: jobs may not move it. */
  locked: number;
  created_at: string;
  updated_at: string;
}

export interface OrganizerJobTable {
  id: string;
  org_id: string;
  workflow_id: string;
  status: 'queued' | 'running' | 'completed' | 'failed' | 'cancelled';
  source_folder: string | null;
  total_count: number;
  processed_count: number;
  organized: number;
  failed: number;
  current_file: string | null;
  created_at: string;
  updated_at: string;
  completed_at: string | null;
  /** When the job's moves were undone (POST /api/v1/jobs/:id/undo). */
  undone_at: string | null;
}

export interface OrganizerJobFileTable {
  job_id: string;
  file_id: string;
  position: number;
  state: 'pending' | 'organized' | 'failed';
  folder: string | null;
  /** The folder the job moved the file from, for undo. */
  previous_folder: string | null;
  error_code: string | null;
  error: string | null;
}

export interface VideoTable {
  /** 12 lowercase letters and digits, like the seed's `abc123def456`. */
  id: string;
  org_id: string;
  app_id: string;
  external_user_id: string | null;
  name: string;
  /** JSON object given at creation, or null. */
  metadata: string | null;
  /** developer/<appId>/<videoId>/result.mp4: the blob key of the upload as sent, shown to clients as s3Key. */
  s3_key: string;
  /** The uploaded type's base (`video/webm`), lower-cased. */
  content_type: string;
  /** Its parameters as sent (`codecs=vp9,opus`), kept for the record; null when there were none. */
  content_type_params: string | null;
  /** created → uploading → completing → processing → ready | failed (uploading again after an abort). */
  state: 'created' | 'uploading' | 'completing' | 'processing' | 'ready' | 'failed';
  /** The multipart upload in progress (or the one completed). */
  upload_id: string | null;
  size_bytes: number | null;
  /** The server's measurements, set when the video becomes ready (null before: `ready` is false). */
  duration: number | null;
  width: number | null;
  height: number | null;
  fps: number | null;
  /** JSON of what the client sent with complete (durationInSecs, width, height, fps), for the record only. */
  client_values: string | null;
  /** developer/<appId>/<videoId>/play.mp4: the H.264/AAC faststart MP4 the pages play; null until made. */
  rendition_key: string | null;
  /** developer/<appId>/<videoId>/poster.jpg; null until taken (or when no frame could be had). */
  poster_key: string | null;
  /** The workflow stage in progress (probe, render, poster, transcribe) and how it goes; null once processing ended. */
  processing_stage: string | null;
  processing_status: 'running' | 'retrying' | 'complete' | null;
  transcription_status: 'PROCESSING' | 'COMPLETE' | 'ERROR' | 'SKIPPED' | 'NO_AUDIO' | null;
  workflow_id: string | null;
  /** Credits debited for the measured duration; null until billed (billing happens once). */
  cost_micro: number | null;
  failure_reason: string | null;
  deleted_at: string | null;
  created_at: string;
  updated_at: string;
}

/** The outcome of a video's transcription: text and segments when COMPLETE, the reason when ERROR. */
export interface VideoTranscriptTable {
  video_id: string;
  /** What produced it: builtin (pocketsphinx), command or http. */
  engine: string;
  text: string | null;
  /** JSON array of {start, end, text} (seconds), in order; empty when the engine gave no timings. */
  segments: string | null;
  error: string | null;
  created_at: string;
}

export interface SpaceMemberTable {
  space_id: string;
  contact_id: string;
  joined_at: string;
}

export interface SpaceMuteTable {
  space_id: string;
  contact_id: string;
  /** The moderator's contact id, or null when muted through the admin API. */
  muted_by: string | null;
  created_at: string;
}

export interface DiscussionTable {
  id: string;
  hub_id: string;
  space_id: string;
  /** Set on replies: the discussion replied to. */
  parent_id: string | null;
  author_id: string;
  /** Null on replies and on tombstones. */
  title: string | null;
  /** Null on tombstones. */
  body: string | null;
  locked: number;
  pinned: number;
  /** UUIDv7 minted at creation: a creation order that never ties. */
  sort_key: string;
  created_at: string;
  updated_at: string;
  deleted_at: string | null;
}

export interface DiscussionReactionTable {
  discussion_id: string;
  contact_id: string;
  reaction: string;
  created_at: string;
}

export interface ContactProfileTable {
  contact_id: string;
  bio: string | null;
  avatar_url: string | null;
  updated_at: string;
}

export interface ConversationTable {
  id: string;
  hub_id: string;
  kind: 'direct' | 'group';
  name: string | null;
  created_by: string;
  /** UUIDv7 of the last activity (creation or message): lists show the liveliest first. */
  activity_key: string;
  created_at: string;
  updated_at: string;
}

export interface ConversationMemberTable {
  conversation_id: string;
  contact_id: string;
  joined_at: string;
  /** Set when the member left; a member who left no longer sees the conversation. */
  left_at: string | null;
  last_read_message_id: string | null;
}

export interface MessageTable {
  id: string;
  conversation_id: string;
  author_id: string;
  /** Null on tombstones. */
  body: string | null;
  sort_key: string;
  created_at: string;
  edited_at: string | null;
  deleted_at: string | null;
}

export interface BroadcastTable {
  id: string;
  hub_id: string;
  /** The admin contact, or null when published through the admin API. */
  author_id: string | null;
  title: string;
  body: string;
  sort_key: string;
  created_at: string;
}

/** An organization's webhook endpoint. Secrets are stored encrypted (see src/webhooks/secrets.ts). */
export interface WebhookEndpointTable {
  id: string;
  org_id: string;
  url: string;
  description: string | null;
  /** JSON array of event types and `prefix.*` patterns; null for every event. */
  events: string | null;
  enabled: number;
  /** Why it is disabled: manual, gone (the receiver answered 410) or failing. */
  disabled_reason: string | null;
  secret_enc: string;
  /** The secret a rotation replaced; it keeps signing until previous_secret_expires_at (ms). */
  previous_secret_enc: string | null;
  previous_secret_expires_at: number | null;
  /** When its current run of failed attempts began (ms); null after a success. */
  failing_since: number | null;
  /** The delivery worker holding the endpoint (one request in flight per endpoint). */
  lease_owner: string | null;
  lease_expires_at: number | null;
  /** When a worker last took its turn on it (ms; 0: never): claims go to the one waiting longest. */
  served_at: Generated<number>;
  /** Bumped each time it is enabled again: an attempt started before changes nothing of the endpoint's state. */
  enable_generation: Generated<number>;
  created_at: string;
  updated_at: string;
  deleted_at: string | null;
}

/** One message for one endpoint: the exact body every attempt sends, and where its retries stand. */
export interface WebhookDeliveryTable {
  id: string;
  endpoint_id: string;
  org_id: string;
  /** The webhook-id header: the event's UUIDv7 (or one derived from it for document.completed/failed). */
  event_id: string;
  event_type: string;
  /** First attempts go out in this order: the source event's id, then its derived message. */
  order_key: string;
  payload: string;
  status: 'pending' | 'delivering' | 'succeeded' | 'failed' | 'cancelled';
  attempts: number;
  /** ms; null once the delivery ended. */
  next_attempt_at: number | null;
  created_at: string;
  updated_at: string;
}

export interface WebhookAttemptTable {
  delivery_id: string;
  attempt: number;
  started_at: string;
  duration_ms: number;
  status_code: number | null;
  outcome: string;
  error: string | null;
  response_body: string | null;
  next_attempt_at: number | null;
}

/** Where an endpoint starts on a topic: the topic's last seq when it was created or last enabled. */
export interface WebhookEndpointStartTable {
  endpoint_id: string;
  topic: string;
  seq: number;
}

/** How far the webhook dispatcher has read each topic of the event log. */
export interface WebhookCursorTable {
  topic: string;
  seq: number;
}

/** An operator console session: digests of its cookie value and CSRF token, and its absolute expiry. */
export interface ConsoleSessionTable {
  id_hash: string;
  csrf_hash: string;
  created_at: string;
  expires_at: string;
  last_seen_at: string;
}

export interface NodeTable {
  id: string;
  started_at: string;
  seen_at: string;
  version: string;
  mode: 'embedded' | 'scaled';
  /** JSON: the latest stats, their history over the last hour and the node's open connections. */
  stats: string;
}

export interface NodeCommandTable {
  id: string;
  /** The node that is to carry it out. */
  node_id: string;
  command: 'disconnect';
  /** What it applies to: a connection id. */
  target: string;
  created_at: string;
}

export interface Database {
  videos: VideoTable;
  video_transcripts: VideoTranscriptTable;
  organizer_files: OrganizerFileTable;
  organizer_jobs: OrganizerJobTable;
  organizer_job_files: OrganizerJobFileTable;
  documents: DocumentTable;
  idempotency_keys: IdempotencyTable;
  workflow_runs: WorkflowRunTable;
  workflow_stages: WorkflowStageTable;
  events: EventTable;
  event_topics: EventTopicTable;
  segments: SegmentTable;
  spaces: SpaceTable;
  space_segments: SpaceSegmentTable;
  contact_segments: ContactSegmentTable;
  space_members: SpaceMemberTable;
  space_mutes: SpaceMuteTable;
  discussions: DiscussionTable;
  discussion_reactions: DiscussionReactionTable;
  contact_profiles: ContactProfileTable;
  conversations: ConversationTable;
  conversation_members: ConversationMemberTable;
  messages: MessageTable;
  broadcasts: BroadcastTable;
  orgs: OrgTable;
  org_keys: OrgKeyTable;
  credit_ledger: CreditLedgerTable;
  apps: AppTable;
  app_keys: AppKeyTable;
  hubs: HubTable;
  contacts: ContactTable;
  settings: SettingTable;
  webhook_endpoints: WebhookEndpointTable;
  webhook_deliveries: WebhookDeliveryTable;
  webhook_attempts: WebhookAttemptTable;
  webhook_endpoint_starts: WebhookEndpointStartTable;
  webhook_cursors: WebhookCursorTable;
  console_sessions: ConsoleSessionTable;
  nodes: NodeTable;
  node_commands: NodeCommandTable;
}
