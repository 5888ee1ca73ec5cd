// The faults a chaos iteration injects, one per iteration: kill -9 a node, stop Redis (kill -9 or
// SIGTERM; it comes back empty), stop PostgreSQL (fast shutdown or kill -9 of the postmaster). Each
// fault is a down step and a recover step, so a scenario can act while the component is away, and
// every fault is recorded with when it began and when it was recovered.
import type { ChaosEnvironment } from './environment.js';
import { sleep } from './lib/net.js';
import type { Prng } from './lib/prng.js';

export const FAULT_KINDS = ['node-kill', 'redis-kill', 'redis-term', 'pg-fast-restart', 'pg-crash'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export interface FaultRecord {
  readonly kind: FaultKind;
  /** The node name, `redis` or `postgres`. */
  readonly target: string;
  /** Milliseconds since the epoch. */
  readonly startedAt: number;
  /** When the component was back (for a node: listening again). */
  recoveredAt: number | undefined;
  error: string | undefined;
}

export interface ActiveFault {
  readonly record: FaultRecord;
  /** Brings the component back; safe to call twice. */
  recover(): Promise<void>;
}

export class FaultInjector {
  readonly injected: FaultRecord[] = [];
  private closed = false;

  constructor(private readonly env: ChaosEnvironment) {}

  /** After this, `begin` refuses: a late fault of a timed-out iteration must not hit the next one. */
  close(): void {
    this.closed = true;
  }

  /** Takes the component down now. `node` names the node to kill (default: a random live one). */
  async begin(kind: FaultKind, prng: Prng, node?: string): Promise<ActiveFault> {
    if (this.closed) throw new Error('this iteration is over; no more faults');
    const { cluster, redis, postgres } = this.env;
    const target = kind === 'node-kill' ? (node ?? cluster.nodeOf(cluster.pickUrl(prng)) ?? 'node-1') : kind.startsWith('redis') ? 'redis' : 'postgres';
    const record: FaultRecord = { kind, target, startedAt: Date.now(), recoveredAt: undefined, error: undefined };
    this.injected.push(record);
    let bringBack: () => Promise<void>;
    try {
      switch (kind) {
        case 'node-kill':
          await cluster.kill(target);
          bringBack = () => cluster.healAll();
          break;
        case 'redis-kill':
        case 'redis-term':
          await redis.down(kind === 'redis-kill' ? 'kill' : 'term');
          bringBack = () => redis.up();
          break;
        case 'pg-fast-restart':
        case 'pg-crash':
          await postgres.down(kind === 'pg-crash' ? 'crash' : 'fast');
          bringBack = () => postgres.up();
          break;
      }
    } catch (e) {
      record.error = e instanceof Error ? e.message : String(e);
      bringBack = async () => undefined;
    }
    let recovering: Promise<void> | undefined;
    return {
      record,
      recover() {
        recovering ??= bringBack().then(
          () => void (record.recoveredAt = Date.now()),
          (e: unknown) => void (record.error = e instanceof Error ? e.message : String(e)),
        );
        return recovering;
      },
    };
  }

  /** The whole fault: down now, back after `downMs`. */
  async inject(kind: FaultKind, prng: Prng, downMs: number, node?: string): Promise<FaultRecord> {
    const active = await this.begin(kind, prng, node);
    await sleep(downMs);
    await active.recover();
    return active.record;
  }
}

/** How long a component stays down: a node is restarted at once (it takes a second to start anyway). */
export function downTime(kind: FaultKind, prng: Prng): number {
  return kind === 'node-kill' ? prng.int(0, 500) : prng.int(300, 2500);
}

/**
 * A fault kind per iteration. Kinds are grouped by what they hit (node, redis, pg); every group comes
 * once per shuffled round, with a random variant inside it, so even a two-iteration run hits two
 * different components.
 */
export function planFaults(kinds: readonly FaultKind[], iterations: number, prng: Prng): FaultKind[] {
  const groups = new Map<string, FaultKind[]>();
  for (const kind of kinds) {
    const group = kind.split('-')[0] ?? kind;
    groups.set(group, [...(groups.get(group) ?? []), kind]);
  }
  const plan: FaultKind[] = [];
  while (plan.length < iterations) for (const group of prng.shuffle([...groups.values()])) plan.push(prng.pick(group));
  return plan.slice(0, iterations);
}
