export { hubRealtimeRoutes } from './realtime.js';
export { hubMemberRoutes } from './members.js';
export { BroadcastBody, DiscussionParams, ListQuery, pageOf, SpaceContactParams, SpaceParams, SpacePatchBody } from './schemas.js';
// The hub's response shapes, for the admin API's equivalents of the member routes.
export { Broadcast, Conversation, Discussion, Message, MuteState, Page, Profile, Space, Success } from './resources.js';
