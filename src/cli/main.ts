#!/usr/bin/env node
// `capstan serve | migrate | config | backup <file> | admin … | help | version`. Exit codes: 0 ok, 1 operation failed, 2 bad configuration or usage
// (an admin command's missing or malformed flag included).
import { checkServeConfig, ConfigError, loadConfig, maskedConfig, OPTIONS, parseArgs, repeatedFlag, shortAdminToken, type Config } from '../config/index.js';
import { AppError } from '../http/index.js';
import { ADMIN_USAGE } from './admin-usage.js';
import { explainStartFailure, listenRefusal } from './start-failure.js';
import { UsageError } from './usage-error.js';

const USAGE = `usage: capstan [serve] | migrate | config | backup <file> | admin <resource> <action> [--flags] | help (-h, --help) | version (--version)
Configuration flags (any command, each at most once): --config file.json ${OPTIONS.map((o) => o.flag).join(' ')}

${ADMIN_USAGE}`;

const CONFIG_FLAGS = new Set<string>(['--config', ...OPTIONS.map((o) => o.flag)]);

/** The words each command takes after its name: backup's file, admin's resource and action, none for the others. */
const COMMAND_WORDS: Readonly<Record<string, number>> = { serve: 0, migrate: 0, config: 0, backup: 1, admin: 2 };

function splitArgs(argv: readonly string[]) {
  const { flags, positionals, bare, repeated } = parseArgs(argv);
  const configArgv: string[] = [];
  const own = new Map<string, string>();
  for (const [k, v] of flags) {
    // A bare flag stays bare, so that loading the configuration can tell it from the value "true".
    if (CONFIG_FLAGS.has(k)) configArgv.push(bare.has(k) ? k : `${k}=${v}`);
    else own.set(k, v);
  }
  return { configArgv, own, positionals, repeated };
}

function print(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + '\n');
}

// The server (and its document pipeline) is loaded only by the commands that need it, so
// `capstan config` and `capstan admin` start fast.
async function serve(config: Config): Promise<void> {
  checkServeConfig(config);
  // Before storage is opened: a host that cannot be bound, or a PORT another process holds, leaves no
  // data directory, database or demo credentials behind.
  await checkBindable(config.host, config.port);
  const { createServerWhenReachable } = await import('../server/index.js');
  const { createLogger } = await import('../http/index.js');
  const { installSignalHandlers } = await import('./signals.js');
  const server = await createServerWhenReachable(config, createLogger(config.logLevel));
  try {
    await server.listen();
  } catch (e) {
    const refusal = listenRefusal(config.host, config.port, e);
    if (refusal) {
      await server.close();
      throw refusal;
    }
    throw e;
  }
  if (shortAdminToken(config)) server.ctx.logger.warn('CAPSTAN_ADMIN_TOKEN is shorter than 16 characters: fine on your own machine, refused in production and scaled mode; use a long random token (openssl rand -hex 32)');
  if (server.devCredentialsPath) process.stdout.write(`Demo credentials written to ${server.devCredentialsPath}\n`);
  installSignalHandlers(server.ctx.logger, () => server.close());
}

/**
 * What `serve` checks of the configuration beyond its values, for `capstan config`: the files and
 * programs it names (rules, ffmpeg, the transcriber), the data directory it makes and the database
 * file it opens, and a host that can be bound (on a free port, let go at once). Nothing is opened or
 * written: what serve would stop on is found by looking.
 */
async function checkServeReferences(config: Config): Promise<void> {
  const { configuredParts } = await import('../server/configured-parts.js');
  const { createLogger } = await import('../http/index.js');
  await configuredParts(config, createLogger('silent'));
  const { checkPrivateDir } = await import('../util/private-files.js');
  const { localBlobRoot } = await import('../blobs/index.js');
  const { checkSqliteFile, driverFor } = await import('../storage/index.js');
  // In serve's order: the data directory, its blobs folder, then the database file.
  checkPrivateDir(config.dataDir);
  const blobRoot = localBlobRoot({ dataDir: config.dataDir, s3Bucket: config.blobS3Bucket });
  if (blobRoot !== undefined) checkPrivateDir(blobRoot);
  if (driverFor(config.databaseUrl) === 'sqlite') checkSqliteFile(config.databaseUrl, config.dataDir);
  // The host only, on a free port: the configured one may well be held by the server this checks.
  await checkBindable(config.host, 0);
}

