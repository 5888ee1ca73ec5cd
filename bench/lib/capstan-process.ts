// One real `capstan serve` process for the surface scenarios (documents, videos, organizer, hubs):
// a fresh data directory (or the storage the env names), an admin token, bounded life, and helpers to
// call the admin API and read the process's CPU and memory.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { freePort } from './net.js';
import { baseEnv, mainThreadUsage, processUsage, type Child, type ProcessGroup } from './processes.js';
import { capstanEntry } from './programs.js';
import { waitUntilServing } from './serving.js';
import { tempDir, type TempDir } from './temp-dir.js';

export interface CapstanProcess {
  readonly origin: string;
  readonly child: Child;
  readonly dataDir: string;
  readonly adminToken: string;
  admin(method: string, path: string, body?: unknown): Promise<Record<string, unknown>>;
  /** CPU seconds (user + system) and RSS bytes of the node process. */
  usage(): { cpuSec: number; rssBytes: number };
  /** CPU seconds (user + system) of the node process's main thread: the event loop. */
  mainThreadCpuSec(): number;
  stop(): Promise<void>;
}

export interface CapstanProcessOptions {
  /** Directory to build and run Capstan from (the repository or a pinned revision). */
  readonly dir: string;
  readonly name?: string;
  readonly env?: Readonly<Record<string, string>>;
  readonly fds?: number;
  readonly lifetimeSec: number;
  readonly adminToken?: string;
  readonly nodeFlags?: readonly string[];
}

/** Node flags for `--profile`: Capstan under --cpu-prof, its profiles written to bench/results/profiles/ when it stops. */
export function profileFlags(root: string, on: boolean): readonly string[] {
  return on ? ['--cpu-prof', `--cpu-prof-dir=${join(root, 'bench/results/profiles')}`] : [];
}

export async function startCapstanProcess(group: ProcessGroup, o: CapstanProcessOptions): Promise<CapstanProcess> {
  const data: TempDir = tempDir('capstan-bench-');
  const adminToken = o.adminToken ?? randomBytes(24).toString('hex');
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const child = group.spawn({
    name: o.name ?? 'capstan',
    nodeArgs: [...(o.nodeFlags ?? []), capstanEntry(o.dir), 'serve'],
    env: {
      ...baseEnv(),
      PORT: String(port),
      CAPSTAN_HOST: '127.0.0.1',
      CAPSTAN_DATA_DIR: data.path,
      CAPSTAN_ADMIN_TOKEN: adminToken,
      CAPSTAN_LOG_LEVEL: 'warn',
      CAPSTAN_RATE_LIMIT_PER_MINUTE: '0',
      // Every load client connects from this machine's one address.
      CAPSTAN_HTTP_MAX_CONNECTIONS_PER_ADDRESS: '0',
      CAPSTAN_DEV_CREDENTIALS: 'false',
      ...o.env,
    },
    cwd: o.dir,
    fds: o.fds ?? 1024,
    lifetimeSec: o.lifetimeSec,
  });
  const stop = async () => {
    await group.stop(child, 5_000);
    data.remove();
  };
  try {
    await waitUntilServing(child, `${origin}/healthz`, 60_000);
  } catch (e) {
    await stop();
    throw new Error(`${e instanceof Error ? e.message : String(e)}\ncapstan output:\n${child.output()}`);
  }
  return {
    origin,
    child,
    dataDir: data.path,
    adminToken,
    async admin(method, path, body) {
      const res = await fetch(`${origin}/admin/v1${path}`, {
        method,
        headers: { authorization: `Bearer ${adminToken}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      const json = (text ? JSON.parse(text) : {}) as Record<string, unknown>;
      if (!res.ok) throw new Error(`${method} /admin/v1${path}: ${res.status} ${text.slice(0, 300)}`);
      return json;
    },
    usage() {
      const pid = child.nodePid();
      return (pid === undefined ? undefined : processUsage(pid)) ?? { cpuSec: 0, rssBytes: 0 };
    },
    mainThreadCpuSec() {
      const pid = child.nodePid();
      return (pid === undefined ? undefined : mainThreadUsage(pid))?.cpuSec ?? 0;
    },
    stop,
  };
}

/** An organization with an API key (`capout-api-key`) and plenty of credit. */
export async function makeOrg(cap: Pick<CapstanProcess, 'admin'>, name = 'bench', creditsMicro = 1_000_000_000): Promise<{ id: string; apiKey: string }> {
  const org = await cap.admin('POST', '/orgs', { name, credits_micro: creditsMicro });
  return { id: org.id as string, apiKey: org.api_key as string };
}

export const round = (v: number, digits = 1): number => Math.round(v * 10 ** digits) / 10 ** digits;
export const fmt = (v: number | undefined, digits = 1): string => (v === undefined || !Number.isFinite(v) ? 'n/a' : v.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: 0 }));

/** A bounded poll: calls `check` every `everyMs` until it returns a value or `limitMs` passes. */
export async function pollUntil<T>(check: () => Promise<T | undefined>, everyMs: number, limitMs: number, what: string): Promise<T> {
  const deadline = Date.now() + limitMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${limitMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
