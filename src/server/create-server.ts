// Composes Capstan from its configuration: storage (migrated), tokens, services, the HTTP app with
// every surface, and an orderly close. Tests and the CLI both start Capstan through here.
import { cacheCredentials, CallerIdentifier, ConsoleSessionService, countsPerAddress, TokenService } from '../auth/index.js';
import { createBlobStore, localBlobRoot, LocalDiskBlobStore, uploadGateway } from '../blobs/index.js';
import { publicPathPrefix, type Config } from '../config/index.js';
import { AppError, buildHttpApp, createLogger, createMetrics, upgradeAnswerRecorder, UpgradeRouter, type HttpApp, type Logger, type Surface } from '../http/index.js';
import { createIsolatedExtractor, type PdfLimits } from '../pipelines/documents/index.js';
import { DocumentService, documentWorkflow } from '../documents/index.js';
import { EventFeed, EventLog, EventPublisher, startRelay } from '../events/index.js';
import { HubService, MemberAccessCache } from '../hubs/index.js';
import { RealtimeEngine } from '../realtime/index.js';
import { startCleanup } from '../maintenance/index.js';
import { NodeRegistry } from '../nodes/index.js';
import { ORGANIZER_WORKFLOW, OrganizerService, organizerWorkflow } from '../organizer/index.js';
import { openStorage, storageOptionsOf } from '../storage/index.js';
import { adminRoutes } from '../surfaces/admin/index.js';
import { documentRealtimeRoutes, documentRoutes } from '../surfaces/documents/index.js';
import { hubMemberRoutes, hubRealtimeRoutes } from '../surfaces/hub/index.js';
import { organizerRealtime, organizerRoutes } from '../surfaces/organizer/index.js';
import { developerRestRoutes, developerSdkRoutes, videoPageRoutes } from '../surfaces/videos/index.js';
import { TenancyService } from '../tenancy/index.js';
import { TranscriptService } from '../transcripts/index.js';
import { sweepStaleWorkDirs, VIDEO_WORKFLOW, VideoService, videoWorkflow } from '../videos/index.js';
import { bindUrl } from '../util/hosts.js';
import { ensurePrivateDir } from '../util/private-files.js';
import { consoleRoutes } from '../web/console.js';
import { createWebhooks } from '../webhooks/index.js';
import { WorkflowEngine } from '../workflows/index.js';
import type { ResourceLimits } from 'node:worker_threads';
import type { AppContext } from './context.js';
import { configuredParts } from './configured-parts.js';
import { devCredentialsEnabled, writeDevCredentials } from './dev-credentials.js';
import { eventTypeRegistry } from './event-types.js';
import { createFanOut, type FanOut } from './fan-out.js';
import { resolveTokenSecret } from './token-secret.js';

/**
 * The folders of the blob store Capstan writes: documents/ (documents' blobKeyFor), organizer/
 * (organizer uploads) and developer/ (videoKey). The cleanup lists, deletes and aborts nothing else.
 */
export const BLOB_KEY_PREFIXES: readonly string[] = ['documents/', 'organizer/', 'developer/'];

/**
 * Workflow kinds whose ended runs the cleanup removes after the retention. Video and organizer runs
 * only drive the work: once they end, the video and job rows hold all that is read. A document's run
 * is where its results live (GET /documents/:id/result and GET /status read its stage outputs), so
 * document runs are kept as long as the document.
 */
export const REMOVABLE_WORKFLOW_KINDS: readonly string[] = [VIDEO_WORKFLOW, ORGANIZER_WORKFLOW];

export interface CapstanServer {
  readonly app: HttpApp;
  readonly ctx: AppContext;
  /** Where dev-credentials.json was written on this start, if it was. */
  readonly devCredentialsPath: string | undefined;
  /** Starts listening; resolves to the base URL. */
  listen(): Promise<string>;
  /** Stops accepting, lets in-flight requests finish (up to the grace time), closes storage. */
  close(): Promise<void>;
}

/** The least time closing the dependencies gets on shutdown, however short the grace. */
const MIN_CLOSE_MS = 2_000;

/** True when `work` settles (either way) within `ms`; false when the time ran out first. */
async function settlesWithin(ms: number, work: () => Promise<void>): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => {
    timer = setTimeout(resolve, ms, false);
  });
  try {
    return await Promise.race([work().then(() => true), late]);
  } finally {
    clearTimeout(timer);
  }
}

