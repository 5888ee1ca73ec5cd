export { buildHttpApp, type HttpApp, type HttpDeps, type Surface } from './app.js';
export { AppError, ERRORS, isAppError, type ErrorCode, type ErrorBody } from './errors.js';
export { sendError, toAppError } from './error-handler.js';
export { createLogger, redactUrl, type Logger } from './logger.js';
export { createMetrics, type Metrics } from './metrics.js';
export { memoryRateLimiter, type RateLimiter, type RateDecision } from './rate-limit.js';
export * as schemas from './schemas.js';
export { UpgradeRouter, refuseUpgrade, type AcceptedUpgrade, type UpgradeHandler } from './upgrade.js';
export { redisRateLimiter } from './redis-rate-limit.js';
