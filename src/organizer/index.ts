export { OrganizerService, UploadSession, cleanFileName, normalizeFolder, type OrganizerServiceOptions, type JobInput } from './service.js';
export { organizerWorkflow, ORGANIZER_WORKFLOW, FILE_ERROR_CODES, type OrganizerWorkflowDeps } from './workflow.js';
export { ORGANIZER_EVENT_TYPES } from './event-types.js';
export { organizerAccess, organizerFrame } from './access.js';
export { loadOrganizerRules, compileRules, planFolder, DEFAULT_ORGANIZER_RULES, RulesError, type OrganizerRules, type FolderRule, type CompiledRules } from './rules.js';
export { sniffKind, contentDate, nameDate, FILE_KINDS, type FileKind } from './sniff.js';
export type { FileView, JobView } from './present.js';
