export { Connection, type ConnectionLimits, type ConnectionSpec } from './connection.js';
export { RealtimeEngine, type RealtimeOptions, type Slot } from './engine.js';
export { Fanout, type FanoutMember, type Membership, type TopicFeed } from './fanout.js';
export { MemoryConnectionLimiter } from './limits.js';
export { endStaleResume } from './stale-resume.js';
export { openSseWire, namedSseCodec, messageSseCodec, sseDataFrame } from './sse.js';
export { wsWire, jsonWsCodec, WS_CLOSE_CODES } from './ws.js';
export type { Access, Codec, ConnectionLabel, ConnectionLease, ConnectionLimiter, OpenConnection, RealtimeSurface, TerminalType, Wire } from './types.js';
export { RedisConnectionLimiter } from './redis-limits.js';
