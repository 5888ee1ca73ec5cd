// The run's own PostgreSQL: a throwaway cluster made with the machine's binaries (initdb, pg_ctl) on a
// free loopback port, so it can be restarted and crashed without touching the shared server other
// tests use. PostgreSQL refuses to run as root, so as root the cluster belongs to the `postgres` user.
// Without binaries or that user, the run falls back to a fresh database on the shared server and
// "restarts" it by terminating that database's backends (the report says which).
import { execFile, execFileSync } from 'node:child_process';
import { chownSync, existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { freePort, pollUntil, portOpen, sleep } from '../lib/net.js';
import { onExitCleanup } from '../lib/processes.js';
import { tempDir, type TempDir } from '../lib/temp-dir.js';

export type PostgresStop = 'fast' | 'crash';

export interface PostgresService {
  readonly mode: 'private' | 'shared';
  /** Connection string of the database the nodes use. */
  readonly url: string;
  /** One line for the report: what this PostgreSQL is and how its faults are made. */
  readonly description: string;
  /** `fast`: pg_ctl stop -m fast (sessions are ended cleanly). `crash`: kill -9 the postmaster. */
  down(kind: PostgresStop): Promise<void>;
  /** Starts it again (crash recovery replays the WAL after a kill); a no-op while it runs. */
  up(): Promise<void>;
  close(): Promise<void>;
}

const DATABASE = 'capstan';
const SHARED_ADMIN_URL = process.env.CAPSTAN_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

interface Exec {
  readonly code: number;
  readonly output: string;
}

function exec(command: string, args: readonly string[], timeoutMs = 60_000): Promise<Exec> {
  return new Promise((resolve) => {
    execFile(command, [...args], { timeout: timeoutMs }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, output: `${stdout}${stderr}`.trim() });
    });
  });
}

/** The newest installed server's bin directory, or undefined. */
function findBinDir(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root).filter((v) => existsSync(join(root, v, 'bin', 'initdb'))).sort((a, b) => Number(b) - Number(a));
  return versions[0] === undefined ? undefined : join(root, versions[0], 'bin');
}

/** How to run the server binaries: directly, or as `postgres` through runuser when we are root. */
function serverUser(): { wrap: (command: string, args: readonly string[]) => [string, string[]]; uid?: number; gid?: number } | undefined {
  if (process.getuid?.() !== 0) return { wrap: (c, a) => [c, [...a]] };
  try {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    execFileSync('runuser', ['--help'], { stdio: 'ignore' });
    return { wrap: (c, a) => ['runuser', ['-u', 'postgres', '--', c, ...a]], uid, gid };
  } catch {
    return undefined;
  }
}

