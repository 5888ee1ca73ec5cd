// The one configuration schema: every option, its type, default, sources and documentation.
// Layering (defaults ← env ← config file ← CLI flags) and the reference page both read this table.

export type OptionType = 'string' | 'int' | 'bool' | 'enum' | 'list' | 'url';

export interface OptionSpec {
  /** Key in the resolved config object and in a JSON config file. */
  readonly key: string;
  readonly env: string;
  readonly flag: string;
  readonly type: OptionType;
  readonly default: string | number | boolean | readonly string[] | null;
  readonly doc: string;
  readonly secret?: boolean;
  readonly values?: readonly string[];
  readonly min?: number;
  readonly max?: number;
}

const opt = <const T extends OptionSpec>(spec: T): T => spec;

export const OPTIONS = [
  opt({ key: 'port', env: 'PORT', flag: '--port', type: 'int', default: 8000, min: 0, max: 65535, doc: 'TCP port to listen on (0 picks a free port).' }),
  opt({ key: 'host', env: 'CAPSTAN_HOST', flag: '--host', type: 'string', default: '0.0.0.0', doc: 'Interface to bind.' }),
  opt({ key: 'dataDir', env: 'CAPSTAN_DATA_DIR', flag: '--data-dir', type: 'string', default: './data', doc: 'Directory for the embedded SQLite file, local blobs and dev-credentials.json.' }),
  opt({ key: 'databaseUrl', env: 'CAPSTAN_DATABASE_URL', flag: '--database-url', type: 'string', default: null, secret: true, doc: 'Storage. Unset: SQLite at <dataDir>/capstan.db. A postgres:// URL switches storage to PostgreSQL; sqlite:<path> names another SQLite file.' }),
  opt({ key: 'redisUrl', env: 'CAPSTAN_REDIS_URL', flag: '--redis-url', type: 'url', default: null, secret: true, doc: 'Redis for scaled mode (cross-node fan-out, cluster-wide limits). Unset: in-process.' }),
  opt({ key: 'adminToken', env: 'CAPSTAN_ADMIN_TOKEN', flag: '--admin-token', type: 'string', default: null, secret: true, doc: 'Bearer token for /admin/v1. Unset: the admin API is off (every admin route answers 404).' }),
  opt({ key: 'publicUrl', env: 'CAPSTAN_PUBLIC_URL', flag: '--public-url', type: 'url', default: null, doc: 'Base for absolute URLs in responses. Unset: http://localhost:<port>.' }),
  opt({ key: 'logLevel', env: 'CAPSTAN_LOG_LEVEL', flag: '--log-level', type: 'enum', values: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], default: 'info', doc: 'Log level of the JSON logs on stdout.' }),
  opt({ key: 'tokenSecret', env: 'CAPSTAN_TOKEN_SECRET', flag: '--token-secret', type: 'string', default: null, secret: true, doc: 'HMAC secret for contact and realtime tokens (at least 32 characters). Unset: a random secret is generated once and kept in storage, so every node sharing the storage agrees.' }),
  opt({ key: 'bodyLimitBytes', env: 'CAPSTAN_BODY_LIMIT_BYTES', flag: '--body-limit-bytes', type: 'int', default: 1_048_576, min: 1024, doc: 'Largest JSON request body accepted; larger bodies get 413.' }),
  opt({ key: 'shutdownGraceMs', env: 'CAPSTAN_SHUTDOWN_GRACE_MS', flag: '--shutdown-grace-ms', type: 'int', default: 10_000, min: 0, doc: 'On SIGTERM/SIGINT, how long in-flight requests may take to finish before the process exits.' }),
  opt({ key: 'corsOrigins', env: 'CAPSTAN_CORS_ORIGINS', flag: '--cors-origins', type: 'list', default: ['*'], doc: 'Comma-separated origins allowed by CORS ("*" for any).' }),
  opt({ key: 'rateLimitPerMinute', env: 'CAPSTAN_RATE_LIMIT_PER_MINUTE', flag: '--rate-limit-per-minute', type: 'int', default: 1200, min: 0, doc: 'Requests per minute per API key (or per client address when unauthenticated); 0 turns the limit off. Over it: 429 with Retry-After.' }),
  opt({ key: 'contactTokenTtlSeconds', env: 'CAPSTAN_CONTACT_TOKEN_TTL_SECONDS', flag: '--contact-token-ttl-seconds', type: 'int', default: 3600, min: 1, max: 2_592_000, doc: 'Default lifetime of contact access tokens minted by the admin API.' }),
  opt({ key: 'devCredentials', env: 'CAPSTAN_DEV_CREDENTIALS', flag: '--dev-credentials', type: 'bool', default: true, doc: 'On first start with empty storage, create a demo organization and write <dataDir>/dev-credentials.json.' }),
  opt({ key: 'realtimeHeartbeatMs', env: 'CAPSTAN_REALTIME_HEARTBEAT_MS', flag: '--realtime-heartbeat-ms', type: 'int', default: 25_000, min: 0, doc: 'Interval of the SSE `: heartbeat` comment and the WebSocket ping (0 turns heartbeats off).' }),
  opt({ key: 'realtimeIdleTimeoutMs', env: 'CAPSTAN_REALTIME_IDLE_TIMEOUT_MS', flag: '--realtime-idle-timeout-ms', type: 'int', default: 90_000, min: 50, doc: 'A stream that has delivered neither an event nor a heartbeat for this long is closed; the client resumes with its last id.' }),
  opt({ key: 'realtimeRetentionSeconds', env: 'CAPSTAN_REALTIME_RETENTION_SECONDS', flag: '--realtime-retention-seconds', type: 'int', default: 300, min: 1, doc: 'Replay window of the event log. Older cursors end with stream.stale_resume; older events are pruned.' }),
  opt({ key: 'realtimeMaxStreamsPerContact', env: 'CAPSTAN_REALTIME_MAX_STREAMS_PER_CONTACT', flag: '--realtime-max-streams-per-contact', type: 'int', default: 5, min: 1, doc: 'Open hub streams one contact may hold across all hubs; one more gets 429.' }),
  opt({ key: 'realtimeQueueLimitBytes', env: 'CAPSTAN_REALTIME_QUEUE_LIMIT_BYTES', flag: '--realtime-queue-limit-bytes', type: 'int', default: 1_048_576, min: 1024, doc: 'Unread bytes a client may fall behind before it is closed with stream.overflow (it resumes from its cursor).' }),
  opt({ key: 'realtimeReplayPageSize', env: 'CAPSTAN_REALTIME_REPLAY_PAGE_SIZE', flag: '--realtime-replay-page-size', type: 'int', default: 500, min: 1, max: 10_000, doc: 'Events read from the log per page while replaying after a cursor.' }),
  opt({ key: 'realtimeMaxHeldEvents', env: 'CAPSTAN_REALTIME_MAX_HELD_EVENTS', flag: '--realtime-max-held-events', type: 'int', default: 10_000, min: 10, doc: 'Live events held for one connection while its replay runs; past this it is closed with stream.overflow.' }),
  opt({ key: 'realtimeDrainWindowMs', env: 'CAPSTAN_REALTIME_DRAIN_WINDOW_MS', flag: '--realtime-drain-window-ms', type: 'int', default: 10_000, min: 0, doc: 'On shutdown, stream.draining retry_ms hints are spread uniformly over this window.' }),
  opt({ key: 'realtimeRetryMs', env: 'CAPSTAN_REALTIME_RETRY_MS', flag: '--realtime-retry-ms', type: 'int', default: 3000, min: 0, doc: 'The SSE `retry:` reconnect hint sent when a stream opens.' }),
  opt({ key: 'eventMaxPayloadBytes', env: 'CAPSTAN_EVENT_MAX_PAYLOAD_BYTES', flag: '--event-max-payload-bytes', type: 'int', default: 16_384, min: 64, doc: 'Largest event payload (JSON bytes) accepted by publish; larger gets 413.' }),
] as const;

export type OptionKey = (typeof OPTIONS)[number]['key'];
