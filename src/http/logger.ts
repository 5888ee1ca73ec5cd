// Structured JSON logs (pino). Credentials never reach a log line: headers that carry them are
// redacted and `token` / `key` query parameters are masked in every logged URL.
import type { FastifyBaseLogger } from 'fastify';
import pino, { type Bindings, type ChildLoggerOptions, type Logger } from 'pino';

const SECRET_QUERY = /([?&](?:token|access_token|api_key|key|signature|X-Amz-Signature|X-Amz-Credential)=)[^&#]*/gi;

export function redactUrl(url: string): string {
  return url.replace(SECRET_QUERY, '$1***');
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
