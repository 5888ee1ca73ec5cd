// The delivery workers. Like the workflow engine's workers they claim work under a lease in the
// database (shared by every node, taken over when a node dies) and wake on NOTIFY; what they claim
// is an endpoint, so one request is in flight per endpoint. The holder sends the endpoint's due
// deliveries one at a time in event order, for one short turn, then hands it back: endpoints take
// turns, so receivers that hang hold a worker for one attempt at a time, not for their whole backlog.
// An attempt is counted and its retry time written before the request goes out, so a node killed
// mid-attempt leaves a delivery that is retried on schedule.
import { randomUUID } from 'node:crypto';
import { orgTopic, type EventPublisher } from '../events/index.js';
import type { Logger, Metrics } from '../http/index.js';
import { isStorageUnavailable, WEBHOOK_CHANNEL, type Repos, type Storage, type WebhookDelivery, type WebhookEndpoint } from '../storage/index.js';
import type { SecretBox } from '../util/secret-box.js';
import { nowIso } from '../util/time.js';
import { VERSION } from '../util/version.js';
import { DISABLED_TYPE } from './event-filter.js';
import { retryAt, type RetrySchedule } from './schedule.js';
import { signatureHeader } from './secrets.js';
import { sendWebhook, type AttemptResult, type SendOptions } from './send.js';
import { RepeatedFailureLog } from '../util/repeated-failure.js';

export interface WorkerOptions {
  readonly concurrency: number;
  readonly pollMs: number;
  readonly schedule: RetrySchedule;
  readonly disableAfterMs: number;
  readonly send: SendOptions;
}

/** The lease outlives the longest attempt; it is renewed before each one. */
const LEASE_MARGIN_MS = 5_000;

/**
 * How long a worker keeps starting attempts on the endpoint it claimed. A turn always makes one
 * attempt, so one that hangs until the timeout ends it: other endpoints wait at most about one
 * attempt's timeout for a worker, while a receiver that answers at once gets a run of deliveries.
 */
const TURN_MS = 1_000;

/** One worker's idle wait, woken early by a NOTIFY or this node's own news. */
class IdleWait {
  private resolve: (() => void) | undefined;
  private timer: NodeJS.Timeout | undefined;

  wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.resolve = resolve;
      this.timer = setTimeout(() => this.wake(), ms);
      this.timer.unref();
    });
  }

  wake(): void {
    clearTimeout(this.timer);
    const resolve = this.resolve;
    this.resolve = undefined;
    resolve?.();
  }
}

export class DeliveryWorkers {
  private readonly owner = `wh_${randomUUID()}`;
  private running = false;
  private readonly loops: Promise<void>[] = [];
  private readonly waits: IdleWait[] = [];
  private listening: { close(): Promise<void> } | undefined;
  private readonly leaseMs: number;
  private readonly claimFailures: RepeatedFailureLog;

  constructor(
    private readonly storage: Storage,
    private readonly box: SecretBox,
    private readonly publisher: EventPublisher,
    private readonly options: WorkerOptions,
    private readonly logger: Logger,
    private readonly metrics: Metrics,
  ) {
    this.leaseMs = options.send.timeoutMs + LEASE_MARGIN_MS;
    this.claimFailures = new RepeatedFailureLog(logger, 'webhook claim failed');
  }

  start(): void {
    if (this.running || this.options.concurrency <= 0) return;
    this.running = true;
    this.logger.info({ owner: this.owner, concurrency: this.options.concurrency }, 'webhook workers started');
    this.listening = this.storage.listen(WEBHOOK_CHANNEL, () => this.wake());
    for (let i = 0; i < this.options.concurrency; i++) {
      const wait = new IdleWait();
      this.waits.push(wait);
      this.loops.push(this.loop(wait));
    }
  }

  wake(): void {
    for (const w of this.waits) w.wake();
  }

