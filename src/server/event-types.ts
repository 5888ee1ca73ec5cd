// Every event type Capstan appends, registered in one place for the server and the offline CLI alike.
import { DOCUMENT_EVENT_TYPES } from '../documents/index.js';
import { ACCESS_EVENT_TYPES, EventTypeRegistry } from '../events/index.js';
import { HUB_EVENT_TYPES } from '../hubs/index.js';
import { ORGANIZER_EVENT_TYPES } from '../organizer/index.js';
import { VIDEO_EVENT_TYPES } from '../videos/index.js';
import { WEBHOOK_EVENT_TYPES } from '../webhooks/index.js';

export function eventTypeRegistry(): EventTypeRegistry {
  const registry = new EventTypeRegistry();
  for (const types of [HUB_EVENT_TYPES, DOCUMENT_EVENT_TYPES, VIDEO_EVENT_TYPES, ORGANIZER_EVENT_TYPES, ACCESS_EVENT_TYPES, WEBHOOK_EVENT_TYPES]) registry.register(types);
  return registry;
}
