export { documentRoutes } from './routes.js';
export { documentRealtimeRoutes } from './realtime.js';
