// Messages beside the things they are about: failures (announced), empty states, stream state.
import type { ComponentChildren } from 'preact';
import type { StreamState } from '../api/sse.js';

export function ErrorNote({ error }: { error: string | null | undefined }) {
  if (!error) return null;
  return <p class="error" role="alert">{error}</p>;
}

export function Empty({ children }: { children: ComponentChildren }) {
  return <p class="empty">{children}</p>;
}

const LABELS: Record<StreamState, string> = { connecting: 'Connecting…', open: 'Live', reconnecting: 'Reconnecting…', paused: 'Paused while hidden', closed: 'Not connected' };

export function LiveBadge({ state }: { state: StreamState }) {
  return <span class={`live live-${state}`} role="status" data-testid="stream-state">{LABELS[state]}</span>;
}
