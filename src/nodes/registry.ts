// The node registry: every node samples its stats every few seconds into an hour-long ring and writes
// them, with its open connections, to its row in `nodes`, so any node can answer for the whole cluster.
// Ending a connection held by another node leaves a command row for it and pokes it through the bus;
// the row is the truth (the bus carries wake-ups only), so with the bus down the command runs at that
// node's next sample.
import type { Bus } from '../events/index.js';
import type { Logger } from '../http/index.js';
import type { OpenConnection, RealtimeEngine, RealtimeSurface } from '../realtime/index.js';
import { nodeRepo, type NodeRepo, type NodeRow, type Storage } from '../storage/index.js';
import { newId } from '../util/ids.js';
import { LoopDelay } from '../util/loop-delay.js';
import { VERSION } from '../util/version.js';
import { countConnections, emptyHistory, StatsHistory, type NodeHistory, type NodeStats } from './stats.js';

/** How often a node samples its stats and writes its row. */
const SAMPLE_MS = 5000;
/** An hour of samples. */
const HISTORY_SIZE = 720;
/**
 * A node whose row was not written for this long is gone: four samples missed. Its connections stop
 * being listed (and ending one is 404) then, near when its realtime leases free their slots (15 s).
 */
const ALIVE_MS = 20_000;
/** Gone nodes' rows (and commands nobody took) are removed after this long. */
const PRUNE_AFTER_MS = 3_600_000;
/** Connections a node's row lists at most. */
const MAX_LISTED = 1000;

export type NodeMode = 'embedded' | 'scaled';

export interface NodeView {
  readonly id: string;
  readonly version: string;
  readonly mode: NodeMode;
  readonly started_at: string;
  readonly seen_at: string;
  readonly uptime_s: number;
  readonly alive: boolean;
  readonly stats: NodeStats;
  readonly history: NodeHistory;
}

export interface ConnectionView {
  readonly id: string;
  readonly node_id: string;
  readonly surface: RealtimeSurface | 'unknown';
  readonly transport: 'sse' | 'ws';
  readonly org_id: string | null;
  readonly credential: string;
  readonly topic: string;
  readonly remote_address: string;
  readonly since: string;
  readonly bytes_queued: number;
  readonly events_sent: number;
}

export interface ConnectionFilter {
  readonly nodeId?: string;
  readonly surface?: string;
  readonly orgId?: string;
  readonly limit: number;
}

/** What a node's row holds besides its columns. */
interface StoredStats {
  readonly stats: NodeStats;
  readonly history: NodeHistory;
  readonly connections: ConnectionView[];
}

export interface NodeRegistryDeps {
  readonly storage: Storage;
  readonly realtime: RealtimeEngine;
  readonly bus: Bus;
  readonly mode: NodeMode;
  /** Whether Redis answers; undefined on an embedded node (no Redis). */
  readonly redisReady?: () => Promise<boolean>;
  readonly workflowBacklog: () => Promise<number>;
  readonly logger: Logger;
}

const commandTopic = (nodeId: string): string => `node:${nodeId}`;

export class NodeRegistry {
  readonly id = newId('node');
  private readonly startedAtMs = Date.now();
  private readonly repo: NodeRepo;
  private readonly history = new StatsHistory(HISTORY_SIZE);
  private readonly loop = new LoopDelay();
  private appended = 0;
  private lastSampleAt = Date.now();
  private timer: NodeJS.Timeout | undefined;
  private unsubscribe: (() => void) | undefined;
  private ticking: Promise<void> | undefined;
  private writeFailing = false;
  private closed = false;

  constructor(private readonly deps: NodeRegistryDeps) {
    this.repo = nodeRepo(deps.storage.db);
    deps.storage.onCommit((rows) => {
      this.appended += rows.length;
    });
  }

