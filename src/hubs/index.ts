export { HubService, type PublishInput } from './service.js';
export { memberAccess } from './access.js';
export { MemberAccessCache, DEFAULT_MEMBER_ACCESS_CACHE, type MemberAccessCacheOptions, type StreamMember } from './access-cache.js';
export { HUB_EVENT_TYPES } from './event-types.js';
export { ADMIN, type Actor, type AdminActor, type MemberActor } from './actor.js';
export { presentBroadcast, presentConversation, presentDiscussion, presentMessage, presentProfile, presentSpace } from './present.js';
export type { Page } from './paging.js';
