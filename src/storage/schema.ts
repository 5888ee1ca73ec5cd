// Table shapes shared by both drivers. Timestamps are ISO 8601 text; money is integer micro-credits;
// JSON columns are text so SQLite and PostgreSQL read back the same thing.

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
}

export interface IdempotencyTable {
  org_id: string;
  key: string;
  request_hash: string;
  status_code: number;
  response: string;
  created_at: string;
}

export interface Database {
  documents: DocumentTable;
  idempotency_keys: IdempotencyTable;
  workflow_runs: WorkflowRunTable;
  workflow_stages: WorkflowStageTable;
  events: EventTable;
  segments: SegmentTable;
  spaces: SpaceTable;
  space_segments: SpaceSegmentTable;
  contact_segments: ContactSegmentTable;
  orgs: OrgTable;
  org_keys: OrgKeyTable;
  credit_ledger: CreditLedgerTable;
  apps: AppTable;
  app_keys: AppKeyTable;
  hubs: HubTable;
  contacts: ContactTable;
  settings: SettingTable;
}
