// An organization's live event tail (/admin/v1/live/events?org_id=…) shared by everything on screen
// that reloads when the organization's events move (its page, each webhook's deliveries): one
// EventSource per organization however many panels listen, since a browser opens at most six
// connections to a server over HTTP/1.1 and a seventh panel's stream would wait forever.
import { useEffect } from 'preact/hooks';
import { openStream, type Stream } from '../api/sse.js';

/** Told each event's type ("document.status", "webhook.disabled"…). */
export type OrgEventListener = (type: string) => void;

interface Tail {
  readonly stream: Stream;
  readonly listeners: Set<OrgEventListener>;
}

const typeOf = (data: unknown): string =>
  data && typeof data === 'object' && typeof (data as { type?: unknown }).type === 'string' ? (data as { type: string }).type : '';

const tails = new Map<string, Tail>();

/** Calls `listener` on each event of the organization; returns what stops it. */
export function watchOrgEvents(orgId: string, listener: OrgEventListener): () => void {
  let tail = tails.get(orgId);
  if (!tail) {
    const listeners = new Set<OrgEventListener>();
    const stream = openStream('/live/events', {
      query: { org_id: orgId },
      resumeParam: 'after',
      events: { event: (data) => listeners.forEach((l) => l(typeOf(data))) },
    });
    tail = { stream, listeners };
    tails.set(orgId, tail);
  }
  const mine = tail;
  mine.listeners.add(listener);
  return () => {
    mine.listeners.delete(listener);
    if (mine.listeners.size > 0) return;
    mine.stream.close();
    if (tails.get(orgId) === mine) tails.delete(orgId);
  };
}

/** Runs `onEvent` on each event of the organization while the component is mounted. */
export function useOrgEvents(orgId: string, onEvent: OrgEventListener): void {
  useEffect(() => (orgId ? watchOrgEvents(orgId, onEvent) : undefined), [orgId, onEvent]);
}
