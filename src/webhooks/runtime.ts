// Webhooks in a running server: the service the admin API calls, the dispatcher that turns committed
// events into deliveries (woken by this node's commits, and by a poll for everything else), and the
// delivery workers.
import type { Config } from '../config/index.js';
import type { EventPublisher, EventTypeRegistry } from '../events/index.js';
import type { Logger, Metrics } from '../http/index.js';
import type { Storage } from '../storage/index.js';
import { WebhookDispatcher } from './dispatcher.js';
import { parseSchedule } from './schedule.js';
import { webhookSecretBox } from './secrets.js';
import { WebhookService } from './service.js';
import type { UrlPolicy } from './url-policy.js';
import { DeliveryWorkers } from './workers.js';

/** The start of an answer kept in the delivery log; the rest is not read. */
export const MAX_RESPONSE_BYTES = 4096;

export interface WebhookDeps {
  readonly config: Config;
  readonly storage: Storage;
  readonly registry: EventTypeRegistry;
  readonly publisher: EventPublisher;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly tokenSecret: string;
}

export interface WebhookRuntime {
  readonly service: WebhookService;
  readonly dispatcher: WebhookDispatcher;
  start(): void;
  /** The id below which the event log may be pruned without losing an undispatched event (undefined: no limit). */
  pruneFloor(): Promise<string | undefined>;
  close(): Promise<void>;
}

export function urlPolicy(config: Config): UrlPolicy {
  return { allow: config.fetchAllowHosts, allowHttp: config.webhookAllowHttp };
}

export function createWebhooks(deps: WebhookDeps): WebhookRuntime {
  const { config, storage, registry, logger } = deps;
  const box = webhookSecretBox(deps.tokenSecret);
  const policy = urlPolicy(config);
  const workers = new DeliveryWorkers(storage, box, deps.publisher, {
    concurrency: config.webhookConcurrency,
    pollMs: config.webhookPollMs,
    schedule: parseSchedule(config.webhookRetryScheduleMs),
    disableAfterMs: config.webhookDisableAfterSeconds * 1000,
    send: { ...policy, timeoutMs: config.webhookTimeoutMs, maxResponseBytes: MAX_RESPONSE_BYTES },
  }, logger, deps.metrics);
  const dispatcher = new WebhookDispatcher(storage, registry, logger, () => workers.wake());
  const service = new WebhookService(storage, {
    policy,
    registry,
    box,
    onChange: () => {
      dispatcher.schedule();
      workers.wake();
    },
  });
  let poll: NodeJS.Timeout | undefined;
  return {
    service,
    dispatcher,
    start() {
      storage.onCommit((rows) => {
        if (rows.some((r) => dispatcher.watches(r.org_id))) dispatcher.schedule();
      });
      poll = setInterval(() => dispatcher.schedule(), config.webhookPollMs);
      poll.unref();
      dispatcher.schedule();
      workers.start();
    },
    pruneFloor: () => dispatcher.oldestUndispatched(),
    async close() {
      clearInterval(poll);
      await dispatcher.close();
      await workers.stop();
    },
  };
}
