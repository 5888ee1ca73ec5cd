// Nchan (nginx's pub/sub module) as a baseline written in C: the packages are installed by
// bench/setup/install-nchan.sh when missing, and each run starts its own nginx (own config, prefix,
// pid file and logs in a temporary directory, a free loopback port), never the system's service.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** What the setup script found: the binary and module to run, or why the baseline cannot be measured. */
export type NchanAvailability = { readonly ok: true; readonly nginx: string; readonly module: string; readonly version: string } | { readonly ok: false; readonly reason: string };

/**
 * Runs the setup script (which installs the packages when missing and root may). `env` is handed to
 * the script as it is, so its path overrides (BENCH_NGINX, BENCH_NCHAN_MODULE, BENCH_APT_GET) apply.
 */
export function nchanAvailability(root: string, env: NodeJS.ProcessEnv = process.env): NchanAvailability {
  const script = join(root, 'bench/setup/install-nchan.sh');
  // apt-get update and install take well under a minute here; the bound is for a stuck mirror.
  const run = spawnSync('bash', [script], { env, encoding: 'utf8', timeout: 10 * 60_000 });
  const out = `${run.stdout ?? ''}`;
  const field = (key: string) => out.match(new RegExp(`^${key}=(.+)$`, 'm'))?.[1];
  const nginx = field('NGINX');
  const module = field('MODULE');
  if (run.status === 0 && nginx && module) return { ok: true, nginx, module, version: field('VERSION')?.trim() ?? 'unknown' };
  const reason = out.match(/^UNAVAILABLE: (.+)$/m)?.[1] ?? (run.error ? `${script}: ${run.error.message}` : `${script} exited ${run.status ?? run.signal}: ${(run.stderr ?? '').trim().split('\n').pop() ?? ''}`);
  return { ok: false, reason };
}

export interface NchanConfigOptions {
  /** Temporary directory holding the config, pid file, logs and nginx's temp paths. */
  readonly prefix: string;
  readonly module: string;
  readonly port: number;
  readonly workers: number;
  /** Sockets each worker must be able to hold (all subscribers may land on one). */
  readonly connections: number;
  /** Set `user` to the harness's own when it runs as root (nginx would switch the workers to nobody). */
  readonly user?: string | undefined;
}

export const NCHAN_CHANNEL = 'bench';

/**
 * Connection slots a worker needs beyond its sockets: Nchan takes a slot without a socket for each
 * of its internal (fake) requests, so with slots for the sockets alone a worker holding every
 * subscriber ran out (10,000 subscribers, 192 spare slots: 447 connects reset and "worker_connections
 * are not enough" in its log; 728 spare: all connected).
 */
export function nchanSpareSlots(connections: number): number {
  return Math.max(1024, Math.ceil(connections / 4));
}

/**
 * One channel, a publisher endpoint and an EventSource subscriber endpoint. No access log: the
 * Node baselines log nothing either, and a log line per publish would add a write per event to
 * the writes-per-delivery figure. `reuseport` gives each worker its own accept queue, so the
 * kernel spreads the subscribers over the workers instead of one worker taking most of them.
 */
export function nchanConfig(o: NchanConfigOptions): string {
  const temp = (kind: string) => `${kind}_temp_path ${join(o.prefix, `${kind}-temp`)};`;
  return `load_module ${o.module};
${o.user ? `user ${o.user};\n` : ''}worker_processes ${o.workers};
worker_rlimit_nofile ${o.connections + 256};
daemon off;
master_process on;
pid ${join(o.prefix, 'nginx.pid')};
error_log ${join(o.prefix, 'error.log')} warn;

events {
  worker_connections ${o.connections + nchanSpareSlots(o.connections)};
  multi_accept on;
}

http {
  access_log off;
  ${temp('client_body')}
  ${temp('proxy')}
  ${temp('fastcgi')}
  ${temp('uwsgi')}
  ${temp('scgi')}
  keepalive_timeout 60s;
  keepalive_requests 1000000;

  server {
    listen 127.0.0.1:${o.port}${o.workers > 1 ? ' reuseport' : ''};

    location = /publish {
      nchan_publisher;
      nchan_channel_id ${NCHAN_CHANNEL};
      nchan_message_buffer_length 100;
    }

    location = /events {
      nchan_subscriber eventsource;
      nchan_channel_id ${NCHAN_CHANNEL};
      nchan_subscriber_first_message newest;
      nchan_subscriber_timeout 0;
    }

    location = /healthz {
      return 200 "ok\\n";
    }
  }
}
`;
}

/** Writes the config into the prefix and returns nginx's arguments (after the binary). */
export function writeNchanConfig(o: NchanConfigOptions): string[] {
  const conf = join(o.prefix, 'nginx.conf');
  writeFileSync(conf, nchanConfig(o));
  // -e sets the log nginx opens before it reads the config (Debian's default is stderr, but be explicit).
  return ['-p', o.prefix, '-c', conf, '-e', join(o.prefix, 'error.log')];
}
