// DESIGN's outbox rule seen from a client: a Redis outage delays delivery but never fails a write. Every
// write attempt that left while the iteration's Redis fault was in progress must not answer 5xx.
import type { Attempt } from '../clients/http.js';
import { sample } from '../invariants.js';
import type { IterationContext } from './scenario.js';

export function checkWritesDuringRedisOutage(ctx: IterationContext, writes: readonly { readonly label: string; readonly attempts: readonly Attempt[] }[]): void {
  for (const fault of ctx.faults.injected) {
    if (fault.target !== 'redis') continue;
    const end = fault.recoveredAt ?? Date.now();
    const failed = writes.flatMap((w) => w.attempts.filter((a) => a.startedAt >= fault.startedAt && a.startedAt <= end && a.status !== undefined && a.status >= 500).map((a) => `${w.label}: ${a.status} from ${a.node} ${a.startedAt - fault.startedAt} ms into the outage`));
    ctx.checks.expect('writes.redis-outage', failed.length === 0, () => `${failed.length} write attempts failed while Redis was down (${end - fault.startedAt} ms): ${sample(failed, 6)}`);
  }
}