export interface ServerOptions {
  readonly logger?: Logger;
}

const MB = 1024 * 1024;

function pdfLimitsOf(config: Config): PdfLimits {
  return {
    maxDecodedBytesPerPage: config.pdfMaxDecodedMbPerPage * MB,
    maxDecodedBytesPerDocument: config.pdfMaxDecodedMbPerDocument * MB,
    maxOperatorsPerPage: config.pdfMaxOperatorsPerPage,
  };
}

/** Each OCR worker thread's V8 limits; unset ones keep Node's defaults. */
function workerLimitsOf(config: Config): ResourceLimits {
  return {
    maxOldGenerationSizeMb: config.ocrWorkerMaxHeapMb,
    ...(config.ocrWorkerYoungHeapMb === null ? {} : { maxYoungGenerationSizeMb: config.ocrWorkerYoungHeapMb }),
    ...(config.ocrWorkerStackMb === null ? {} : { stackSizeMb: config.ocrWorkerStackMb }),
  };
}

export async function createServer(config: Config, options: ServerOptions = {}): Promise<CapstanServer> {
  const logger = options.logger ?? createLogger(config.logLevel);
  const parts = await configuredParts(config, logger);
  // Stored files, the SQLite database and demo credentials live here: this user's only.
  ensurePrivateDir(config.dataDir);
  // The stored files' folder too, now: a file standing in its way fails the start naming it, before
  // the database is made, instead of every upload afterwards (503, "retry shortly", for ever).
  const blobRoot = localBlobRoot({ dataDir: config.dataDir, s3Bucket: config.blobS3Bucket });
  if (blobRoot !== undefined) ensurePrivateDir(blobRoot);
  const storage = openStorage(config.databaseUrl, config.dataDir, storageOptionsOf(config));
  try {
    const report = await storage.migrate();
    if (report.applied.length > 0) logger.info({ applied: report.applied, storage: storage.location }, 'migrations applied');
  } catch (e) {
    await storage.close();
    throw e;
  }
  // A database or Redis that goes away now (restarting, failing over) fails the start, and `serve`
  // tries it again: what was opened is closed first.
  let tokenSecret: string;
  let fanOut: FanOut;
  try {
    tokenSecret = await resolveTokenSecret(config.tokenSecret, storage);
    fanOut = await createFanOut(config, logger);
  } catch (e) {
    await storage.close();
    throw e;
  }
  // Answers kept for an Idempotency-Key retry may show a secret once (an API key): kept sealed.
  storage.sealAnswers(tokenSecret);
  const tokens = new TokenService(tokenSecret);

  const metrics = createMetrics();
  const eventTypes = eventTypeRegistry();
  const bus = fanOut.bus;
  const events = new EventLog(storage, config.realtimeRetentionSeconds * 1000);
  const publisher = new EventPublisher(eventTypes, storage, config.eventMaxPayloadBytes);
  startRelay(storage, bus, logger);
  const feed = new EventFeed(bus, events, { checkEveryMs: config.eventsCheckMs, gapWaitMs: 100, pageSize: config.realtimeReplayPageSize }, logger);
  // API keys verified a moment ago are not read again; revocations reach the cache through the feed.
  const credentialCache = cacheCredentials(storage, feed);
  const realtime = new RealtimeEngine(events, feed, fanOut.limiter, {
    heartbeatMs: config.realtimeHeartbeatMs,
    idleTimeoutMs: config.realtimeIdleTimeoutMs,
    queueLimitBytes: config.realtimeQueueLimitBytes,
    replayPageSize: config.realtimeReplayPageSize,
    maxBufferedEvents: config.realtimeMaxHeldEvents,
    drainWindowMs: config.realtimeDrainWindowMs,
    maxConnectionsPerNode: config.realtimeMaxConnectionsPerNode,
  }, logger, metrics);
  // This node's row in the registry, with its stats and open connections, for the operators.
  const nodes = new NodeRegistry({
    storage, realtime, bus, logger, mode: fanOut.mode,
    redisReady: fanOut.mode === 'scaled' ? () => fanOut.ready() : undefined,
    workflowBacklog: () => storage.workflows.countActive(),
  });
  // Listed before it serves (and taken out again should it fail to listen).
  await nodes.start();
  // Hub members read for a stream connect are not read again until an access change of their hub is heard.
  const memberCache = new MemberAccessCache(feed);
  storage.onCommit((rows) => memberCache.onCommit(rows));
  const hubs = new HubService(storage, publisher, memberCache);
  const tenancy = new TenancyService(storage, tokens, publisher, config.contactTokenTtlSeconds);
  let boundUrl: string | undefined;
  const publicUrl = () => config.publicUrl ?? boundUrl ?? bindUrl(config.host, config.port);
  const blobs = await createBlobStore({
    dataDir: config.dataDir,
    publicUrl,
    signingSecret: tokenSecret,
    multipartMinPartBytes: config.multipartMinPartBytes,
    hashThreads: config.blobHashThreads,
    s3Bucket: config.blobS3Bucket,
    s3Endpoint: config.blobS3Endpoint,
    s3Region: config.blobS3Region,
    s3AccessKeyId: config.blobS3AccessKeyId,
    s3SecretAccessKey: config.blobS3SecretAccessKey,
    s3ForcePathStyle: config.blobS3ForcePathStyle,
    s3KeyPrefix: config.blobS3KeyPrefix,
  });
  const workflows = new WorkflowEngine(storage, {
    concurrency: config.workflowConcurrency,
    reservedSlots: config.workflowReservedSlots,
    leaseMs: config.workflowLeaseMs,
    pollMs: Math.min(1000, Math.max(50, Math.floor(config.workflowLeaseMs / 10))),
    maxAttempts: config.workflowMaxAttempts,
    backoffBaseMs: config.workflowBackoffMs,
    backoffMaxMs: 60_000,
  }, logger);
  // pdfjs and tesseract run on a pool of worker threads (one per core unless configured), shared by
  // every document this node processes and started as work needs them, away from the server's hot paths.
  // The OCR engine's own complaints (an image it cannot decode) are log lines like any other: the
  // document fails with a stable reason either way.
  const onEngineOutput = (line: string) => logger.debug({ line }, 'ocr engine output');
  const extractor = createIsolatedExtractor({
    ...(config.ocrWorkers === null ? {} : { workers: config.ocrWorkers }),
    onEngineOutput,
    pdfLimits: pdfLimitsOf(config),
    resourceLimits: workerLimitsOf(config),
  });
  workflows.define(documentWorkflow({
    storage,
    blobs,
    publisher,
    extractor,
    rules: parts.documentRules,
    fetch: { allow: config.fetchAllowHosts, timeoutMs: config.fetchTimeoutMs, maxBytes: config.documentMaxBytes, maxRedirects: config.fetchMaxRedirects },
    pricePerPageMicro: config.documentPricePerPageMicro,
    maxPages: config.documentMaxPages,
    logger,
  }));
  const documents = new DocumentService(storage, blobs, workflows, publisher, extractor, {
    pricePerPageMicro: config.documentPricePerPageMicro,
    maxBytes: config.documentMaxBytes,
    maxPages: config.documentMaxPages,
    fetchAllow: config.fetchAllowHosts,
    pathPrefix: publicPathPrefix(config),
  });
  workflows.define(videoWorkflow({ storage, blobs, publisher, transcriber: parts.transcriber, ffmpeg: parts.ffmpeg, pricePerMinuteMicro: config.videoPricePerMinuteMicro }));
  const videos = new VideoService(storage, blobs, workflows, publisher, {
    pricePerMinuteMicro: config.videoPricePerMinuteMicro,
    partUrlTtlSeconds: config.multipartUrlTtlSeconds,
    publicUrl,
    logger,
    // Three renewals fit in the time after which an unrenewed claim is taken for dead.
    completeRenewMs: (config.videoCompleteTimeoutSeconds * 1000) / 3,
  });
  const upgrades = new UpgradeRouter(logger, {
    maxMessagesPerSecond: config.realtimeWsMaxMessagesPerSecond,
    adminToken: config.adminToken,
    onAnswered: upgradeAnswerRecorder(logger, metrics, config.adminToken),
  });
  workflows.define(organizerWorkflow({
    storage,
    blobs,
    publisher,
    extractor,
    rules: parts.organizerRules,
    batchSize: config.organizerBatchSize,
    progressIntervalMs: config.organizerProgressIntervalMs,
    maxErrorEvents: config.organizerMaxErrorEvents,
    logger,
  }));
  const organizer = new OrganizerService(storage, blobs, workflows, publisher, {
    maxFileBytes: config.organizerMaxFileBytes,
    maxUploadFiles: config.organizerMaxUploadFiles,
    maxJobFiles: config.organizerMaxJobFiles,
  });
  // Outgoing webhooks follow the event log like the streams do; their secrets are sealed with the token secret.
  const webhooks = createWebhooks({ config, storage, registry: eventTypes, publisher, logger, metrics, tokenSecret });
  const ctx: AppContext = {
    config,
    storage,
    tokens,
    tenancy,
    consoleSessions: new ConsoleSessionService(storage.consoleSessions, config.adminToken, config.consoleSessionTtlSeconds),
    logger,
    metrics,
    eventTypes,
    events,
    publisher,
    realtime,
    nodes,
    hubs,
    blobs,
    workflows,
    documents,
    organizer,
    videos,
    transcripts: new TranscriptService(storage),
    webhooks: webhooks.service,
    publicUrl,
  };
  const surfaces: Surface[] = [adminRoutes(ctx), hubRealtimeRoutes(ctx), hubMemberRoutes(ctx), documentRoutes(ctx), documentRealtimeRoutes(ctx, upgrades), organizerRoutes(ctx)];
  organizerRealtime(ctx, upgrades);
  surfaces.push(developerRestRoutes(ctx), developerSdkRoutes(ctx), videoPageRoutes(ctx));
  surfaces.push(consoleRoutes({ dir: config.consoleDir, enabled: config.adminToken !== null, sessions: ctx.consoleSessions }));
  if (blobs instanceof LocalDiskBlobStore) {
    surfaces.push(uploadGateway({ store: blobs, signer: blobs.signer, maxPartBytes: 5 * 1024 ** 3 }));
  }
  const callers = new CallerIdentifier(storage, tokens, config.adminToken);
  const rateLimits = { counters: fanOut.rateCounters, identify: (credentials: readonly string[]) => callers.identify(credentials), recall: (credentials: readonly string[]) => callers.recall(credentials), perAddress: countsPerAddress };
  const app = await buildHttpApp({ config, logger, metrics, rateLimits, upgrades, ready: async () => {
    // The probes are bounded (a second for the database and the file store, half of one for Redis) and run together.
    const [database, files, redis] = await Promise.all([storage.ping(), blobs.ping(), fanOut.ready()]);
    if (!database) throw new AppError('unavailable', 'Storage is not reachable or cannot take writes');
    if (!files) throw new AppError('unavailable', 'The file store is not reachable or cannot take writes');
    if (!redis) throw new AppError('unavailable', 'Redis is not reachable');
    return true;
  }, idempotency: storage.idempotency }, surfaces);
  upgrades.attach(app.server);
  const devCredentialsPath = devCredentialsEnabled(config) ? await writeDevCredentials(storage, tenancy, config.dataDir) : undefined;
  if (devCredentialsPath) logger.info({ path: devCredentialsPath }, 'first start: demo credentials written');

  const stageLimitMs = Math.max(config.ffmpegTimeoutSeconds * 1000, config.transcriberTimeoutMs) + 3_600_000;
  const pruneEvery = Math.min(60_000, Math.max(1_000, events.retentionMs / 5));
  const completeTimeoutMs = config.videoCompleteTimeoutSeconds * 1000;
  let background: { pruner: NodeJS.Timeout; reconciler: NodeJS.Timeout; cleanup: ReturnType<typeof startCleanup> } | undefined;

  /**
   * The work a node does besides answering requests: workflow and webhook workers, pruning, cleanup
   * and reconciling. It begins once the port is bound, so a node that cannot listen (the port taken)
   * claims no work.
   */
  function startBackground(): void {
    workflows.start();
    webhooks.start();
    // A process killed mid-stage leaves its video work folder behind (a copy of the upload, a rendition):
    // one untouched for longer than any stage may run (its ffmpeg or transcriber timeout, and an hour
    // more for the copies) is removed at start.
    sweepStaleWorkDirs(stageLimitMs)
      .then((removed) => removed > 0 && logger.info({ removed }, 'left-over video work folders removed'))
      .catch((e: unknown) => logger.warn({ err: e }, 'left-over video work folders could not be swept'));
    // Events older than the replay window can no longer be resumed from; drop them. Events the webhook
    // dispatcher has not read yet are kept, however old: a webhook is never lost to pruning.
    const pruner = setInterval(() => {
      webhooks.pruneFloor().then((keepFrom) => events.prune(Date.now(), keepFrom)).catch((e: unknown) => logger.warn({ err: e }, 'event pruning failed'));
    }, pruneEvery);
    pruner.unref();
    // State that must not grow forever (old idempotency keys, ended runs, ended webhook deliveries,
    // expired console sessions, abandoned uploads, orphaned blobs), removed in bounded batches; every node runs it, and
    // concurrent runs are safe.
    const cleanup = startCleanup({ repo: storage.cleanup, blobs, logger, onUploadsExpired: (expired) => videos.uploadsExpired(expired) }, {
      intervalMs: config.cleanupIntervalMs,
      batchSize: config.cleanupBatchSize,
      idempotencyRetentionMs: config.idempotencyRetentionSeconds * 1000,
      removableWorkflowKinds: REMOVABLE_WORKFLOW_KINDS,
      workflowRetentionMs: config.workflowRetentionSeconds * 1000,
      webhookDeliveryRetentionMs: config.webhookDeliveryRetentionSeconds * 1000,
      blobPrefixes: BLOB_KEY_PREFIXES,
      blobOrphanGraceMs: config.blobOrphanGraceSeconds * 1000,
      deletedVideoRetentionMs: config.workflowRetentionSeconds * 1000,
      multipartExpiryMs: config.multipartExpirySeconds * 1000,
    });
    // Completes that died half-way (their node was killed between assembling and recording): finish or roll back.
    const reconciler = setInterval(() => {
      videos.reconcile(completeTimeoutMs).catch((e: unknown) => logger.warn({ err: e }, 'video reconciliation failed'));
    }, Math.min(60_000, Math.max(500, completeTimeoutMs / 2)));
    reconciler.unref();
    background = { pruner, reconciler, cleanup };
  }

  let closing: Promise<void> | undefined;
  return {
    app,
    ctx,
    devCredentialsPath,
    async listen() {
      try {
        await app.listen({ port: config.port, host: config.host, backlog: config.listenBacklog });
      } catch (e) {
        // Never served: not listed as a node, not even as a dead one for the next hour.
        await nodes.close();
        throw e;
      }
      const addr = app.server.address();
      const port = typeof addr === 'object' && addr ? addr.port : config.port;
      boundUrl = bindUrl(config.host, port);
      startBackground();
      logger.info({ url: boundUrl, storage: storage.driver }, 'capstan listening');
      return boundUrl;
    },
    close() {
      closing ??= (async () => {
        clearInterval(background?.pruner);
        clearInterval(background?.reconciler);
        const cleanupStopped = background?.cleanup.stop();
        realtime.drain();
        upgrades.close();
        const grace = setTimeout(() => {
          logger.warn({ graceMs: config.shutdownGraceMs }, 'grace time over: refusing bodies still arriving, closing remaining connections');
          // An upload still arriving is answered 503 draining rather than reset; the rest is cut.
          const endGrace = app.endShutdownGrace?.() ?? Promise.resolve(app.server.closeAllConnections());
          endGrace.catch((e: unknown) => {
            logger.error({ err: e }, 'ending the grace failed: closing every connection');
            app.server.closeAllConnections();
          });
        }, config.shutdownGraceMs);
        grace.unref();
        try {
          await app.close();
        } finally {
          clearTimeout(grace);
          // Each of these may wait on PostgreSQL or Redis (a listening connection's goodbye, a lease
          // handed back). One that stopped answering without closing anything would hold the exit for
          // ever: past the bound the rest is left to the OS, and this node's leases lapse as a dead
          // node's do.
          const closed = await settlesWithin(Math.max(MIN_CLOSE_MS, config.shutdownGraceMs), async () => {
            await workflows.stop();
            await webhooks.close();
            await extractor.close();
            await cleanupStopped;
            await blobs.close();
            credentialCache.close();
            memberCache.close();
            await nodes.close();
            feed.close();
            await bus.close();
            await fanOut.close();
            await storage.close();
          });
          if (!closed) logger.warn({ boundMs: Math.max(MIN_CLOSE_MS, config.shutdownGraceMs) }, 'storage or Redis did not close in time (not answering?): exiting without them');
        }
      })();
      return closing;
    },
  };
}
