// Structured JSON logs (pino). Credentials never reach a log line: headers that carry them are
// redacted, and in every logged URL the value of a credential-named parameter (query or `;` path
// parameter) is masked, as is anything shaped like a secret Capstan minted, and the admin token,
// wherever they stand.
import type { FastifyBaseLogger } from 'fastify';
import pino, { type Bindings, type ChildLoggerOptions, type Logger } from 'pino';
import { SECRET_SHAPE_SOURCE, holdsSecret, maskSecrets } from './secret-shapes.js';

/**
 * Parameter names whose values are credentials (or signatures), decoded, trimmed and lower case:
 * `token`, `access_token`, `secret`, `client_secret`, `key`, `api_key`, `signature`, `x-amz-credential`…
 */
const SECRET_NAME = /token|secret|signature|passw|credential|session|key$|^(?:sig|auth|authorization)$/;

/**
 * A superset of the URLs that have something to mask, tested once before any other work: most request
 * URLs fail it. Percent-encoding and `+` are in it because they can spell a name or a secret unseen.
 */
const MAY_HOLD_SECRET = new RegExp(String.raw`[%+]|(?:token|secret|sig|passw|credential|session|key|auth)[^=/?&;#]*=|${SECRET_SHAPE_SOURCE}`, 'i');

/**
 * The URL as it may be logged. A parameter whose name is a credential's keeps its name and has `***`
 * for its value, in the query or as a `;name=value` path parameter; names are compared decoded, as
 * the query parser reads them (`%74oken=` is `token=`), and `;` separates too. Anything shaped like a
 * Capstan secret (secret-shapes.ts) keeps its prefix and loses the rest, encoded or not, in any part.
 */
export function redactUrl(url: string, adminToken: string | null = null): string {
  // The admin token has no shape to be known by: it is looked for as it is, and in each decoded part.
  const shown = adminToken !== null && url.includes(adminToken) ? url.split(adminToken).join('***') : url;
  if (!MAY_HOLD_SECRET.test(shown)) return shown;
  return maskSecrets(shown).split(/([/?&;#])/).map((part, i) => redactPart(part, i, adminToken)).join('');
}

function redactPart(part: string, i: number, adminToken: string | null): string {
  if (i % 2 === 1) return part;
  const decoded = decodeQueryPart(part);
  if (adminToken !== null && decoded !== part && decoded.includes(adminToken)) return decoded.split(adminToken).join('***');
  const eq = decoded.indexOf('=');
  if (eq > 0 && SECRET_NAME.test(decoded.slice(0, eq).trim().toLowerCase())) return `${decoded.slice(0, eq)}=***`;
  return decoded !== part && holdsSecret(decoded) ? maskSecrets(decoded) : part;
}

function decodeQueryPart(part: string): string {
  if (part.indexOf('%') < 0 && part.indexOf('+') < 0) return part;
  try {
    return decodeURIComponent(part.replace(/\+/g, ' '));
  } catch {
    // Not valid percent-encoding: decode what can be, byte by byte, for the name's sake.
    return part.replace(/\+/g, ' ').replace(/%([0-9a-f]{2})/gi, (_m, h: string) => String.fromCharCode(parseInt(h, 16)));
  }
}

export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { service: 'capstan' },
    redact: {
      paths: ['req.headers.authorization', 'req.headers["capout-api-key"]', 'req.headers.cookie', 'req.headers["x-csrf-token"]', '*.csrf_token', '*.apiKey', '*.api_key', '*.token', '*.access_token', '*.secret_key', '*.public_key'],
      censor: '***',
    },
  });
}

export type { Logger };

type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';
type LogMethod = (this: DeferredChild, ...args: unknown[]) => void;

/**
 * A request's logger that becomes a pino child only when something is logged at a level that is on.
 * Fastify makes a child logger for every request, which costs more than most requests ever log: a
 * stream that opens logs nothing at the default level, and its connect is mostly this kind of work.
 */
class DeferredChild implements FastifyBaseLogger {
  private made: FastifyBaseLogger | undefined;
  declare fatal: FastifyBaseLogger['fatal'];
  declare error: FastifyBaseLogger['error'];
  declare warn: FastifyBaseLogger['warn'];
  declare info: FastifyBaseLogger['info'];
  declare debug: FastifyBaseLogger['debug'];
  declare trace: FastifyBaseLogger['trace'];

  constructor(
    private readonly parent: Logger,
    private readonly bindings: Bindings,
  ) {}

  get level(): string {
    return this.made?.level ?? this.parent.level;
  }

  set level(level: string) {
    this.real().level = level;
  }

  silent(): void {}

  child(bindings: Bindings, options?: ChildLoggerOptions): FastifyBaseLogger {
    return this.real().child(bindings, options);
  }

  /** Logs at `level` through the pino child, made on first use; nothing at a level that is off. */
  logAt(level: LogLevel, args: unknown[]): void {
    if (this.made === undefined && !this.parent.isLevelEnabled(level)) return;
    (this.real()[level] as (...a: unknown[]) => void)(...args);
  }

  private real(): FastifyBaseLogger {
    return (this.made ??= this.parent.child(this.bindings));
  }
}

for (const level of ['fatal', 'error', 'warn', 'info', 'debug', 'trace'] as const) {
  const method: LogMethod = function (...args) {
    this.logAt(level, args);
  };
  Object.defineProperty(DeferredChild.prototype, level, { value: method, writable: true, configurable: true });
}

/**
 * Fastify's child logger factory: a deferred child for the usual request, a pino child at once for a
 * route that sets its own level or serializers (whose log calls the parent's level cannot decide).
 */
export function requestLogger(logger: FastifyBaseLogger, bindings: Bindings, options: ChildLoggerOptions): FastifyBaseLogger {
  const parent = logger as Partial<Logger>;
  if (options.level !== undefined || options.serializers !== undefined || typeof parent.isLevelEnabled !== 'function') return logger.child(bindings, options);
  return new DeferredChild(logger as Logger, bindings);
}
