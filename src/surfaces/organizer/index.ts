export { organizerRoutes } from './routes.js';
export { organizerRealtime } from './realtime.js';
