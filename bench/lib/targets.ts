// Servers under test: Capstan itself (the real CLI, fresh data directory) and the baselines in
// bench/servers/. Each starts as its own bounded process and says how to subscribe and how to publish.
import { randomBytes } from 'node:crypto';
import type { ClientKind, PayloadField } from '../clients/protocol.js';
import { makeOrg, startCapstanProcess } from './capstan-process.js';
import type { NchanAvailability } from './nchan.js';
import { startNchan } from './nchan-target.js';
import { freePort } from './net.js';
import { waitUntilServing } from './serving.js';
import { baseEnv, type Child, type ProcessGroup } from './processes.js';
import { capstanEntry, harnessProgram } from './programs.js';
import type { PublishTarget } from './publisher.js';
import { tempDir } from './temp-dir.js';

export type TargetName = 'capstan' | 'capstan-ws' | 'raw-sse-batched' | 'raw-sse' | 'raw-ws' | 'socketio' | 'nchan' | 'nchan-workers';

export const TARGET_NAMES: readonly TargetName[] = ['capstan', 'capstan-ws', 'raw-sse-batched', 'raw-sse', 'raw-ws', 'socketio', 'nchan', 'nchan-workers'];

/** Targets that need packages from outside the repository (and may be missing). */
export const isNchan = (name: TargetName): name is 'nchan' | 'nchan-workers' => name === 'nchan' || name === 'nchan-workers';

export const TARGET_LABELS: Readonly<Record<TargetName, string>> = {
  capstan: 'Capstan (hub SSE)',
  'capstan-ws': 'Capstan (organizer WebSocket)',
  'raw-sse-batched': 'raw node:http SSE, batched (ceiling)',
  'raw-sse': 'raw node:http SSE, naive',
  'raw-ws': 'raw ws',
  socketio: 'Socket.IO',
  nchan: 'Nchan (nginx, 1 worker)',
  'nchan-workers': 'Nchan (nginx, 1 worker per core)',
};

export interface TargetOptions {
  readonly root: string;
  /** Connections the server must hold (sets its descriptor limit and Capstan's per-contact limit). */
  readonly subscribers: number;
  readonly lifetimeSec: number;
  /** Node flags for the server process, e.g. --cpu-prof. */
  readonly nodeFlags?: readonly string[];
  /** Capstan: how many contacts share the streams. */
  readonly contacts?: number;
  /** Capstan: contacts of the connect warm-up, apart from the measured ones (0 or absent: none). */
  readonly warmupContacts?: number;
  /** Capstan: the directory to build and run it from (the repository, or a pinned revision). */
  readonly capstanDir?: string;
  /** Nchan targets: the nginx binary and module the setup script found. */
  readonly nchan?: NchanAvailability;
}

export interface RunningTarget {
  readonly name: TargetName;
  readonly child: Child;
  readonly subscribe: {
    readonly kind: ClientKind;
    /** `{connection}` in it becomes a unique id per connection. */
    readonly url: string;
    readonly headerSets?: readonly Record<string, string>[];
    readonly eventName: string;
    readonly payloadIn?: PayloadField;
  };
  /**
   * How the connect warm-up subscribes, where it differs from `subscribe`: Capstan's uses contacts of
   * its own, so the measured connects still verify their tokens and load their members themselves.
   */
  readonly warmupSubscribe?: RunningTarget['subscribe'];
  readonly publish: PublishTarget;
  /** The end of the server's own log, where it keeps one apart from its output (nginx's error log). */
  serverLog?(): string;
  stop(): Promise<void>;
}

const EVENT = 'test.ping';

