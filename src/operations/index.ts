export { WorkService, type WorkItem, type WorkQuery, type WorkStage, type WorkStageStatus, type WorkStatusFilter } from './work.js';
export { orgUsage, type OrgUsage, type WorkCounts } from './usage.js';
export { WORK_KINDS, type WorkKind } from './kinds.js';
