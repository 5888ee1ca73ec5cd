export { hubRealtimeRoutes } from './realtime.js';
export { hubMemberRoutes } from './members.js';
export { BroadcastBody, DiscussionParams, ListQuery, pageOf, SpaceContactParams, SpaceParams, SpacePatchBody } from './schemas.js';
