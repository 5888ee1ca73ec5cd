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
] as const;

export type OptionKey = (typeof OPTIONS)[number]['key'];
