// Resolves the configuration: defaults ← environment ← JSON config file ← CLI flags.
// Every value is checked against the schema; the first bad one stops with a one-line error naming it.
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { canonicalOrigin } from '../util/hosts.js';
import { isAddressRange } from '../util/address-range.js';
import { isAllowEntry } from '../util/safe-fetch.js';
import { OPTIONS, type OptionSpec } from './schema.js';

type Option = (typeof OPTIONS)[number];
type OptionValue<S extends OptionSpec> =
  | (S['type'] extends 'int'
      ? number
      : S['type'] extends 'bool'
        ? boolean
        : S['type'] extends 'list'
          ? readonly string[]
          : S['values'] extends readonly string[]
            ? S['values'][number]
            : string)
  | (S['default'] extends null ? null : never);

export type Config = { readonly [S in Option as S['key']]: OptionValue<S> };

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

export interface ConfigSources {
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** CLI arguments after the command name, e.g. ['--port', '9000', '--config', 'capstan.json']. */
  readonly argv?: readonly string[];
  /** Programmatic overrides (tests, embedding); applied last. */
  readonly overrides?: Partial<Record<keyof Config, unknown>>;
}

export interface ParsedArgs {
  readonly flags: ReadonlyMap<string, string>;
  readonly positionals: readonly string[];
  /** Flags given without a value (`--switch`, or `--name` followed by another flag or nothing). */
  readonly bare: ReadonlySet<string>;
  /** Flags given more than once: which one was meant is a guess, so they are refused, not last-wins. */
  readonly repeated: ReadonlySet<string>;
}

/** Splits `--name value`, `--name=value` and bare `--switch` (value "true") from positionals. */
export function parseArgs(argv: readonly string[]): ParsedArgs {
  const flags = new Map<string, string>();
  const positionals: string[] = [];
  const bare = new Set<string>();
  const repeated = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (!arg.startsWith('--')) {
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    if (flags.has(eq > 0 ? arg.slice(0, eq) : arg)) repeated.add(eq > 0 ? arg.slice(0, eq) : arg);
    if (eq > 0) {
      flags.set(arg.slice(0, eq), arg.slice(eq + 1));
    } else if (i + 1 < argv.length && !(argv[i + 1] ?? '').startsWith('--')) {
      flags.set(arg, argv[++i] ?? '');
    } else {
      flags.set(arg, 'true');
      bare.add(arg);
    }
  }
  return { flags, positionals, bare, repeated };
}

export const repeatedFlag = (flag: string): string => `flag ${flag} is given more than once: give it once`;

function range(spec: OptionSpec): string {
  // Every integer has an upper bound, the largest JavaScript counts exactly when no smaller one is set.
  const max = spec.max ?? Number.MAX_SAFE_INTEGER;
  return spec.min !== undefined ? ` >= ${spec.min} and <= ${max}` : ` <= ${max}`;
}

function describe(spec: OptionSpec): string {
  switch (spec.type) {
    case 'int':
      return `an integer${range(spec)}`;
    case 'bool':
      return 'true or false (or 1 or 0)';
    case 'enum':
      return `one of ${(spec.values ?? []).join(', ')}`;
    case 'list':
      return spec.items === 'int' ? `a comma-separated list of integers${range(spec)}` : 'a comma-separated list';
    case 'url':
      return 'a URL';
    default:
      return nonEmpty(spec) ? 'a non-empty string' : 'a string';
  }
}

/** A string option with a default that is not empty: an empty value is a mistake (a variable left blank), not a setting. */
const nonEmpty = (spec: OptionSpec): boolean => spec.type === 'string' && typeof spec.default === 'string' && spec.default !== '';

function inRange(spec: OptionSpec, n: number): boolean {
  return Number.isSafeInteger(n) && (spec.min === undefined || n >= spec.min) && (spec.max === undefined || n <= spec.max);
}

