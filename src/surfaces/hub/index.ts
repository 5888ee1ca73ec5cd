export { hubRealtimeRoutes } from './realtime.js';