async function startBaseline(name: Exclude<TargetName, 'capstan' | 'capstan-ws' | 'nchan' | 'nchan-workers'>, group: ProcessGroup, o: TargetOptions): Promise<RunningTarget> {
  const child = group.spawn({
    name,
    nodeArgs: [...(o.nodeFlags ?? []), harnessProgram(o.root, `bench/servers/${name}.ts`)],
    env: { ...baseEnv(), PORT: '0' },
    cwd: o.root,
    fds: o.subscribers + 256,
    lifetimeSec: o.lifetimeSec,
  });
  const port = Number((await child.waitForLine(/^LISTENING (\d+)/, 20_000))[1]);
  const base = `127.0.0.1:${port}`;
  const subscribe =
    name === 'raw-sse' || name === 'raw-sse-batched' ? { kind: 'sse' as const, url: `http://${base}/events`, eventName: EVENT }
    : name === 'raw-ws' ? { kind: 'ws' as const, url: `ws://${base}/ws`, eventName: EVENT }
    : { kind: 'socketio' as const, url: `http://${base}`, eventName: EVENT };
  return {
    name,
    child,
    subscribe,
    publish: { origin: `http://${base}`, path: '/publish', headers: {}, body: (data) => JSON.stringify({ type: EVENT, data }) },
    stop: () => group.stop(child, 2000),
  };
}