function coerce(spec: OptionSpec, raw: unknown, source: string): unknown {
  const fail = (): never => {
    // A number or boolean from a config file is shown as written (47301.5), other JSON by its kind.
    const shown = spec.secret ? '"***"' : typeof raw === 'string' || typeof raw === 'number' || typeof raw === 'boolean' ? JSON.stringify(raw) : Array.isArray(raw) ? 'an array' : typeof raw;
    throw new ConfigError(`invalid ${spec.env} (${source}): expected ${describe(spec)}, got ${shown}`);
  };
  if (raw === null) return spec.default === null ? null : fail();
  // A value left blank (empty, or spaces only) sets nothing: the option stays unset where it has no
  // default, empty where its default is empty, and is refused where it has any other default (a
  // variable left blank is a mistake). A list's empty value is a value, the empty list.
  if (typeof raw === 'string' && raw.trim() === '' && spec.type !== 'list') {
    if (spec.default === null || spec.default === '') return spec.default;
    return SPELLED_OUT_EMPTY.has(spec.key) ? '' : fail();
  }
  switch (spec.type) {
    case 'int': {
      const n = typeof raw === 'number' ? raw : typeof raw === 'string' && /^-?\d+$/.test(raw.trim()) ? Number(raw) : NaN;
      return inRange(spec, n) ? n : fail();
    }
    case 'bool':
      if (typeof raw === 'boolean') return raw;
      if (raw === 'true' || raw === '1') return true;
      if (raw === 'false' || raw === '0') return false;
      return fail();
    case 'enum':
      return typeof raw === 'string' && spec.values?.includes(raw) ? raw : fail();
    case 'list': {
      // An empty value is the empty list; an empty entry (`a,,b`, a trailing comma) is a typo, not nothing.
      const list: readonly string[] = Array.isArray(raw) && raw.every((v) => typeof v === 'string') ? (raw as string[]) : typeof raw === 'string' ? (raw.trim() === '' ? [] : raw.split(',').map((s) => s.trim())) : fail();
      if (list.some((e) => e.trim() === '')) return fail();
      // Entries are kept as written; unsigned digits only, so whoever converts them agrees with this check.
      if (spec.items === 'int' && !list.every((e) => /^\d+$/.test(e) && inRange(spec, Number(e)))) return fail();
      return list;
    }
    case 'url': {
      if (typeof raw !== 'string') return fail();
      try {
        new URL(raw);
      } catch {
        return fail();
      }
      return raw.replace(/\/+$/, '');
    }
    default:
      return typeof raw === 'string' ? raw : fail();
  }
}

/** Options whose empty value has a message of its own, checked once every source is read. */
const SPELLED_OUT_EMPTY: ReadonlySet<string> = new Set(['host', 'dataDir']);

/** A DNS name: dot-separated labels of letters, digits and inner hyphens (RFC 1123). */
const HOST_NAME = /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

function readConfigFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new ConfigError(`cannot read config file ${path}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new ConfigError(`config file ${path} is not valid JSON`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ConfigError(`config file ${path} must hold a JSON object`);
  }
  const known = new Set<string>(OPTIONS.map((o) => o.key));
  for (const key of Object.keys(parsed)) {
    if (!known.has(key)) throw new ConfigError(`unknown option "${key}" in config file ${path}`);
  }
  return parsed as Record<string, unknown>;
}

export function loadConfig(sources: ConfigSources = {}): Config {
  const env = sources.env ?? process.env;
  const { flags, bare, repeated } = parseArgs(sources.argv ?? []);
  const [twice] = repeated;
  if (twice !== undefined) throw new ConfigError(repeatedFlag(twice));
  if (bare.has('--config')) throw new ConfigError('flag --config needs a value: the path of a JSON file');
  const configPath = flags.get('--config') ?? env.CAPSTAN_CONFIG;
  const file = configPath ? readConfigFile(configPath) : {};
  const known = new Set<string>(['--config', ...OPTIONS.map((o) => o.flag)]);
  for (const flag of flags.keys()) {
    if (!known.has(flag)) throw new ConfigError(`unknown flag ${flag}`);
  }
  const out: Record<string, unknown> = {};
  for (const spec of OPTIONS) {
    let value: unknown = spec.default;
    const fromEnv = env[spec.env];
    if (fromEnv !== undefined) value = coerce(spec, fromEnv, 'environment');
    if (spec.key in file) value = coerce(spec, file[spec.key], 'config file');
    const fromFlag = flags.get(spec.flag);
    // `--admin-token` with its value forgotten (or lost to an empty shell variable) is not the token "true".
    if (bare.has(spec.flag) && spec.type !== 'bool') throw new ConfigError(`flag ${spec.flag} needs a value: expected ${describe(spec)}`);
    if (fromFlag !== undefined) value = coerce(spec, fromFlag, `flag ${spec.flag}`);
    const override = sources.overrides?.[spec.key as keyof Config];
    if (override !== undefined) value = coerce(spec, override, 'override');
    out[spec.key] = value;
  }
  if (typeof out.tokenSecret === 'string' && out.tokenSecret.length < 32) {
    throw new ConfigError('invalid CAPSTAN_TOKEN_SECRET: expected at least 32 characters');
  }
  if (typeof out.blobS3KeyPrefix === 'string' && !validKeyPrefix(out.blobS3KeyPrefix)) {
    throw new ConfigError(`invalid CAPSTAN_S3_KEY_PREFIX ${JSON.stringify(out.blobS3KeyPrefix)}: expected empty, or up to 256 bytes ending in "/" without a leading "/", "//" or control characters`);
  }
  // A URL of another scheme would not pick another store: it would quietly run on the local SQLite file.
  const databaseUrl = out.databaseUrl as string | null;
  if (databaseUrl !== null && /^postgres(ql)?:\/\/./.test(databaseUrl) && !URL.canParse(databaseUrl)) {
    // The authority's port is the usual slip; the value itself is not shown, as it may hold a password.
    const port = /^[^:]+:\/\/(?:[^@/]*@)?(?:\[[^\]]*\]|[^:/?#]*):([^/?#]*)/.exec(databaseUrl)?.[1];
    const why = port !== undefined && !(/^\d+$/.test(port) && Number(port) <= 65535) ? `its port ${JSON.stringify(port)} is not a number from 0 to 65535` : 'it does not parse as a URL';
    throw new ConfigError(`invalid CAPSTAN_DATABASE_URL: ${why}`);
  }
  if (databaseUrl !== null && !/^postgres(ql)?:\/\/./.test(databaseUrl) && !/^sqlite:./.test(databaseUrl)) {
    throw new ConfigError('invalid CAPSTAN_DATABASE_URL: expected a postgres:// (or postgresql://) URL, or sqlite:<path>');
  }
  // These are fetched over HTTP (or handed to browsers): another scheme would only fail later, elsewhere.
  for (const spec of OPTIONS) {
    const value = out[spec.key];
    if (spec.type === 'url' && spec.key !== 'redisUrl' && typeof value === 'string' && !/^https?:\/\//i.test(value)) {
      throw new ConfigError(`invalid ${spec.env}: expected an http:// or https:// URL, got a ${value.split(':')[0] ?? ''}: one`);
    }
  }
  // A heartbeat is what keeps a quiet stream from counting as idle: one that comes later than the idle timeout closes every quiet stream.
  if (out.realtimeHeartbeatMs !== 0 && (out.realtimeHeartbeatMs as number) >= (out.realtimeIdleTimeoutMs as number)) {
    throw new ConfigError(`invalid CAPSTAN_REALTIME_HEARTBEAT_MS ${String(out.realtimeHeartbeatMs)}: expected below CAPSTAN_REALTIME_IDLE_TIMEOUT_MS (${String(out.realtimeIdleTimeoutMs)}), or 0 for no heartbeat; otherwise every quiet stream is closed as idle`);
  }
  // Paths are appended to it: a query or fragment would swallow them, and credentials would be handed to every client.
  const publicUrl = out.publicUrl as string | null;
  if (publicUrl !== null && (/[?#]/.test(publicUrl) || new URL(publicUrl).username !== '' || new URL(publicUrl).password !== '')) {
    throw new ConfigError('invalid CAPSTAN_PUBLIC_URL: expected the base URL clients reach the server at, scheme://host[:port][/path], without a query, a fragment or user:password@');
  }
  const redisUrl = out.redisUrl as string | null;
  if (redisUrl !== null && !/^rediss?:\/\//.test(redisUrl)) throw new ConfigError('invalid CAPSTAN_REDIS_URL: expected a redis:// or rediss:// URL');
  if (typeof out.host === 'string' && !isIP(out.host) && !HOST_NAME.test(out.host)) throw new ConfigError(`invalid CAPSTAN_HOST ${JSON.stringify(out.host)}: expected an address to bind, e.g. 127.0.0.1, :: or a host name, or 0.0.0.0 for every interface`);
  // The kernel lets a TCP server bind these, but no client can reach it there.
  if (typeof out.host === 'string' && isGroupAddress(out.host)) throw new ConfigError(`invalid CAPSTAN_HOST ${JSON.stringify(out.host)}: a broadcast or multicast address, which no client can connect to; expected an address of this machine, e.g. 127.0.0.1, or 0.0.0.0 for every interface`);
  if (out.dataDir === '') throw new ConfigError('invalid CAPSTAN_DATA_DIR: expected a directory path');
  const consoleOrigins = out.consoleOrigins as readonly string[];
  const badConsoleOrigin = consoleOrigins.find((entry) => canonicalOrigin(entry) === undefined);
  if (badConsoleOrigin !== undefined) {
    throw new ConfigError(`invalid CAPSTAN_CONSOLE_ORIGINS entry ${JSON.stringify(badConsoleOrigin)}: expected origins as browsers send them, scheme://host[:port] without a path, e.g. https://ops.example.com`);
  }
  out.consoleOrigins = consoleOrigins.map((entry) => canonicalOrigin(entry) ?? entry);
  const corsOrigins = out.corsOrigins as readonly string[];
  const uncorsable = corsOrigins.find((entry) => entry !== '*' && canonicalOrigin(entry) === undefined);
  if (uncorsable !== undefined) {
    throw new ConfigError(`invalid CAPSTAN_CORS_ORIGINS entry ${JSON.stringify(uncorsable)}: expected * or origins as browsers send them, scheme://host[:port] without a path, e.g. https://app.example.com`);
  }
  out.corsOrigins = corsOrigins.map((entry) => (entry === '*' ? entry : (canonicalOrigin(entry) ?? entry)));
  const untrustable = (out.trustProxy as readonly string[]).find((entry) => !isAddressRange(entry));
  if (untrustable !== undefined) {
    throw new ConfigError(`invalid CAPSTAN_TRUST_PROXY entry ${JSON.stringify(untrustable)}: expected IP addresses or CIDR ranges, e.g. 127.0.0.1,10.0.0.0/8`);
  }
  const unfetchable = (out.fetchAllowHosts as readonly string[]).find((entry) => !isAllowEntry(entry));
  if (unfetchable !== undefined) {
    throw new ConfigError(`invalid CAPSTAN_FETCH_ALLOW_HOSTS entry ${JSON.stringify(unfetchable)}: expected IP addresses, CIDR ranges or host names, e.g. 127.0.0.1,10.0.0.0/8,localhost`);
  }
  return Object.freeze(out) as Config;
}

/**
 * What a serving node needs beyond valid values. In scaled mode any node may process what another
 * stored, so blobs must live where every node reads them: S3, or a data directory the operator says
 * is shared. Commands that serve nothing (config, migrate, admin) do not need it.
 */
export function checkServeConfig(config: Config, nodeEnv = process.env.NODE_ENV): void {
  const scaled = (config.databaseUrl !== null && /^postgres(ql)?:\/\//.test(config.databaseUrl)) || config.redisUrl !== null;
  if (scaled && config.blobS3Bucket === null && !config.sharedDataDir) {
    throw new ConfigError('scaled mode (CAPSTAN_DATABASE_URL postgres or CAPSTAN_REDIS_URL) needs CAPSTAN_S3_BUCKET, or CAPSTAN_SHARED_DATA_DIR=true when every node shares CAPSTAN_DATA_DIR: a file stored on one node\'s disk is missing on the node that processes it');
  }
  // A header carries visible ASCII only (HTTP strips the spaces around a value): a token with spaces,
  // tabs or other characters could never be sent, leaving an admin API nobody can reach.
  if (config.adminToken !== null && !/^[\x21-\x7e]+$/.test(config.adminToken)) {
    throw new ConfigError('CAPSTAN_ADMIN_TOKEN holds spaces or characters an Authorization header cannot carry (a stray space in an .env file?): use visible ASCII only, such as openssl rand -hex 32 makes');
  }
  if (shortAdminToken(config) && (scaled || nodeEnv === 'production')) {
    throw new ConfigError(`CAPSTAN_ADMIN_TOKEN is shorter than ${MIN_ADMIN_TOKEN_LENGTH} characters: in production and scaled mode the admin API needs a long random token (openssl rand -hex 32 makes one)`);
  }
}

/**
 * The admin token opens every organization's keys and credits, and it is compared whole: a short one
 * is guessed. Production and scaled nodes refuse it; a development node takes it with a warning.
 */
const MIN_ADMIN_TOKEN_LENGTH = 16;

export function shortAdminToken(config: Config): boolean {
  return config.adminToken !== null && config.adminToken.length < MIN_ADMIN_TOKEN_LENGTH;
}

/** The blob store's own rule (blobs/rules.ts), checked here so a bad prefix stops the start like any bad option. */
function validKeyPrefix(prefix: string): boolean {
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
  return prefix === '' || (Buffer.byteLength(prefix) <= 256 && prefix.endsWith('/') && !prefix.startsWith('/') && !prefix.includes('//') && !/[\u0000-\u001f\u007f]/.test(prefix));
}

/** The resolved configuration for display, with every secret masked. */
export function maskedConfig(config: Config): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const spec of OPTIONS) {
    const value = config[spec.key];
    if ('secret' in spec && spec.secret && value !== null) out[spec.key] = maskSecret(spec.key, value);
    // Any URL may carry a password or a key (a transcriber's https://user:pass@…).
    else out[spec.key] = spec.type === 'url' && typeof value === 'string' ? (maskUrl(value) ?? value) : value;
  }
  return out;
}

function maskSecret(key: string, value: unknown): string {
  if (key === 'databaseUrl' || key === 'redisUrl') return maskUrl(String(value)) ?? '***';
  return '***';
}

/** Query parameters that carry credentials (libpq's `password`, a signed URL's key or token). */
const SECRET_PARAMS = /pass|secret|token|key|sig|auth|credential/i;

/** A URL with its password and credential-bearing query values masked; undefined when it does not parse. */
function maskUrl(text: string): string | undefined {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return undefined;
  }
  if (url.password) url.password = '***';
  for (const name of [...url.searchParams.keys()]) if (SECRET_PARAMS.test(name)) url.searchParams.set(name, '***');
  return url.toString().replaceAll('%2A%2A%2A', '***');
}

/**
 * The path under which clients reach Capstan: CAPSTAN_PUBLIC_URL's path without its trailing slash
 * ('' at the root, or when unset). Relative URLs in answers start with it, so that a client resolving
 * them against the public URL (as the seeds say to) stays under a proxy's path prefix.
 */
export function publicPathPrefix(config: Pick<Config, 'publicUrl'>): string {
  return config.publicUrl === null ? '' : new URL(config.publicUrl).pathname.replace(/\/+$/, '');
}

/** IPv4 broadcast or multicast (224.0.0.0/4), IPv6 multicast (ff00::/8), also IPv4-mapped. */
function isGroupAddress(host: string): boolean {
  const v4 = isIP(host) === 4 ? host : /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(host)?.[1];
  if (v4 !== undefined) {
    const first = Number(v4.split('.')[0]);
    return v4 === '255.255.255.255' || (first >= 224 && first <= 239);
  }
  return isIP(host) === 6 && /^ff/i.test(host);
}