/**
 * Binds `port` (0: a free one) on `host` and lets go at once: a host or port that cannot be bound
 * stops the start before anything is made. Once closed, the port is free for the server's own bind:
 * a connection the kernel queued meanwhile is reset, and Node binds with SO_REUSEADDR, so nothing the
 * probe leaves lingering blocks it. Should another process take the port in between, the server's
 * bind fails as before and is told the same.
 */
async function checkBindable(host: string, port: number): Promise<void> {
  const { createServer } = await import('node:net');
  const probe = createServer();
  try {
    await new Promise<void>((resolve, reject) => {
      probe.once('error', reject);
      probe.listen(port, host, resolve);
    });
  } catch (e) {
    throw listenRefusal(host, port, e) ?? e;
  } finally {
    await new Promise<void>((resolve) => probe.close(() => resolve()));
  }
}

/** serve, migrate, config and backup take configuration flags only: any other is a typo, not something to ignore. */
function refuseOwnFlags(own: ReadonlyMap<string, string>): void {
  const [first] = own.keys();
  if (first !== undefined) throw new ConfigError(`unknown flag ${first}; try capstan help`);
}

async function main(argv: readonly string[]): Promise<void> {
  const { configArgv, own, positionals, repeated } = splitArgs(argv);
  const [command = 'serve', ...rest] = positionals;
  if (own.has('--help') || positionals.includes('-h') || command === 'help') {
    process.stdout.write(USAGE + '\n');
    return;
  }
  if (own.has('--version') || command === 'version') {
    process.stdout.write(`capstan ${(await import('../util/version.js')).VERSION}\n`);
    return;
  }
  const words = COMMAND_WORDS[command];
  if (words === undefined) throw new ConfigError(`unknown command ${JSON.stringify(command)}; try capstan help`);
  // An admin command's own words are its usage, answered as JSON like its other usage errors.
  const misuse = (message: string) => (command === 'admin' ? new UsageError(message) : new ConfigError(message));
  const [twice] = repeated;
  if (twice !== undefined) throw CONFIG_FLAGS.has(twice) ? new ConfigError(repeatedFlag(twice)) : misuse(repeatedFlag(twice));
  // A stray word is a value whose flag was forgotten, or a quoting slip: running without it would guess.
  if (rest.length > words) throw misuse(`unexpected argument ${JSON.stringify(rest[words])} after capstan ${[command, ...rest.slice(0, words)].join(' ')}; try capstan help`);
  const config = loadConfig({ argv: configArgv });
  try {
    await run(command, rest, own, config);
  } catch (e) {
    throw (await explainStartFailure(config, e)) ?? e;
  }
}

async function run(command: string, rest: readonly string[], own: ReadonlyMap<string, string>, config: Config): Promise<void> {
  switch (command) {
    case 'serve':
      refuseOwnFlags(own);
      return serve(config);
    case 'migrate': {
      refuseOwnFlags(own);
      const { openStorage, storageOptionsOf } = await import('../storage/index.js');
      const storage = openStorage(config.databaseUrl, config.dataDir, storageOptionsOf(config));
      try {
        print({ storage: storage.location, ...(await storage.migrate()) });
      } finally {
        await storage.close();
      }
      return;
    }
    case 'config':
      refuseOwnFlags(own);
      // What serve would refuse is refused here too, so that `capstan config` checks a deployment's settings.
      checkServeConfig(config);
      await checkServeReferences(config);
      print(maskedConfig(config));
      return;
    case 'backup':
      refuseOwnFlags(own);
      print((await import('./backup.js')).runBackup(config, rest[0]));
      return;
    case 'admin':
      print(await (await import('./admin.js')).runAdmin(config, rest, own));
      return;
  }
}

main(process.argv.slice(2)).catch((e: unknown) => {
  if (e instanceof ConfigError) {
    process.stderr.write(`capstan: ${e.message}\n`);
    process.exit(2);
  }
  if (e instanceof AppError) {
    process.stderr.write(JSON.stringify(e.toBody()) + '\n');
    // A missing or malformed flag of an admin command is bad usage (2); an operation that refused,
    // even with invalid_request (a balance that would go below zero), failed (1).
    process.exit(e instanceof UsageError ? 2 : 1);
  }
  process.stderr.write(`capstan: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
