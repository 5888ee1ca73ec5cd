export { MemoryBus, type Bus, type BusHandler, type BusMessage } from './bus.js';
export { EventLog, rowToEvent, uuidv7Floor, type CursorCheck } from './log.js';
export { EventPublisher } from './publisher.js';
export { EventTypeRegistry, type EventTypeSpec, type ScopeKind } from './registry.js';
export { hubTopic, orgTopic, type EventRecord, type EventScope, type NewEvent } from './types.js';
export { LocalSequencer, type Sequencer } from './sequencer.js';
export { RedisSequencer } from './redis-sequencer.js';
export { RedisBus } from './redis-bus.js';
