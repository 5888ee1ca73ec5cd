// The live system stream (/admin/v1/live/system) shared by every page that shows nodes, work or
// connections: one EventSource while at least one of them is on screen, closed a moment after the
// last one goes (so moving between two such pages keeps it open), and at once when the page is
// signed out.
import { useEffect } from 'preact/hooks';
import { openStream, type Stream, type StreamState } from '../api/sse.js';
import type { Connection, NodeInfo, Page, WorkFrame } from '../api/types.js';
import { session } from '../session.js';
import { createStore, useStore } from '../store.js';

export interface SystemState {
  readonly state: StreamState;
  readonly nodes: NodeInfo[] | null;
  readonly work: WorkFrame | null;
  readonly connections: Connection[] | null;
}

const EMPTY: SystemState = { state: 'closed', nodes: null, work: null, connections: null };
export const system = createStore<SystemState>(EMPTY);

const LINGER_MS = 2000;
let users = 0;
let stream: Stream | null = null;
let closing: ReturnType<typeof setTimeout> | undefined;

const listOf = <T>(data: unknown): T[] => (data && typeof data === 'object' && Array.isArray((data as Page<T>).data) ? (data as Page<T>).data : []);

function start(): void {
  stream = openStream('/live/system', {
    events: {
      nodes: (d) => system.update((s) => ({ ...s, nodes: listOf<NodeInfo>(d) })),
      work: (d) => {
        const w = (d ?? {}) as Partial<WorkFrame>;
        system.update((s) => ({ ...s, work: { in_flight: w.in_flight ?? [], recent: w.recent ?? [] } }));
      },
      connections: (d) => system.update((s) => ({ ...s, connections: listOf<Connection>(d) })),
    },
    onState: (state) => system.update((s) => ({ ...s, state })),
  });
}

function stop(): void {
  clearTimeout(closing);
  stream?.close();
  stream = null;
  system.set(EMPTY);
}

// The stream belongs to the session it was opened with. Left to linger after a sign-out in this tab,
// it would hear the server end it (stream.expired, signed_out) and replace "You signed out." with
// "in another tab"; signing in again within the linger would find it still there, dead.
session.subscribe((s) => {
  if (s.status === 'signed-out') stop();
});

export function useSystem(): SystemState {
  useEffect(() => {
    users++;
    clearTimeout(closing);
    if (!stream) start();
    return () => {
      users--;
      if (users === 0) closing = setTimeout(stop, LINGER_MS);
    };
  }, []);
  return useStore(system);
}
