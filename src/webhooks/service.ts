// Managing webhook endpoints and their deliveries: what the admin API and the CLI call. Deliveries are
// made by the dispatcher (from the event log) and sent by the workers; here they are only listed,
// retried, cancelled (with their endpoint) or added for a test.
import { hubTopic, orgTopic, type EventTypeRegistry } from '../events/index.js';
import type { Repos, Storage, WebhookAttempt, WebhookDelivery, WebhookDeliveryStatus, WebhookEndpoint } from '../storage/index.js';
import { newId, uuidv7 } from '../util/ids.js';
import type { SecretBox } from '../util/secret-box.js';
import { nowIso } from '../util/time.js';
import { WebhookError } from './errors.js';
import { checkFilter, deliverableTypes, TEST_TYPE } from './event-filter.js';
import { messageBody } from './messages.js';
import { newWebhookSecret } from './secrets.js';
import { checkEndpointUrl, type UrlPolicy } from './url-policy.js';

/** How long the secret a rotation replaced keeps signing alongside the new one. */
export const SECRET_OVERLAP_MS = 24 * 3600 * 1000;

export interface WebhookServiceOptions {
  readonly policy: UrlPolicy;
  readonly registry: EventTypeRegistry;
  readonly box: SecretBox;
  /** Called after a change that may give this node's workers or dispatcher something to do. */
  readonly onChange?: () => void;
}

export interface EndpointInput {
  readonly url: string;
  readonly events?: readonly string[];
  readonly description?: string;
}

export interface EndpointPatch {
  readonly url?: string;
  /** null: every event. */
  readonly events?: readonly string[] | null;
  readonly description?: string | null;
  readonly enabled?: boolean;
}

export interface DeliveryWithAttempts {
  readonly delivery: WebhookDelivery;
  readonly attempts: readonly WebhookAttempt[];
}

export class WebhookService {
  constructor(
    private readonly storage: Storage,
    private readonly options: WebhookServiceOptions,
  ) {}

  /** Every type an endpoint may filter on. */
  eventTypes(): string[] {
    return deliverableTypes(this.options.registry);
  }

  async create(orgId: string, input: EndpointInput): Promise<{ endpoint: WebhookEndpoint; secret: string }> {
    if (!(await this.storage.orgs.get(orgId))) throw new WebhookError('not_found', 'Organization not found');
    const url = await checkEndpointUrl(input.url, this.options.policy);
    const events = checkFilter(input.events, this.eventTypes());
    const secret = newWebhookSecret();
    const at = nowIso();
    const endpoint: WebhookEndpoint = {
      id: newId('wh'),
      org_id: orgId,
      url,
      description: input.description ?? null,
      events: events === undefined ? null : JSON.stringify(events),
      enabled: 1,
      disabled_reason: null,
      secret_enc: this.options.box.seal(secret),
      previous_secret_enc: null,
      previous_secret_expires_at: null,
      failing_since: null,
      lease_owner: null,
      lease_expires_at: null,
      served_at: 0,
      enable_generation: 0,
      created_at: at,
      updated_at: at,
      deleted_at: null,
    };
    await this.storage.transaction(async (tx) => {
      await tx.webhooks.createEndpoint(endpoint);
      await startFromNow(tx, endpoint.id, orgId);
    });
    this.options.onChange?.();
    return { endpoint, secret };
  }

  async list(orgId: string): Promise<WebhookEndpoint[]> {
    if (!(await this.storage.orgs.get(orgId))) throw new WebhookError('not_found', 'Organization not found');
    return this.storage.webhooks.listEndpoints(orgId);
  }

  async get(id: string): Promise<WebhookEndpoint> {
    const endpoint = await this.storage.webhooks.getEndpoint(id);
    if (!endpoint) throw new WebhookError('not_found', 'Webhook endpoint not found');
    return endpoint;
  }

  /**
   * Disabling cancels the open deliveries; enabling starts afresh: from the events committed after it
   * (those of the disabled time are not sent; see docs/webhooks.md), and a new run of failures counts from
   * zero. A new URL is a new receiver: its run of failures counts from zero too.
   */
  async update(id: string, patch: EndpointPatch): Promise<WebhookEndpoint> {
    const current = await this.get(id);
    const next: Partial<WebhookEndpoint> = { updated_at: nowIso() };
    if (patch.url !== undefined) next.url = await checkEndpointUrl(patch.url, this.options.policy);
    if (patch.events !== undefined) {
      const events = patch.events === null ? undefined : checkFilter(patch.events, this.eventTypes());
      next.events = events === undefined ? null : JSON.stringify(events);
    }
    if (patch.description !== undefined) next.description = patch.description;
    // A new generation: an attempt in flight since before the enable, or to the address before this one,
    // no longer counts (see workers.ts); a new receiver's run of failures counts from zero.
    const enabling = patch.enabled === true && current.enabled !== 1;
    const retargeted = next.url !== undefined && next.url !== current.url;
    if (enabling || retargeted) Object.assign(next, { failing_since: null, enable_generation: current.enable_generation + 1 });
    if (enabling) Object.assign(next, { enabled: 1, disabled_reason: null });
    if (patch.enabled === false && current.enabled === 1) Object.assign(next, { enabled: 0, disabled_reason: 'manual' });
    await this.storage.transaction(async (tx) => {
      if (!(await tx.webhooks.updateEndpoint(id, next))) throw new WebhookError('not_found', 'Webhook endpoint not found');
      if (next.enabled === 0) await tx.webhooks.cancelOpen(id, next.updated_at!);
      if (next.enabled === 1) await startFromNow(tx, id, current.org_id);
    });
    this.options.onChange?.();
    return this.get(id);
  }

