// A stream asked to resume from a cursor older than the replay window: it opens and ends at once with
// stream.stale_resume, so the client reloads state and reconnects without a cursor.
import type { Codec, ConnectionLease, Wire } from './types.js';

export function endStaleResume(wire: Wire, codec: Codec, lease: ConnectionLease, retentionSeconds: number): void {
  lease.release();
  wire.write(codec.terminal('stream.stale_resume', { retention_seconds: retentionSeconds }));
  wire.end('stream.stale_resume');
}
