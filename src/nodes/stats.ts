// What a node reports about itself every few seconds, and the hour of those samples it keeps in memory.
import type { OpenConnection, RealtimeSurface } from '../realtime/index.js';

const SURFACES: readonly RealtimeSurface[] = ['documents', 'organizer', 'videos', 'hub', 'admin'];

export interface NodeStats {
  readonly connections: {
    readonly total: number;
    readonly by_surface: Readonly<Record<RealtimeSurface, number>>;
    readonly by_transport: { readonly sse: number; readonly ws: number };
  };
  /** Events this node appended to the log per second over the last sample. */
  readonly events_per_second: number;
  /** Workflow runs queued or running, cluster-wide. */
  readonly workflow_backlog: number;
  readonly redis: 'ok' | 'down' | 'off';
  readonly database: 'ok' | 'down';
  readonly rss_bytes: number;
  readonly heap_used_bytes: number;
  /** p99 of the event loop's delay over the last sample. */
  readonly event_loop_delay_ms: number;
}

export interface NodeHistory {
  /** Epoch seconds of each sample, oldest first; the other arrays line up with it. */
  readonly t: number[];
  readonly connections: number[];
  readonly events_per_second: number[];
  readonly workflow_backlog: number[];
  readonly rss_bytes: number[];
  readonly event_loop_delay_ms: number[];
}

export function emptyHistory(): NodeHistory {
  return { t: [], connections: [], events_per_second: [], workflow_backlog: [], rss_bytes: [], event_loop_delay_ms: [] };
}

/** The last `size` samples (an hour at one per 5 s). */
export class StatsHistory {
  private readonly samples: { t: number; stats: NodeStats }[] = [];

  constructor(private readonly size: number) {}

  add(t: number, stats: NodeStats): void {
    this.samples.push({ t, stats });
    if (this.samples.length > this.size) this.samples.shift();
  }

  get latest(): NodeStats | undefined {
    return this.samples.at(-1)?.stats;
  }

  series(): NodeHistory {
    const h = emptyHistory();
    for (const { t, stats } of this.samples) {
      h.t.push(Math.floor(t / 1000));
      h.connections.push(stats.connections.total);
      h.events_per_second.push(stats.events_per_second);
      h.workflow_backlog.push(stats.workflow_backlog);
      h.rss_bytes.push(stats.rss_bytes);
      h.event_loop_delay_ms.push(stats.event_loop_delay_ms);
    }
    return h;
  }
}

export function countConnections(open: readonly OpenConnection[]): NodeStats['connections'] {
  const bySurface = Object.fromEntries(SURFACES.map((s) => [s, 0])) as Record<RealtimeSurface, number>;
  const byTransport = { sse: 0, ws: 0 };
  for (const c of open) {
    if (c.surface !== 'unknown') bySurface[c.surface] += 1;
    byTransport[c.transport] += 1;
  }
  return { total: open.length, by_surface: bySurface, by_transport: byTransport };
}