  /** Takes the first sample and writes the row before resolving, so the node is listed once it serves. */
  async start(): Promise<void> {
    await this.tick();
    this.timer = setInterval(() => void this.tick(), SAMPLE_MS);
    this.timer.unref();
    this.deps.bus.subscribe(commandTopic(this.id), () => void this.runCommands()).then(
      (unsubscribe) => (this.closed ? unsubscribe() : (this.unsubscribe = unsubscribe)),
      (e: unknown) => this.deps.logger.warn({ err: e }, 'node command wake-ups unavailable; commands run at each sample'),
    );
  }

  /**
   * Stops sampling and takes this node's row out of the registry: a node that stopped cleanly is no
   * longer listed (nor its connections, which it has closed), instead of looking alive for 20 s.
   * A node that dies leaves its row, which turns `alive: false` after 20 s.
   */
  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    this.unsubscribe?.();
    this.loop.close();
    await this.ticking;
    await this.repo.remove(this.id).catch((e: unknown) => this.deps.logger.warn({ err: e }, 'the node row could not be removed; it turns not alive within 20 s'));
  }

  /** Every node the registry knows, this one first and live, the others from their rows. */
  async nodes(): Promise<NodeView[]> {
    const rows = await this.repo.list();
    const now = Date.now();
    const others = rows.filter((r) => r.id !== this.id).map((r) => this.fromRow(r, now));
    return [this.local(now), ...others];
  }

  /** Open connections of every live node: this node's as they are, the others' as of their last sample. */
  async connections(filter: ConnectionFilter): Promise<ConnectionView[]> {
    const now = Date.now();
    const all: ConnectionView[] = [];
    if (filter.nodeId === undefined || filter.nodeId === this.id) all.push(...this.localConnections());
    if (filter.nodeId !== this.id) {
      for (const row of await this.repo.list()) {
        if (row.id === this.id || (filter.nodeId !== undefined && row.id !== filter.nodeId) || !isAlive(row, now)) continue;
        all.push(...parseStored(row).connections);
      }
    }
    return all
      .filter((c) => (filter.surface === undefined || c.surface === filter.surface) && (filter.orgId === undefined || c.org_id === filter.orgId))
      .slice(0, filter.limit);
  }

  /**
   * Ends a connection wherever it is held: at once on this node; on another, when that node hears the
   * bus (or at its next sample). False when no live node lists it.
   */
  async disconnect(connectionId: string): Promise<boolean> {
    if (this.endLocal(connectionId)) return true;
    const now = Date.now();
    const holder = (await this.repo.list()).find((r) => r.id !== this.id && isAlive(r, now) && parseStored(r).connections.some((c) => c.id === connectionId));
    if (!holder) return false;
    await this.repo.addCommand({ id: newId('cmd'), node_id: holder.id, command: 'disconnect', target: connectionId, created_at: new Date(now).toISOString() });
    // A poke, not the command: the topic has no events, its only listener reads the command rows.
    await this.deps.bus.publish(commandTopic(holder.id), { kind: 'resync', topic: commandTopic(holder.id) }).catch(() => undefined);
    return true;
  }

  private endLocal(connectionId: string): boolean {
    return this.deps.realtime.terminate(connectionId, 'stream.unauthorized', { reason: 'disconnected_by_operator' });
  }

  private async runCommands(): Promise<void> {
    try {
      for (const command of await this.repo.takeCommands(this.id)) {
        if (command.command === 'disconnect') this.endLocal(command.target);
      }
    } catch (e) {
      this.deps.logger.warn({ err: e }, 'reading node commands failed');
    }
  }

  private tick(): Promise<void> {
    this.ticking ??= this.sample().finally(() => (this.ticking = undefined));
    return this.ticking;
  }

  private async sample(): Promise<void> {
    const now = Date.now();
    const seconds = Math.max(0.001, (now - this.lastSampleAt) / 1000);
    const appended = this.appended;
    this.appended = 0;
    this.lastSampleAt = now;
    const database = await this.deps.storage.ping().catch(() => false);
    const redis = this.deps.redisReady ? ((await this.deps.redisReady().catch(() => false)) ? 'ok' : 'down') : 'off';
    const backlog = database ? await this.deps.workflowBacklog().catch(() => -1) : -1;
    const memory = process.memoryUsage();
    // One pass over this node's connections serves the counts and the stored list.
    const open = this.deps.realtime.list();
    const stats: NodeStats = {
      connections: countConnections(open),
      events_per_second: Math.round((appended / seconds) * 100) / 100,
      workflow_backlog: Math.max(0, backlog),
      redis,
      database: database ? 'ok' : 'down',
      rss_bytes: memory.rss,
      heap_used_bytes: memory.heapUsed,
      event_loop_delay_ms: this.loop.read(),
    };
    this.history.add(now, stats);
    if (!database || this.closed) return;
    try {
      // Other nodes list this node's connections from its row. An embedded node has none: it answers
      // for its own from memory, and writing the list every sample only rewrote up to a few hundred KB.
      const listed = this.deps.mode === 'scaled' ? open.slice(0, MAX_LISTED).map((c) => present(this.id, c)) : [];
      const stored: StoredStats = { stats, history: this.history.series(), connections: listed };
      await this.repo.upsert({ id: this.id, started_at: new Date(this.startedAtMs).toISOString(), seen_at: new Date(now).toISOString(), version: VERSION, mode: this.deps.mode, stats: JSON.stringify(stored) });
      await this.repo.prune(new Date(now - PRUNE_AFTER_MS).toISOString());
      await this.runCommands();
      if (this.writeFailing) this.deps.logger.info('node registry written again');
      this.writeFailing = false;
    } catch (e) {
      if (!this.writeFailing) this.deps.logger.warn({ err: e }, 'writing the node registry failed');
      this.writeFailing = true;
    }
  }

  private local(now: number): NodeView {
    return {
      id: this.id,
      version: VERSION,
      mode: this.deps.mode,
      started_at: new Date(this.startedAtMs).toISOString(),
      seen_at: new Date(now).toISOString(),
      uptime_s: Math.floor((now - this.startedAtMs) / 1000),
      alive: true,
      stats: { ...(this.history.latest ?? emptyStats()), connections: countConnections(this.deps.realtime.list()) },
      history: this.history.series(),
    };
  }

  private fromRow(row: NodeRow, now: number): NodeView {
    const stored = parseStored(row);
    const seen = Date.parse(row.seen_at);
    return {
      id: row.id,
      version: row.version,
      mode: row.mode,
      started_at: row.started_at,
      seen_at: row.seen_at,
      uptime_s: Math.max(0, Math.floor((seen - Date.parse(row.started_at)) / 1000)),
      alive: isAlive(row, now),
      stats: stored.stats,
      history: stored.history,
    };
  }

  private localConnections(): ConnectionView[] {
    return this.deps.realtime.list().map((c) => present(this.id, c));
  }
}

function present(nodeId: string, c: OpenConnection): ConnectionView {
  return {
    id: c.id,
    node_id: nodeId,
    surface: c.surface,
    transport: c.transport,
    org_id: c.orgId,
    credential: c.credential,
    topic: c.topic,
    remote_address: c.remoteAddress,
    since: new Date(c.since).toISOString(),
    bytes_queued: c.bytesQueued,
    events_sent: c.eventsSent,
  };
}

function isAlive(row: NodeRow, now: number): boolean {
  return now - Date.parse(row.seen_at) < ALIVE_MS;
}

function emptyStats(): NodeStats {
  return {
    connections: countConnections([]),
    events_per_second: 0, workflow_backlog: 0, redis: 'off', database: 'ok', rss_bytes: 0, heap_used_bytes: 0, event_loop_delay_ms: 0,
  };
}

function parseStored(row: NodeRow): StoredStats {
  try {
    const parsed = JSON.parse(row.stats) as Partial<StoredStats>;
    return { stats: parsed.stats ?? emptyStats(), history: parsed.history ?? emptyHistory(), connections: parsed.connections ?? [] };
  } catch {
    return { stats: emptyStats(), history: emptyHistory(), connections: [] };
  }
}
