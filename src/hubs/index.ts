export { HubService, type PublishInput } from './service.js';
export { memberAccess } from './access.js';
export { HUB_EVENT_TYPES } from './event-types.js';
