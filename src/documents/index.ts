export { DocumentService, type UploadInput, type UploadResult, type DocumentServiceOptions } from './service.js';
export { documentWorkflow, DOCUMENT_WORKFLOW, type DocumentWorkflowDeps } from './workflow.js';
export { documentStatus, type DocumentStatus } from './status.js';
export { DocumentScope } from './access.js';
export { DOCUMENT_EVENT_TYPES, DOCUMENT_STAGES } from './event-types.js';
