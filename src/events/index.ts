export { MemoryBus, type Bus, type BusHandler, type BusMessage } from './bus.js';
export { EventFeed, type FeedHandler, type FeedMessage, type FeedOptions } from './feed.js';
export { EventLog, rowToEvent, uuidv7Floor, type CursorCheck } from './log.js';
export { EventPublisher } from './publisher.js';
export { startRelay } from './relay.js';
export { ACCESS_EVENTS, ACCESS_EVENT_TYPES, isAccessEvent, revokedKeyIds } from './access.js';
export { EventTypeRegistry, type EventTypeSpec, type ScopeKind } from './registry.js';
export { hubTopic, orgTopic, type EventRecord, type EventScope, type NewEvent } from './types.js';
export { RedisBus } from './redis-bus.js';
