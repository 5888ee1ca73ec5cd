export { adminRoutes } from './routes.js';
export { adminGuard } from './guard.js';
export { IdempotencyHeaders, replayHeaders, security, writeErrors, written } from './schemas.js';