async function createDatabase(adminUrl: string, name: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${name}`);
  } finally {
    await client.end();
  }
}

export async function startPostgres(): Promise<PostgresService> {
  const bin = findBinDir();
  const user = serverUser();
  if (bin && user) {
    try {
      return await startPrivate(bin, user);
    } catch (e) {
      process.stderr.write(`chaos: private PostgreSQL failed (${e instanceof Error ? e.message.split('\n')[0] : String(e)}); using the shared server\n`);
    }
  }
  return startSharedFallback();
}

async function startPrivate(bin: string, user: NonNullable<ReturnType<typeof serverUser>>): Promise<PostgresService> {
  const dir: TempDir = tempDir('capstan-chaos-pg-');
  const data = join(dir.path, 'data');
  const sockets = join(dir.path, 'sock');
  const logFile = join(dir.path, 'postgres.log');
  execFileSync('mkdir', ['-p', sockets]);
  if (user.uid !== undefined && user.gid !== undefined) {
    chownSync(dir.path, user.uid, user.gid);
    chownSync(sockets, user.uid, user.gid);
  }
  const port = await freePort();
  const run = (tool: string, args: readonly string[], timeoutMs?: number) => {
    const [command, full] = user.wrap(join(bin, tool), args);
    return exec(command, full, timeoutMs);
  };
  const init = await run('initdb', ['-D', data, '-U', 'postgres', '-A', 'trust', '--no-sync', '-E', 'UTF8']);
  if (init.code !== 0) throw new Error(`initdb failed: ${init.output}`);
  // Throwaway cluster, tuned for speed but not at the cost of what a crash test needs. fsync and
  // full-page writes only matter when the machine itself goes down; the WAL a commit wrote reaches the
  // OS either way, so a kill -9 of the postmaster loses nothing that was committed. synchronous_commit
  // stays on: off, a crash drops the last commits still in PostgreSQL's own WAL buffers, and the run
  // would report that lost data (vanished hubs, documents) as Capstan's fault.
  const serverOptions = [
    `-p ${port}`, '-c listen_addresses=127.0.0.1', `-c unix_socket_directories=${sockets}`,
    '-c fsync=off', '-c full_page_writes=off', '-c max_connections=200',
  ].join(' ');
  let postmasterPid: number | undefined;
  const readPid = (): number | undefined => {
    try {
      const pid = Number(readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n')[0]);
      return Number.isInteger(pid) && pid > 0 ? pid : undefined;
    } catch {
      return undefined;
    }
  };
  const start = async () => {
    // After a kill -9 the old backends may still hold shared memory for a moment: retry.
    const deadline = Date.now() + 30_000;
    for (;;) {
      const started = await run('pg_ctl', ['-D', data, '-l', logFile, '-w', '-t', '30', '-o', serverOptions, 'start'], 40_000);
      if (started.code === 0) break;
      if (Date.now() > deadline) throw new Error(`pg_ctl start failed: ${started.output}\n${tailOf(logFile)}`);
      await sleep(200);
    }
    postmasterPid = readPid();
  };
  const unregister = onExitCleanup(() => {
    if (postmasterPid !== undefined) killQuietly(postmasterPid);
  });
  await start();
  const adminUrl = `postgres://postgres@127.0.0.1:${port}/postgres`;
  await createDatabase(adminUrl, DATABASE);
  return {
    mode: 'private',
    url: `postgres://postgres@127.0.0.1:${port}/${DATABASE}`,
    description: `private PostgreSQL cluster (${bin}) on 127.0.0.1:${port}${user.uid !== undefined ? ', run as the postgres user' : ''}`,
    async down(kind) {
      const pid = postmasterPid ?? readPid();
      if (kind === 'fast') {
        const stopped = await run('pg_ctl', ['-D', data, '-m', 'fast', '-w', '-t', '30', 'stop'], 40_000);
        if (stopped.code !== 0) throw new Error(`pg_ctl stop -m fast failed: ${stopped.output}`);
      } else if (pid !== undefined) {
        killQuietly(pid);
      }
      await pollUntil(async () => (!alive(pid) && !(await portOpen(port)) ? true : undefined), 20, 10_000, 'the postmaster to go away');
    },
    async up() {
      if (alive(postmasterPid) && (await portOpen(port))) return;
      await start();
    },
    async close() {
      const stopped = await run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', '-t', '20', 'stop'], 30_000);
      if (stopped.code !== 0 && postmasterPid !== undefined) killQuietly(postmasterPid);
      unregister();
      dir.remove();
    },
  };
}

async function startSharedFallback(): Promise<PostgresService> {
  const name = `capstan_chaos_${randomBytes(5).toString('hex')}`;
  await createDatabase(SHARED_ADMIN_URL, name);
  const url = new URL(SHARED_ADMIN_URL);
  url.pathname = `/${name}`;
  const admin = async (sql: string, params: unknown[] = []) => {
    const client = new pg.Client({ connectionString: SHARED_ADMIN_URL });
    await client.connect();
    try {
      await client.query(sql, params);
    } finally {
      await client.end();
    }
  };
  return {
    mode: 'shared',
    url: url.toString(),
    description: `fresh database ${name} on the shared server (no private cluster possible): a "restart" terminates that database's backends, the server itself keeps running`,
    async down() {
      await admin('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [name]);
    },
    async up() {
      // The shared server never went away.
    },
    async close() {
      await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => undefined);
    },
  };
}

/** Running (a zombie left for a parent that does not reap counts as gone). */
function alive(pid: number | undefined): boolean {
  if (pid === undefined) return false;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

function tailOf(path: string): string {
  try {
    return readFileSync(path, 'utf8').slice(-2000);
  } catch {
    return '';
  }
}
