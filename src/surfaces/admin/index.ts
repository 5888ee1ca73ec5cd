export { adminRoutes } from './routes.js';
export { adminGuard } from './guard.js';
export { security } from './schemas.js';
