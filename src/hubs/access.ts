// What one hub member may see: hub-scoped events always; space-scoped events unless the space is
// restricted and none of the member's segments grants it; direct events only when named (and, in a
// restricted space, granted too). Members with
// the same segments see the same events but direct ones, so their streams share one delivery.
import type { EventRecord } from '../events/index.js';
import type { Access } from '../realtime/index.js';

export function memberAccess(contactId: string, segmentIds: ReadonlySet<string>): Access {
  return {
    scopeKey: `segments:${[...segmentIds].sort().join(',')}`,
    personal: (event: EventRecord) => event.scope.contact_ids !== undefined,
    allows(event: EventRecord): boolean {
      const scope = event.scope;
      // Both apply: an event of a restricted space addressed to some contacts reaches those of them the
      // space's segments let in, not a named contact the space keeps out.
      if (scope.contact_ids && !scope.contact_ids.includes(contactId)) return false;
      if (scope.restricted) return (scope.segment_ids ?? []).some((s) => segmentIds.has(s));
      return true;
    },
  };
}