  /** Stops claiming, lets attempts in flight end (each is bounded by the timeout) and hands the endpoints back. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.wake();
    await Promise.all(this.loops.splice(0));
    this.waits.splice(0);
    await this.listening?.close();
    try {
      await this.storage.webhooks.releaseAll(this.owner);
    } catch (e) {
      this.logger.warn({ err: e }, 'handing webhook endpoints back failed; their leases lapse');
    }
  }

  private async loop(wait: IdleWait): Promise<void> {
    while (this.running) {
      let endpoint: WebhookEndpoint | undefined;
      try {
        endpoint = await this.storage.webhooks.claimEndpoint(this.owner, Date.now(), this.leaseMs);
        this.claimFailures.succeeded();
      } catch (e) {
        this.claimFailures.failed(e);
      }
      if (!endpoint) {
        await wait.wait(this.options.pollMs);
        continue;
      }
      try {
        await this.serve(endpoint.id);
      } catch (e) {
        if (isStorageUnavailable(e)) this.logger.warn({ err: e, endpoint: endpoint.id }, 'webhook delivery not recorded: the database is unavailable; it is tried again');
        else this.logger.error({ err: e, endpoint: endpoint.id }, 'webhook delivery failed to record');
      } finally {
        await this.storage.webhooks.releaseEndpoint(endpoint.id, this.owner).catch(() => undefined);
      }
    }
  }

  /** Sends the endpoint's due deliveries, oldest event first, for one turn. */
  private async serve(endpointId: string): Promise<void> {
    const turnEnds = Date.now() + TURN_MS;
    while (this.running && Date.now() < turnEnds) {
      const now = Date.now();
      if (!(await this.storage.webhooks.renewEndpoint(endpointId, this.owner, now + this.leaseMs))) return;
      // Read afresh each time: it may have been disabled, deleted, pointed elsewhere or given a new secret.
      const endpoint = await this.storage.webhooks.getEndpoint(endpointId);
      if (!endpoint || endpoint.enabled !== 1) return;
      const delivery = await this.storage.webhooks.nextDue(endpointId, now);
      if (!delivery) return;
      await this.attempt(endpoint, delivery);
    }
  }

  private async attempt(endpoint: WebhookEndpoint, delivery: WebhookDelivery): Promise<void> {
    const { schedule } = this.options;
    if (delivery.status === 'delivering') {
      // Its last attempt never recorded an outcome: the node making it stopped (a kill, a crash).
      await this.storage.webhooks.addAttempt({
        delivery_id: delivery.id, attempt: delivery.attempts, started_at: delivery.updated_at, duration_ms: 0, status_code: null,
        outcome: 'network', error: 'interrupted: the node making the attempt stopped', response_body: null, next_attempt_at: delivery.next_attempt_at,
      });
      if (delivery.attempts > schedule.length) {
        await this.storage.webhooks.updateDelivery(delivery.id, { status: 'failed', next_attempt_at: null, updated_at: nowIso() }, true);
        return;
      }
    }
    const attempt = delivery.attempts + 1;
    const startedAt = nowIso();
    // Written before the request: if this node dies now, the delivery comes back when this retry falls due.
    const fallback = retryAt(schedule, attempt, Date.now()) ?? Date.now() + this.leaseMs;
    if (!(await this.storage.webhooks.updateDelivery(delivery.id, { status: 'delivering', attempts: attempt, next_attempt_at: fallback, updated_at: startedAt }, true))) return;

    const secrets = [this.box.open(endpoint.secret_enc)];
    if (endpoint.previous_secret_enc && (endpoint.previous_secret_expires_at ?? 0) > Date.now()) secrets.push(this.box.open(endpoint.previous_secret_enc));
    const usable = secrets.filter((s): s is string => s !== undefined);
    let result: AttemptResult;
    if (usable.length === 0) {
      result = { outcome: 'blocked', statusCode: null, error: 'the endpoint secret cannot be read (was CAPSTAN_TOKEN_SECRET changed?); rotate it', responseBody: null, durationMs: 0 };
    } else {
      const timestamp = Math.floor(Date.now() / 1000);
      result = await sendWebhook(endpoint.url, {
        'webhook-id': delivery.event_id,
        'webhook-timestamp': String(timestamp),
        'webhook-signature': signatureHeader(delivery.event_id, timestamp, delivery.payload, usable),
        'user-agent': `Capstan/${VERSION}`,
        'x-api-version': VERSION,
      }, delivery.payload, this.options.send);
    }
    this.metrics.webhookAttempts.inc({ outcome: result.outcome });
    this.metrics.webhookLatency.observe({ outcome: result.outcome }, result.durationMs / 1000);
    await this.record(endpoint, delivery, attempt, startedAt, result);
  }

