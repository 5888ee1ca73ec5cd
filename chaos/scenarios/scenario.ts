// What a scenario is to the runner: a name, the faults it can take, and one iteration that builds its
// workload, injects the fault it is given at a point of its choosing (from its PRNG), heals, then
// checks its invariants through `checks`.
import type { AdminApi } from '../clients/admin.js';
import type { ClusterClient } from '../clients/http.js';
import type { ChaosEnvironment } from '../environment.js';
import type { FaultInjector, FaultKind } from '../faults.js';
import type { Checks } from '../invariants.js';
import type { Prng } from '../lib/prng.js';
import type { ScenarioName, WorkloadSizes } from '../options.js';

export interface IterationContext {
  readonly env: ChaosEnvironment;
  readonly client: ClusterClient;
  readonly admin: AdminApi;
  readonly faults: FaultInjector;
  /** The one fault this iteration injects. */
  readonly fault: FaultKind;
  readonly prng: Prng;
  readonly checks: Checks;
  readonly sizes: WorkloadSizes;
  readonly iteration: number;
  /** Registers something to stop when the iteration ends, whichever way it ends. */
  defer(cleanup: () => Promise<void>): void;
  log(message: string): void;
}

export interface Scenario {
  readonly name: ScenarioName;
  readonly title: string;
  readonly faults: readonly FaultKind[];
  /** Counts worth reporting (uploads accepted, events delivered, …), summed over iterations. */
  run(ctx: IterationContext): Promise<Readonly<Record<string, number>>>;
}

/** How long after the fault heals every acknowledged thing must have arrived. */
export const DELIVERY_BOUND_MS = 15_000;