  /** Deletes the endpoint and cancels its open deliveries: nothing is sent to it afterwards. */
  async remove(id: string): Promise<void> {
    await this.get(id);
    const at = nowIso();
    await this.storage.transaction(async (tx) => {
      if (!(await tx.webhooks.updateEndpoint(id, { deleted_at: at, enabled: 0, updated_at: at }))) throw new WebhookError('not_found', 'Webhook endpoint not found');
      await tx.webhooks.cancelOpen(id, at);
    });
  }

  /**
   * A new secret; the one it replaces keeps signing alongside it for 24 hours (a third one drops the
   * oldest). A replaced secret this server cannot read (sealed under another CAPSTAN_TOKEN_SECRET)
   * could sign nothing, so it is dropped at once and no overlap is announced.
   */
  async rotateSecret(id: string): Promise<{ endpoint: WebhookEndpoint; secret: string }> {
    const current = await this.get(id);
    const secret = newWebhookSecret();
    const replacedSigns = this.options.box.open(current.secret_enc) !== undefined;
    // In a transaction, so an Idempotency-Key retry replays this rotation instead of making another.
    await this.storage.transaction(async (tx) => {
      await tx.webhooks.updateEndpoint(id, {
        secret_enc: this.options.box.seal(secret),
        previous_secret_enc: replacedSigns ? current.secret_enc : null,
        previous_secret_expires_at: replacedSigns ? Date.now() + SECRET_OVERLAP_MS : null,
        updated_at: nowIso(),
      });
    });
    return { endpoint: await this.get(id), secret };
  }

  async deliveries(id: string, status: WebhookDeliveryStatus | undefined, limit: number, offset: number): Promise<DeliveryWithAttempts[]> {
    await this.get(id);
    const rows = await this.storage.webhooks.listDeliveries(id, status, limit, offset);
    const attempts = await this.storage.webhooks.attemptsOf(rows.map((r) => r.id));
    return rows.map((delivery) => ({ delivery, attempts: attempts.filter((a) => a.delivery_id === delivery.id) }));
  }

  /** Sends a delivery again now, whatever it ended as; its later attempts follow the schedule's remainder. */
  async retry(id: string, deliveryId: string): Promise<DeliveryWithAttempts> {
    const endpoint = await this.enabled(id);
    const delivery = await this.storage.webhooks.getDelivery(deliveryId);
    if (!delivery || delivery.endpoint_id !== endpoint.id) throw new WebhookError('not_found', 'Delivery not found');
    await this.storage.transaction(async (tx) => {
      await tx.webhooks.updateDelivery(deliveryId, { status: delivery.status === 'delivering' ? 'delivering' : 'pending', next_attempt_at: Date.now(), updated_at: nowIso() });
      await tx.webhooks.notify();
    });
    this.options.onChange?.();
    return { delivery: (await this.storage.webhooks.getDelivery(deliveryId)) ?? delivery, attempts: await this.storage.webhooks.attemptsOf([deliveryId]) };
  }

  /** Queues a webhook.test message to this endpoint alone (whatever its filter). */
  async sendTest(id: string): Promise<WebhookDelivery> {
    const endpoint = await this.enabled(id);
    const eventId = uuidv7();
    const at = nowIso();
    const delivery: WebhookDelivery = {
      id: newId('whd'),
      endpoint_id: endpoint.id,
      org_id: endpoint.org_id,
      event_id: eventId,
      event_type: TEST_TYPE,
      order_key: `${eventId}.0`,
      payload: messageBody(TEST_TYPE, at, { endpoint_id: endpoint.id, org_id: endpoint.org_id }),
      status: 'pending',
      attempts: 0,
      next_attempt_at: Date.now(),
      created_at: at,
      updated_at: at,
    };
    await this.storage.transaction(async (tx) => {
      await tx.webhooks.addDelivery(delivery);
      await tx.webhooks.notify();
    });
    this.options.onChange?.();
    return delivery;
  }

  private async enabled(id: string): Promise<WebhookEndpoint> {
    const endpoint = await this.get(id);
    if (endpoint.enabled !== 1) throw new WebhookError('disabled', 'The webhook endpoint is disabled; enable it (PATCH {"enabled": true}) first');
    return endpoint;
  }
}

/**
 * Makes the endpoint follow its organization's topics from their newest committed event on. The
 * cursors are held first, so no dispatcher pass runs between reading the heads and committing: a pass
 * that started before waits, then the heads read here are past whatever it recorded without this
 * endpoint; a pass after sees the endpoint with its starts. A topic without a cursor gets one at its
 * head; one that other endpoints follow keeps its place.
 */
async function startFromNow(tx: Repos, endpointId: string, orgId: string): Promise<void> {
  const topics = [orgTopic(orgId), ...(await tx.webhooks.hubIdsOf([orgId])).map(hubTopic)];
  const seen = await tx.events.heads(topics);
  await tx.webhooks.holdCursors(new Map(topics.map((t) => [t, seen.get(t) ?? 0])));
  await tx.webhooks.startEndpoint(endpointId, await tx.events.heads(topics));
}