  private async record(endpoint: WebhookEndpoint, delivery: WebhookDelivery, attempt: number, startedAt: string, result: AttemptResult): Promise<void> {
    const now = Date.now();
    const ok = result.outcome === 'success';
    const gone = result.outcome === 'gone';
    const next = ok || gone ? undefined : retryAt(this.options.schedule, attempt, now);
    const at = nowIso();
    await this.storage.transaction(async (tx) => {
      // A delivery cancelled meanwhile (its endpoint deleted or disabled) stays cancelled; the attempt is still logged.
      await tx.webhooks.updateDelivery(delivery.id, { status: ok ? 'succeeded' : next === undefined ? 'failed' : 'pending', next_attempt_at: next ?? null, updated_at: at }, true);
      await tx.webhooks.addAttempt({
        delivery_id: delivery.id, attempt, started_at: startedAt, duration_ms: result.durationMs, status_code: result.statusCode,
        outcome: result.outcome, error: result.error, response_body: result.responseBody, next_attempt_at: next ?? null,
      });
      // The endpoint as it was when the attempt started: one disabled meanwhile (and perhaps enabled
      // again, starting afresh) keeps the state the operator gave it, so every change below is guarded.
      if (ok) {
        if (endpoint.failing_since !== null) await tx.webhooks.updateEnabledEndpoint(endpoint.id, endpoint.enable_generation, { failing_since: null });
        return;
      }
      const failingSince = endpoint.failing_since ?? now;
      if (endpoint.failing_since === null && !(await tx.webhooks.updateEnabledEndpoint(endpoint.id, endpoint.enable_generation, { failing_since: failingSince }))) return;
      if (gone) await this.disable(tx, endpoint, 'gone', failingSince);
      else if (now - failingSince >= this.options.disableAfterMs) await this.disable(tx, endpoint, 'failing', failingSince);
    });
    if (ok) this.metrics.webhookDelivered.observe(Math.max(0, now - Date.parse(delivery.created_at)) / 1000);
  }

  /**
   * Disables the endpoint, cancels its open deliveries and records webhook.disabled, in the caller's
   * transaction; nothing when it was disabled, enabled again or deleted since the attempt started.
   */
  private async disable(tx: Repos, endpoint: WebhookEndpoint, reason: 'gone' | 'failing', failingSince: number): Promise<void> {
    const at = nowIso();
    if (!(await tx.webhooks.updateEnabledEndpoint(endpoint.id, endpoint.enable_generation, { enabled: 0, disabled_reason: reason, updated_at: at }))) return;
    const cancelled = await tx.webhooks.cancelOpen(endpoint.id, at);
    await this.publisher.append(tx, {
      topic: orgTopic(endpoint.org_id),
      orgId: endpoint.org_id,
      type: DISABLED_TYPE,
      // The instant the endpoint row holds, so the event and GET …/webhooks/:id agree to the millisecond.
      data: { endpoint_id: endpoint.id, reason, failing_since: new Date(failingSince).toISOString(), cancelled_deliveries: cancelled },
    });
    this.logger.warn({ endpoint: endpoint.id, reason }, 'webhook endpoint disabled');
  }
}
