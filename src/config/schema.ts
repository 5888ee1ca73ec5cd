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
  opt({ key: 'listenBacklog', env: 'CAPSTAN_LISTEN_BACKLOG', flag: '--listen-backlog', type: 'int', default: 4096, min: 1, max: 65_535, doc: 'Pending connections the kernel queues before accept (capped by net.core.somaxconn); a mass reconnect needs room.' }),
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
  opt({ key: 'realtimeLeaseMs', env: 'CAPSTAN_REALTIME_LEASE_MS', flag: '--realtime-lease-ms', type: 'int', default: 15_000, min: 1000, max: 15_000, doc: 'Scaled mode: how long a connection slot lasts in Redis without renewal; each node renews its slots every third of it. Slots of a node that dies free up within this; after a Redis restart, open connections re-register theirs at once.' }),
  opt({ key: 'realtimeQueueLimitBytes', env: 'CAPSTAN_REALTIME_QUEUE_LIMIT_BYTES', flag: '--realtime-queue-limit-bytes', type: 'int', default: 1_048_576, min: 1024, doc: 'Unread bytes a client may fall behind before it is closed with stream.overflow (it resumes from its cursor).' }),
  opt({ key: 'realtimeReplayPageSize', env: 'CAPSTAN_REALTIME_REPLAY_PAGE_SIZE', flag: '--realtime-replay-page-size', type: 'int', default: 500, min: 1, max: 10_000, doc: 'Events read from the log per page while replaying after a cursor.' }),
  opt({ key: 'realtimeMaxHeldEvents', env: 'CAPSTAN_REALTIME_MAX_HELD_EVENTS', flag: '--realtime-max-held-events', type: 'int', default: 10_000, min: 10, doc: 'Live events held for one connection while its replay runs; past this it is closed with stream.overflow.' }),
  opt({ key: 'realtimeDrainWindowMs', env: 'CAPSTAN_REALTIME_DRAIN_WINDOW_MS', flag: '--realtime-drain-window-ms', type: 'int', default: 10_000, min: 0, doc: 'On shutdown, stream.draining retry_ms hints are spread uniformly over this window.' }),
  opt({ key: 'realtimeRetryMs', env: 'CAPSTAN_REALTIME_RETRY_MS', flag: '--realtime-retry-ms', type: 'int', default: 3000, min: 0, doc: 'The SSE `retry:` reconnect hint sent when a stream opens.' }),
  opt({ key: 'eventsCheckMs', env: 'CAPSTAN_EVENTS_CHECK_MS', flag: '--events-check-ms', type: 'int', default: 1000, min: 50, max: 60_000, doc: 'How often a node compares the topics its streams follow with the event log. An event whose wake-up was lost (its node died right after commit, Redis was down) still reaches every stream within about two intervals.' }),
  opt({ key: 'eventMaxPayloadBytes', env: 'CAPSTAN_EVENT_MAX_PAYLOAD_BYTES', flag: '--event-max-payload-bytes', type: 'int', default: 16_384, min: 64, doc: 'Largest event payload (JSON bytes) accepted by publish; larger gets 413.' }),
  opt({ key: 'realtimeTokenTtlSeconds', env: 'CAPSTAN_REALTIME_TOKEN_TTL_SECONDS', flag: '--realtime-token-ttl-seconds', type: 'int', default: 900, min: 1, max: 86_400, doc: 'Lifetime of the realtime tokens minted by POST /ws/token; streams end with stream.expired at that instant.' }),
  opt({ key: 'documentPricePerPageMicro', env: 'CAPSTAN_DOCUMENT_PRICE_PER_PAGE_MICRO', flag: '--document-price-per-page-micro', type: 'int', default: 1000, min: 0, doc: 'Credits (micro) a document costs per page, debited when it is accepted and refunded if it fails.' }),
  opt({ key: 'documentMaxBytes', env: 'CAPSTAN_DOCUMENT_MAX_BYTES', flag: '--document-max-bytes', type: 'int', default: 20_971_520, min: 1024, doc: 'Largest document accepted (decoded base64 or fetched); larger gets 413 or a failed document.' }),
  opt({ key: 'documentMaxPages', env: 'CAPSTAN_DOCUMENT_MAX_PAGES', flag: '--document-max-pages', type: 'int', default: 200, min: 1, doc: 'Pages processed per document; later pages are not read.' }),
  opt({ key: 'documentRulesFile', env: 'CAPSTAN_DOCUMENT_RULES_FILE', flag: '--document-rules-file', type: 'string', default: null, doc: 'JSON file of extra classification rules (actions, trades, categories) merged over the built-in ones.' }),
  opt({ key: 'fetchAllowHosts', env: 'CAPSTAN_FETCH_ALLOW_HOSTS', flag: '--fetch-allow-hosts', type: 'list', default: [], doc: 'Addresses (IPs or CIDRs) that URL uploads may reach even though they are loopback/private/link-local; empty blocks them all.' }),
  opt({ key: 'fetchTimeoutMs', env: 'CAPSTAN_FETCH_TIMEOUT_MS', flag: '--fetch-timeout-ms', type: 'int', default: 15_000, min: 100, doc: 'Total time allowed to fetch a URL upload, redirects included.' }),
  opt({ key: 'fetchMaxRedirects', env: 'CAPSTAN_FETCH_MAX_REDIRECTS', flag: '--fetch-max-redirects', type: 'int', default: 5, min: 0, max: 20, doc: 'Redirects followed when fetching a URL upload; each target is checked again.' }),
  opt({ key: 'workflowConcurrency', env: 'CAPSTAN_WORKFLOW_CONCURRENCY', flag: '--workflow-concurrency', type: 'int', default: 2, min: 0, max: 64, doc: 'Workflow stages this process runs at once (0: this node runs no workers).' }),
  opt({ key: 'workflowLeaseMs', env: 'CAPSTAN_WORKFLOW_LEASE_MS', flag: '--workflow-lease-ms', type: 'int', default: 30_000, min: 200, doc: 'A claimed stage whose worker stops renewing for this long is taken over by another worker.' }),
  opt({ key: 'workflowMaxAttempts', env: 'CAPSTAN_WORKFLOW_MAX_ATTEMPTS', flag: '--workflow-max-attempts', type: 'int', default: 3, min: 1, max: 20, doc: 'Attempts per stage before the resource fails.' }),
  opt({ key: 'workflowBackoffMs', env: 'CAPSTAN_WORKFLOW_BACKOFF_MS', flag: '--workflow-backoff-ms', type: 'int', default: 1000, min: 1, doc: 'First retry delay; it doubles per attempt (with jitter), up to 60 s.' }),
  opt({ key: 'blobS3Bucket', env: 'CAPSTAN_S3_BUCKET', flag: '--s3-bucket', type: 'string', default: null, doc: 'Store blobs in this S3 bucket (scaled mode). Unset: <dataDir>/blobs on local disk.' }),
  opt({ key: 'blobS3Endpoint', env: 'CAPSTAN_S3_ENDPOINT', flag: '--s3-endpoint', type: 'url', default: null, doc: 'S3-compatible endpoint (MinIO, R2, …). Unset: AWS.' }),
  opt({ key: 'blobS3Region', env: 'CAPSTAN_S3_REGION', flag: '--s3-region', type: 'string', default: 'us-east-1', doc: 'S3 region.' }),
  opt({ key: 'blobS3AccessKeyId', env: 'CAPSTAN_S3_ACCESS_KEY_ID', flag: '--s3-access-key-id', type: 'string', default: null, secret: true, doc: 'S3 access key id (unset: the AWS SDK default chain).' }),
  opt({ key: 'blobS3SecretAccessKey', env: 'CAPSTAN_S3_SECRET_ACCESS_KEY', flag: '--s3-secret-access-key', type: 'string', default: null, secret: true, doc: 'S3 secret access key.' }),
  opt({ key: 'blobS3ForcePathStyle', env: 'CAPSTAN_S3_FORCE_PATH_STYLE', flag: '--s3-force-path-style', type: 'bool', default: false, doc: 'Path-style bucket URLs (most S3-compatible servers need this).' }),
  opt({ key: 'blobS3KeyPrefix', env: 'CAPSTAN_S3_KEY_PREFIX', flag: '--s3-key-prefix', type: 'string', default: '', doc: 'Folder of the bucket every blob key goes under, e.g. capstan-prod/ (empty, or ending in "/"). Give each deployment sharing a bucket its own: the cleanup removes objects under Capstan\'s folders that its own database does not reference. Set it before the first upload; objects stored under another prefix are no longer seen.' }),
  opt({ key: 'multipartMinPartBytes', env: 'CAPSTAN_MULTIPART_MIN_PART_BYTES', flag: '--multipart-min-part-bytes', type: 'int', default: 5_242_880, min: 1, doc: 'Smallest size of every multipart part but the last (S3: 5 MiB).' }),
  opt({ key: 'multipartExpirySeconds', env: 'CAPSTAN_MULTIPART_EXPIRY_SECONDS', flag: '--multipart-expiry-seconds', type: 'int', default: 86_400, min: 1, doc: 'An unfinished multipart upload older than this is aborted and its parts removed.' }),
  opt({ key: 'redisKeyPrefix', env: 'CAPSTAN_REDIS_KEY_PREFIX', flag: '--redis-key-prefix', type: 'string', default: 'capstan:', doc: 'Prefix of every Redis key and channel, so deployments (or test runs) can share one Redis.' }),
  opt({ key: 'videoPricePerMinuteMicro', env: 'CAPSTAN_VIDEO_PRICE_PER_MINUTE_MICRO', flag: '--video-price-per-minute-micro', type: 'int', default: 5000, min: 0, doc: 'Credits (micro) a developer video costs per minute of its measured duration, pro rata and rounded up to a whole micro-credit, debited once when it is measured. Creating a video needs at least this balance (else 402).' }),
  opt({ key: 'videoCompleteTimeoutSeconds', env: 'CAPSTAN_VIDEO_COMPLETE_TIMEOUT_SECONDS', flag: '--video-complete-timeout-seconds', type: 'int', default: 300, min: 1, max: 86_400, doc: 'A video whose complete has been assembling its parts for longer than this is taken to have died half-way (a node killed mid-complete) and is reconciled: processed if its object exists, otherwise returned to uploading so the client can complete again. A video deleted meanwhile is never processed nor billed.' }),
  opt({ key: 'multipartUrlTtlSeconds', env: 'CAPSTAN_MULTIPART_URL_TTL_SECONDS', flag: '--multipart-url-ttl-seconds', type: 'int', default: 3600, min: 1, max: 604_800, doc: 'Lifetime of the presigned part URLs handed out by presign-part (S3 caps presigned URLs at 7 days).' }),
  opt({ key: 'transcriber', env: 'CAPSTAN_TRANSCRIBER', flag: '--transcriber', type: 'enum', values: ['none', 'command', 'http'], default: 'none', doc: 'Transcription hook run on uploaded videos that have audio: none (transcriptionStatus SKIPPED), a command, or an HTTP endpoint.' }),
  opt({ key: 'transcriberCommand', env: 'CAPSTAN_TRANSCRIBER_COMMAND', flag: '--transcriber-command', type: 'string', default: null, doc: 'With transcriber=command: the program (no shell), run with the arguments of CAPSTAN_TRANSCRIBER_ARGS then the video file path. Exit 0 is COMPLETE (stdout is the transcript); anything else is ERROR.' }),
  opt({ key: 'transcriberArgs', env: 'CAPSTAN_TRANSCRIBER_ARGS', flag: '--transcriber-args', type: 'string', default: null, doc: 'With transcriber=command: a JSON array of strings placed before the video path, e.g. ["--model","base"].' }),
  opt({ key: 'transcriberUrl', env: 'CAPSTAN_TRANSCRIBER_URL', flag: '--transcriber-url', type: 'url', default: null, doc: 'With transcriber=http: endpoint POSTed {"videoId","path"} (path of a local copy of the video); a 2xx answer is COMPLETE.' }),
  opt({ key: 'transcriberTimeoutMs', env: 'CAPSTAN_TRANSCRIBER_TIMEOUT_MS', flag: '--transcriber-timeout-ms', type: 'int', default: 600_000, min: 100, doc: 'Time a transcription may take before it counts as ERROR.' }),
  opt({ key: 'developerKeyRecheckMs', env: 'CAPSTAN_DEVELOPER_KEY_RECHECK_MS', flag: '--developer-key-recheck-ms', type: 'int', default: 30_000, min: 100, doc: 'How often an open developer event stream re-checks its csk_ key; a revoked key ends the stream with stream.unauthorized.' }),
  opt({ key: 'organizerRulesFile', env: 'CAPSTAN_ORGANIZER_RULES_FILE', flag: '--organizer-rules-file', type: 'string', default: null, doc: 'JSON file of organizer folder rules {"rules": [{"name"?: regex, "kinds"?: [...], "folder": "Invoices/{yyyy}/{mm}"}], "fallback"?: "Other", "replaceDefaults"?: false}, tried before the built-in ones.' }),
  opt({ key: 'organizerMaxFileBytes', env: 'CAPSTAN_ORGANIZER_MAX_FILE_BYTES', flag: '--organizer-max-file-bytes', type: 'int', default: 104_857_600, min: 1, doc: 'Largest file accepted by POST /api/v1/files (multipart, streamed); larger gets 413.' }),
  opt({ key: 'organizerMaxBase64Bytes', env: 'CAPSTAN_ORGANIZER_MAX_BASE64_BYTES', flag: '--organizer-max-base64-bytes', type: 'int', default: 10_485_760, min: 1024, doc: 'Largest decoded file accepted as JSON base64 by POST /api/v1/files; larger gets 413 (use multipart).' }),
  opt({ key: 'organizerMaxUploadFiles', env: 'CAPSTAN_ORGANIZER_MAX_UPLOAD_FILES', flag: '--organizer-max-upload-files', type: 'int', default: 100, min: 1, max: 10_000, doc: 'Files one upload request may carry.' }),
  opt({ key: 'organizerMaxJobFiles', env: 'CAPSTAN_ORGANIZER_MAX_JOB_FILES', flag: '--organizer-max-job-files', type: 'int', default: 100_000, min: 1, doc: 'Files one organize job may cover (file_ids, or the first of a folder).' }),
  opt({ key: 'organizerBatchSize', env: 'CAPSTAN_ORGANIZER_BATCH_SIZE', flag: '--organizer-batch-size', type: 'int', default: 200, min: 1, max: 5000, doc: 'Files an organize job files per transaction; a crash redoes at most one batch.' }),
  opt({ key: 'organizerProgressIntervalMs', env: 'CAPSTAN_ORGANIZER_PROGRESS_INTERVAL_MS', flag: '--organizer-progress-interval-ms', type: 'int', default: 500, min: 0, doc: 'At most one job_progress event per job per interval (the final 100 % is always sent).' }),
  opt({ key: 'organizerMaxErrorEvents', env: 'CAPSTAN_ORGANIZER_MAX_ERROR_EVENTS', flag: '--organizer-max-error-events', type: 'int', default: 100, min: 0, doc: 'error events one job sends for failed files; further failures are listed by GET /api/v1/jobs/:id only.' }),
  opt({ key: 'cleanupIntervalMs', env: 'CAPSTAN_CLEANUP_INTERVAL_MS', flag: '--cleanup-interval-ms', type: 'int', default: 60_000, min: 1000, max: 86_400_000, doc: 'How often each node runs the cleanup (old idempotency keys, ended workflow runs, orphaned blobs, abandoned multipart uploads); a run starts only when the previous one has finished.' }),
  opt({ key: 'cleanupBatchSize', env: 'CAPSTAN_CLEANUP_BATCH_SIZE', flag: '--cleanup-batch-size', type: 'int', default: 500, min: 1, max: 10_000, doc: 'Most items one cleanup run removes of each kind (and blobs it examines); the next run goes on where it stopped.' }),
  opt({ key: 'idempotencyRetentionSeconds', env: 'CAPSTAN_IDEMPOTENCY_RETENTION_SECONDS', flag: '--idempotency-retention-seconds', type: 'int', default: 86_400, min: 60, max: 31_536_000, doc: 'How long an Idempotency-Key is remembered; a retry after this is a new request.' }),
  opt({ key: 'workflowRetentionSeconds', env: 'CAPSTAN_WORKFLOW_RETENTION_SECONDS', flag: '--workflow-retention-seconds', type: 'int', default: 604_800, min: 60, max: 31_536_000, doc: 'Ended video and organizer workflow runs (with their stages) are removed this long after they ended, and a deleted video\'s file this long after its deletion. Document runs hold the documents\' results and are kept.' }),
  opt({ key: 'blobOrphanGraceSeconds', env: 'CAPSTAN_BLOB_ORPHAN_GRACE_SECONDS', flag: '--blob-orphan-grace-seconds', type: 'int', default: 3600, min: 60, max: 31_536_000, doc: 'A stored file that no document, organizer file or video references is removed once it is older than this; an upload still in progress is younger.' }),
] as const;

export type OptionKey = (typeof OPTIONS)[number]['key'];
