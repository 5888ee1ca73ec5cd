// What an organizer socket may see: the organizer's own events, nothing else published on the
// organization topic (document and video events share it). The wire shape is the seed's flat object.
import type { EventRecord } from '../events/index.js';
import type { Access } from '../realtime/index.js';
import { ORGANIZER_EVENT_PREFIX, isOrganizerEvent } from './event-types.js';

export const organizerAccess: Access = { allows: (e: EventRecord) => isOrganizerEvent(e.type) };

export function organizerFrame(e: EventRecord): Record<string, unknown> | undefined {
  if (!isOrganizerEvent(e.type)) return undefined;
  return { type: e.type.slice(ORGANIZER_EVENT_PREFIX.length), ...e.data };
}
