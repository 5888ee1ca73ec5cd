export { openStorage, createRepos, type Storage, type Repos, type CommitListener } from './storage.js';
export { withIdempotencyClaim, type IdempotencyClaim, type ClaimState, type DerivedAnswer } from './idempotency-claim.js';
export { isStorageUnavailable } from './unavailable.js';
export { driverFor, sqlitePath, type Driver } from './connect.js';
export type { Database } from './schema.js';
export type { Org, OrgKey, OrgRepo } from './repos/orgs.js';
export type { App, AppKey, AppRepo } from './repos/apps.js';
export type { Hub, Contact, HubRepo } from './repos/hubs.js';
export type { LedgerEntry, LedgerRepo, LedgerChange } from './repos/ledger.js';
export type { SettingsRepo } from './repos/settings.js';
export type { EventRow, EventRepo, NewEventRow } from './repos/events.js';
export type { Segment, Space, CommunityRepo } from './repos/community.js';
export type { Discussion, DiscussionFlag, DiscussionRepo } from './repos/discussions.js';
export type { Conversation, ConversationMember, Message, ConversationRepo } from './repos/conversations.js';
export type { ContactProfile, ProfileRepo } from './repos/profiles.js';
export type { Broadcast, BroadcastRepo } from './repos/broadcasts.js';
export type { StageStatus, WorkflowRun, WorkflowStage, WorkflowRepo } from './repos/workflows.js';
export { WORKFLOW_CHANNEL } from './repos/workflows.js';
export type { DocumentRow, DocumentRepo } from './repos/documents.js';
export type { IdempotencyRecord, IdempotencyRepo } from './repos/idempotency.js';
export type { CleanupRepo } from './repos/cleanup.js';
export type { VideoRow, VideoRepo, VideoState, VideoListQuery } from './repos/videos.js';
export type { VideoTranscriptRow, TranscriptRepo } from './repos/transcripts.js';
export type { EndpointFilter, WebhookAttempt, WebhookDelivery, WebhookDeliveryStatus, WebhookEndpoint, WebhookRepo } from './repos/webhooks.js';
export { WEBHOOK_CHANNEL } from './repos/webhooks.js';
export type {
  OrganizerFile, OrganizerJob, OrganizerJobFile, OrganizerRepo, JobFileResult, JobCounts, PendingJobFile, FileQuery, ContentFacts, FileChange, FileChangeResult, FolderCount,
} from './repos/organizer.js';
export { nodeRepo, type NodeCommand, type NodeRepo, type NodeRow } from './repos/nodes.js';
