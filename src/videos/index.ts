// Developer videos: the service behind the developer REST and SDK surfaces, and their processing workflow.
export { VideoService, videoKey, DEFAULT_CONTENT_TYPE, type VideoServiceOptions, type CreateVideoInput, type CreatedVideo, type CompleteInput, type VideoUsage } from './service.js';
export { videoWorkflow, videoCost, VIDEO_WORKFLOW, type VideoWorkflowDeps, type ClientValues } from './workflow.js';
export { videoObject, videoStatus, videoEventData, type VideoObject, type VideoStatus } from './present.js';
export { VIDEO_EVENT_TYPES, isVideoEvent, type VideoEventType } from './event-types.js';
export { transcriberFromConfig } from './transcriber-config.js';
export { otherVideoContainer } from './sniff.js';
export { VideoStreamScope } from './access.js';
