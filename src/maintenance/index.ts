// Periodic maintenance: the bounded cleanup of state that must not grow forever, run on every node.
export { runCleanup, type CleanupDeps, type CleanupOptions, type CleanupReport, type CleanupStep } from './cleanup.js';
export { BlobSweep } from './orphaned-blobs.js';
export { startCleanup, type CleanupScheduleOptions, type CleanupTask } from './schedule.js';
