// Developer videos: the service behind the developer REST and SDK surfaces, and their processing workflow.
export { VideoService, DEFAULT_CONTENT_TYPE, type VideoServiceOptions, type CreateVideoInput, type CreatedVideo, type CompleteInput, type VideoUsage, type PublicMedia } from './service.js';
export { videoKey } from './keys.js';
export { videoWorkflow, VIDEO_WORKFLOW, type VideoWorkflowDeps, type ClientValues } from './workflow.js';
export { videoObject, videoStatus, videoEventData, type VideoObject, type VideoStatus } from './present.js';
export { VIDEO_EVENT_TYPES, isVideoEvent, type VideoEventType } from './event-types.js';
export { transcriberFromConfig } from './transcriber-config.js';
export { ffmpegFromConfig } from './ffmpeg-config.js';
export { parseContentType } from './content-type.js';
export { VideoStreamScope } from './access.js';
export { sweepStaleWorkDirs } from './work-dir.js';