async function startCapstan(group: ProcessGroup, o: TargetOptions): Promise<RunningTarget> {
  const dataDir = tempDir('capstan-bench-');
  const adminToken = randomBytes(24).toString('hex');
  const contacts = Math.max(1, Math.min(o.contacts ?? 50, o.subscribers));
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const child = group.spawn({
    name: 'capstan',
    nodeArgs: [...(o.nodeFlags ?? []), capstanEntry(o.capstanDir ?? o.root), 'serve'],
    env: {
      ...baseEnv(),
      PORT: String(port),
      CAPSTAN_HOST: '127.0.0.1',
      CAPSTAN_DATA_DIR: dataDir.path,
      CAPSTAN_ADMIN_TOKEN: adminToken,
      CAPSTAN_LOG_LEVEL: 'warn',
      CAPSTAN_RATE_LIMIT_PER_MINUTE: '0',
      // Every load client connects from this machine's one address.
      CAPSTAN_HTTP_MAX_CONNECTIONS_PER_ADDRESS: '0',
      CAPSTAN_DEV_CREDENTIALS: 'false',
      // Load clients hand tokens out round robin per process, so a contact may get a few more than its share.
      CAPSTAN_REALTIME_MAX_STREAMS_PER_CONTACT: String(Math.ceil(o.subscribers / contacts) + 64),
    },
    cwd: o.capstanDir ?? o.root,
    fds: o.subscribers + 256,
    lifetimeSec: o.lifetimeSec,
  });
  const stop = async () => {
    // A graceful stop lets --cpu-prof write its profile; the group is killed after the grace time anyway.
    await group.stop(child, 10_000);
    dataDir.remove();
  };
  try {
    await waitUntilServing(child, `${origin}/healthz`, 30_000);
    const admin = async (path: string, body: unknown): Promise<Record<string, unknown>> => {
      const res = await fetch(`${origin}/admin/v1${path}`, { method: 'POST', headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
      const json = (await res.json()) as Record<string, unknown>;
      if (!res.ok) throw new Error(`POST ${path}: ${res.status} ${JSON.stringify(json)}`);
      return json;
    };
    const org = (await admin('/orgs', { name: 'bench' })).id as string;
    const hub = (await admin(`/orgs/${org}/hubs`, { name: 'bench hub' })).id as string;
    const memberTokens = async (count: number, name: string): Promise<Record<string, string>[]> => {
      const headerSets: Record<string, string>[] = [];
      for (let i = 0; i < count; i++) {
        const contact = (await admin(`/hubs/${hub}/contacts`, { name: `${name} ${i}` })).id as string;
        const token = (await admin(`/hubs/${hub}/contacts/${contact}/tokens`, { ttl_seconds: 3600 })).access_token as string;
        headerSets.push({ authorization: `Bearer ${token}` });
      }
      return headerSets;
    };
    const url = `${origin}/realtime/events?hub_id=${hub}`;
    const headerSets = await memberTokens(contacts, 'member');
    const warmupContacts = Math.max(0, Math.min(o.warmupContacts ?? 0, contacts));
    return {
      name: 'capstan',
      child,
      subscribe: { kind: 'sse', url, headerSets, eventName: EVENT },
      ...(warmupContacts > 0 ? { warmupSubscribe: { kind: 'sse' as const, url, headerSets: await memberTokens(warmupContacts, 'warm-up member'), eventName: EVENT } } : {}),
      publish: { origin, path: `/admin/v1/hubs/${hub}/events`, headers: { authorization: `Bearer ${adminToken}` }, body: (data) => JSON.stringify({ type: EVENT, data }) },
      stop,
    };
  } catch (e) {
    await stop();
    throw new Error(`${e instanceof Error ? e.message : String(e)}\ncapstan output:\n${child.output()}`);
  }
}

/**
 * Capstan's WebSocket fan-out. Of its two sockets, only the organizer one (/api/v1/ws/{client_id},
 * the organization API key as ?token=) hands one event to every connection: each connection gets every
 * organizer event of the organization. The documents socket (/ws/status) forwards only
 * `document.status` events of the documents it follows, and a document changes status only while it
 * is processed, so each event there would cost an upload and its processing. Hub events (the SSE row)
 * go to the hub topic, which no socket reads. So one event here is one rename of a file the org owns
 * (PATCH /api/v1/files/{id}: a read, an update and the durable event append in one transaction, where
 * the hub publish is the append alone); the new name is the benchmark payload as JSON text, which each
 * socket receives as the `name` of a file_updated message (the old name rides along as previousName).
 * Each connection needs its own client_id; all share the one key, whose stream budget is raised.
 */
async function startCapstanWs(group: ProcessGroup, o: TargetOptions): Promise<RunningTarget> {
  const cap = await startCapstanProcess(group, {
    dir: o.capstanDir ?? o.root,
    name: 'capstan-ws',
    env: { CAPSTAN_REALTIME_MAX_STREAMS_PER_KEY: String(o.subscribers + 64) },
    fds: o.subscribers + 256,
    lifetimeSec: o.lifetimeSec,
    nodeFlags: o.nodeFlags,
  });
  try {
    const org = await makeOrg(cap);
    const auth = { authorization: `Bearer ${org.apiKey}` };
    const res = await fetch(`${cap.origin}/api/v1/files`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'bench.txt', content_base64: Buffer.from('fan-out\n').toString('base64') }),
    });
    const uploaded = (await res.json()) as { files?: { fileId: string }[] };
    const fileId = uploaded.files?.[0]?.fileId;
    if (res.status !== 201 || !fileId) throw new Error(`POST /api/v1/files: ${res.status} ${JSON.stringify(uploaded)}`);
    return {
      name: 'capstan-ws',
      child: cap.child,
      subscribe: { kind: 'ws', url: `${cap.origin.replace(/^http/, 'ws')}/api/v1/ws/bench-{connection}?token=${encodeURIComponent(org.apiKey)}`, eventName: EVENT, payloadIn: 'name' },
      publish: { origin: cap.origin, path: `/api/v1/files/${fileId}`, method: 'PATCH', headers: auth, body: (data) => JSON.stringify({ name: JSON.stringify(data) }) },
      stop: () => cap.stop(),
    };
  } catch (e) {
    await cap.stop();
    throw new Error(`${e instanceof Error ? e.message : String(e)}\ncapstan output:\n${cap.child.output()}`);
  }
}

export function startTarget(name: TargetName, group: ProcessGroup, options: TargetOptions): Promise<RunningTarget> {
  if (isNchan(name)) {
    const nchan = options.nchan;
    if (!nchan?.ok) return Promise.reject(new Error(`${name}: ${nchan ? nchan.reason : 'nginx with the Nchan module was not looked for'}`));
    return startNchan(name, group, options, nchan);
  }
  if (name === 'capstan') return startCapstan(group, options);
  return name === 'capstan-ws' ? startCapstanWs(group, options) : startBaseline(name, group, options);
}
