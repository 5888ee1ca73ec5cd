// Starts nginx with the Nchan module as an sse-fanout target: its own process (master and
// `workers` workers) on a free loopback port, configured by bench/lib/nchan.ts.
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import type { ClientKind } from '../clients/protocol.js';
import { freePort } from './net.js';
import { writeNchanConfig, type NchanAvailability } from './nchan.js';
import type { ProcessGroup } from './processes.js';
import { ExitedBeforeReady, waitUntilServing } from './serving.js';
import type { RunningTarget, TargetOptions } from './targets.js';
import { tempDir } from './temp-dir.js';

export type NchanTargetName = 'nchan' | 'nchan-workers';

/** `nchan` runs one worker; `nchan-workers` one per core, as nginx is usually deployed. */
export function nchanWorkers(name: NchanTargetName): number {
  return name === 'nchan' ? 1 : Math.max(1, cpus().length);
}

export async function startNchan(name: NchanTargetName, group: ProcessGroup, o: TargetOptions, nchan: Extract<NchanAvailability, { ok: true }>): Promise<RunningTarget> {
  const prefix = tempDir('capstan-bench-nchan-');
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const args = writeNchanConfig({
    prefix: prefix.path,
    module: nchan.module,
    port,
    workers: nchanWorkers(name),
    connections: o.subscribers + 64,
    // Running as root, nginx would hand its workers to `nobody`; keep them the harness's own.
    user: process.getuid?.() === 0 ? 'root' : undefined,
  });
  const child = group.spawn({ name, command: [nchan.nginx, ...args], cwd: prefix.path, fds: o.subscribers + 512, lifetimeSec: o.lifetimeSec });
  const stop = async () => {
    await group.stop(child, 3000);
    prefix.remove();
  };
  const serverLog = () => {
    try {
      return readFileSync(join(prefix.path, 'error.log'), 'utf8').slice(-8192);
    } catch {
      return child.output();
    }
  };
  try {
    await waitUntilServing(child, `${origin}/healthz`, 20_000);
  } catch (e) {
    // nginx says why it stopped (`[emerg] …`) in its error log, which goes with the prefix.
    const lastLines = (serverLog() || child.output()).trimEnd().split('\n').slice(-10).join('\n');
    await stop();
    if (e instanceof ExitedBeforeReady) throw new Error(`nginx exited (${typeof e.code === 'number' ? `code ${e.code}` : e.code}) before it answered; the last lines of its error log:\n${lastLines}`);
    throw new Error(`${e instanceof Error ? e.message : String(e)}\nnginx error log:\n${lastLines}`);
  }
  const kind: ClientKind = 'sse';
  return {
    name,
    child,
    subscribe: { kind, url: `${origin}/events`, eventName: 'message' },
    // Nchan publishes the request body as the message: the payload itself is the event's data.
    publish: { origin, path: '/publish', headers: {}, body: (payload) => JSON.stringify(payload) },
    serverLog,
    stop,
  };
}
