// The logger Fastify gives each request (req.log). A pino child per request costs more than most
// requests ever log, since a request logs at all only when it fails or the level is info: the child
// here is made on the first line written at an enabled level, with the same bindings (the reqId) it
// would have had, so every line reads as before.
import type { FastifyBaseLogger } from 'fastify';
import type { Bindings, ChildLoggerOptions } from 'pino';

type Level = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';
type Write = (...args: unknown[]) => void;

/** A parent that can tell whether a level is written (pino can). */
interface LevelAware extends FastifyBaseLogger {
  isLevelEnabled(level: string): boolean;
}

const isLevelAware = (logger: FastifyBaseLogger): logger is LevelAware => typeof (logger as Partial<LevelAware>).isLevelEnabled === 'function';

export class RequestLogger implements FastifyBaseLogger {
  private made: FastifyBaseLogger | undefined;

  constructor(
    private readonly parent: LevelAware,
    private readonly bindings: Bindings,
  ) {}

  get level(): string {
    return this.made?.level ?? this.parent.level;
  }

  set level(level: string) {
    this.child$().level = level;
  }

  fatal(...args: unknown[]): void {
    this.write('fatal', args);
  }

  error(...args: unknown[]): void {
    this.write('error', args);
  }

  warn(...args: unknown[]): void {
    this.write('warn', args);
  }

  info(...args: unknown[]): void {
    this.write('info', args);
  }

  debug(...args: unknown[]): void {
    this.write('debug', args);
  }

  trace(...args: unknown[]): void {
    this.write('trace', args);
  }

  silent(): void {
    // Nothing is written at the silent level.
  }

  /** Whether a line at `level` would be written. */
  isLevelEnabled(level: Level): boolean {
    return this.made ? (this.made as unknown as LevelAware).isLevelEnabled(level) : this.parent.isLevelEnabled(level);
  }

  child(bindings: Bindings, options?: ChildLoggerOptions): FastifyBaseLogger {
    return this.child$().child(bindings, options);
  }

  private write(level: Level, args: unknown[]): void {
    if (!this.isLevelEnabled(level)) return;
    (this.child$()[level] as unknown as Write)(...args);
  }

  private child$(): FastifyBaseLogger {
    return (this.made ??= this.parent.child(this.bindings));
  }
}

/**
 * Fastify's childLoggerFactory: a RequestLogger, unless the route asks for its own level or
 * serializers (no route does) or the logger is not pino, where the child is made at once as before.
 */
export function requestLoggerFactory(logger: FastifyBaseLogger, bindings: Bindings, options: ChildLoggerOptions): FastifyBaseLogger {
  if (options.level !== undefined || options.serializers !== undefined || !isLevelAware(logger)) return logger.child(bindings, options);
  return new RequestLogger(logger, bindings);
}
