// Everything a surface may use: services and read-only configuration. Surfaces get this, never
// the storage internals of another surface.
import type { ConsoleSessionService, TokenService } from '../auth/index.js';
import type { BlobStore } from '../blobs/index.js';
import type { Config } from '../config/index.js';
import type { DocumentService } from '../documents/index.js';
import type { EventLog, EventPublisher, EventTypeRegistry } from '../events/index.js';
import type { Logger, Metrics } from '../http/index.js';
import type { HubService } from '../hubs/index.js';
import type { NodeRegistry } from '../nodes/index.js';
import type { OrganizerService } from '../organizer/index.js';
import type { RealtimeEngine } from '../realtime/index.js';
import type { Storage } from '../storage/index.js';
import type { TenancyService } from '../tenancy/index.js';
import type { TranscriptService } from '../transcripts/index.js';
import type { VideoService } from '../videos/index.js';
import type { WebhookService } from '../webhooks/index.js';
import type { WorkflowEngine } from '../workflows/index.js';

export interface AppContext {
  readonly config: Config;
  readonly storage: Storage;
  readonly tokens: TokenService;
  readonly tenancy: TenancyService;
  readonly consoleSessions: ConsoleSessionService;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly eventTypes: EventTypeRegistry;
  readonly events: EventLog;
  readonly publisher: EventPublisher;
  readonly realtime: RealtimeEngine;
  /** This node in the cluster's registry: nodes, their stats and open connections. */
  readonly nodes: NodeRegistry;
  readonly hubs: HubService;
  readonly blobs: BlobStore;
  readonly workflows: WorkflowEngine;
  readonly documents: DocumentService;
  readonly organizer: OrganizerService;
  readonly videos: VideoService;
  readonly transcripts: TranscriptService;
  readonly webhooks: WebhookService;
  /** Base for absolute URLs in responses. */
  readonly publicUrl: () => string;
}
