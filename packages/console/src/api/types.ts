// The admin API's shapes as the console reads them (docs/api.md, the admin section).

export interface Page<T> { readonly data: T[] }

export interface Org { id: string; name: string; credits_micro: number; created_at: string; updated_at: string }
export interface OrgKey { id: string; mode: 'test' | 'live'; display: string; created_at: string; revoked_at: string | null }
export interface OrgWithKeys extends Org { keys: OrgKey[] }
export interface OrgCreated extends Org { api_key: string; api_key_id: string }
export interface KeyCreated extends OrgKey { api_key: string }
export interface CreditBalance { org_id: string; credits_micro: number }
export interface LedgerEntry { id: string; amount_micro: number; balance_micro: number; reason: string; ref: string | null; created_at: string }

export interface AppKey { id: string; kind: 'secret' | 'public'; display: string; created_at: string; revoked_at: string | null }
export interface App {
  id: string; name: string; environment: 'development' | 'production'; allowed_origins: string[]; created_at: string;
  keys?: AppKey[];
}
export interface AppCreated extends App { secret_key: string; public_key: string }
export interface AppKeys { app_id: string; secret_key: string; public_key: string }

export interface Counts { total: number; completed: number; failed: number; in_flight: number }
export interface Usage {
  org_id: string; documents: Counts; videos: Counts; organize_jobs: Counts;
  credits_spent_micro: number; credits_granted_micro: number; api_keys_active: number;
}

export interface Hub { id: string; org_id: string; name: string; created_at: string }
export interface Contact { id: string; hub_id: string; name: string; role: string; status: 'active' | 'banned' | 'removed'; created_at: string; updated_at: string }
export interface ContactToken { access_token: string; token_type: 'Bearer'; expires_at: string }
export interface Segment { id: string; hub_id: string; name: string; created_at: string }
export interface Space { id: string; hub_id: string; name: string; restricted: boolean; segment_ids: string[]; created_at: string; updated_at: string }

export interface WebhookEndpoint {
  id: string; org_id: string; url: string; events: string[] | null; description: string | null; enabled: boolean;
  disabled_reason: 'manual' | 'gone' | 'failing' | null; failing_since: string | null; previous_secret_expires_at: string | null;
  created_at: string; updated_at: string;
}
export interface WebhookEndpointWithSecret extends WebhookEndpoint { secret: string }
export interface WebhookAttempt {
  attempt: number; started_at: string; duration_ms: number; status_code: number | null; outcome: string; error: string | null;
  response_body: string | null; next_attempt_at: string | null;
}
export interface WebhookDelivery {
  id: string; endpoint_id: string; event_id: string; type: string; status: 'pending' | 'delivering' | 'succeeded' | 'failed' | 'cancelled';
  attempt_count: number; next_attempt_at: string | null; created_at: string; updated_at: string; attempts: WebhookAttempt[];
}

export type Surface = 'documents' | 'organizer' | 'videos' | 'hub' | 'admin';
export interface NodeStats {
  connections: { total: number; by_surface: Record<Surface, number>; by_transport: { sse: number; ws: number } };
  events_per_second: number; workflow_backlog: number; redis: 'ok' | 'down' | 'off'; database: 'ok' | 'down';
  rss_bytes: number; heap_used_bytes: number; event_loop_delay_ms: number;
}
export interface NodeHistory {
  t: number[]; connections: number[]; events_per_second: number[]; workflow_backlog: number[]; rss_bytes: number[]; event_loop_delay_ms: number[];
}
export interface NodeInfo {
  id: string; version: string; mode: 'embedded' | 'scaled'; started_at: string; seen_at: string; uptime_s: number; alive: boolean;
  stats: NodeStats; history: NodeHistory;
}

export interface WorkStage { name: string; status: 'pending' | 'running' | 'completed' | 'failed' | 'skipped'; started_at: string | null; finished_at: string | null; error: string | null }
export interface WorkRun {
  run_id: string; kind: 'document' | 'video' | 'organize'; org_id: string; resource_id: string;
  status: 'queued' | 'running' | 'completed' | 'failed' | 'cancelled'; attempts: number; error: string | null;
  created_at: string; updated_at: string; completed_at: string | null; stages: WorkStage[]; progress: number; retryable: boolean;
  /** Why it may not be retried (the 409 message a retry would get); null when it may. */
  retry_refusal?: string | null;
}
export interface WorkFrame { in_flight: WorkRun[]; recent: WorkRun[] }

export interface Connection {
  id: string; node_id: string; surface: string; transport: 'sse' | 'ws'; org_id: string | null; credential: string; topic: string;
  remote_address: string; since: string; bytes_queued: number; events_sent: number;
}

export interface LiveEvent {
  id: string; type: string; topic: string; org_id: string; scope: Record<string, unknown>; data: Record<string, unknown>;
  created_at: string; truncated: boolean; size_bytes: number;
}

export interface SessionInfo { expires_at: string; csrf_token: string }
