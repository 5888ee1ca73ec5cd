// Response schemas of the admin webhook routes: endpoints (their secret only in the answers that make
// one), deliveries with their attempts, and the event types a filter may name, as
// src/webhooks/present.ts writes them.
import { Type } from '@sinclair/typebox';
import { Nullable, Timestamp } from './schemas.js';

const T0 = '2025-01-31T12:00:00.000Z';
const ENDPOINT = 'wh_Bn4mQ2wE8rT6yU0iO3pA';

const endpointFields = {
  id: Type.String({ description: 'Webhook endpoint id (wh_…)' }),
  org_id: Type.String({ description: 'Organization id' }),
  url: Type.String({ description: 'Where messages are POSTed' }),
  events: Nullable(Type.Array(Type.String(), { description: 'Event types and prefix.* patterns; null: every event' })),
  description: Nullable(Type.String()),
  enabled: Type.Boolean(),
  disabled_reason: Nullable(Type.Union([Type.Literal('manual'), Type.Literal('gone'), Type.Literal('failing')], {
    description: 'manual: PATCH enabled false; gone: the receiver answered 410; failing: it failed for CAPSTAN_WEBHOOK_DISABLE_AFTER_SECONDS',
  })),
  failing_since: Nullable(Timestamp),
  previous_secret_expires_at: Nullable(Timestamp),
  created_at: Timestamp,
  updated_at: Timestamp,
};
const endpointExample = {
  id: ENDPOINT, org_id: 'org_8Yq2mB4nKcR7tW1xZ3pL', url: 'https://hooks.example.com/capstan', events: ['document.*', 'video.ready'], description: 'Billing sync',
  enabled: true, disabled_reason: null, failing_since: null, previous_secret_expires_at: null, created_at: T0, updated_at: T0,
};

export const WebhookEndpoint = Type.Object(endpointFields, { examples: [endpointExample] });

export const WebhookEndpointWithSecret = Type.Object({
  ...endpointFields,
  secret: Type.String({ description: 'The signing secret (whsec_…, Standard Webhooks): shown only in this answer' }),
}, { examples: [{ ...endpointExample, secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' }] });

export const WebhookEndpointList = Type.Object({ data: Type.Array(WebhookEndpoint) }, { examples: [{ data: [endpointExample] }] });

export const WebhookAttempt = Type.Object({
  attempt: Type.Integer({ minimum: 1, description: '1 for the first attempt' }),
  started_at: Timestamp,
  duration_ms: Type.Integer({ minimum: 0 }),
  status_code: Nullable(Type.Integer({ description: 'The receiver\'s HTTP status; null when none came' })),
  outcome: Type.Union(['success', 'gone', 'redirect', 'http_error', 'timeout', 'blocked', 'network'].map((o) => Type.Literal(o))),
  error: Nullable(Type.String()),
  response_body: Nullable(Type.String({ description: 'The first 4 KiB of the receiver\'s answer' })),
  next_attempt_at: Nullable(Timestamp),
});

const deliveryExample = {
  id: 'whd_Qa1sW2eD3rF4tG5yH6uJ', endpoint_id: ENDPOINT, event_id: '01948f3a-7b2c-7d4e-8f10-2a3b4c5d6e7f', type: 'document.completed', status: 'succeeded',
  attempt_count: 1, next_attempt_at: null, created_at: T0, updated_at: T0,
  attempts: [{ attempt: 1, started_at: T0, duration_ms: 84, status_code: 200, outcome: 'success', error: null, response_body: 'ok', next_attempt_at: null }],
};

export const WebhookDelivery = Type.Object({
  id: Type.String({ description: 'Delivery id (whd_…)' }),
  endpoint_id: Type.String({ description: 'Webhook endpoint id' }),
  event_id: Type.String({ description: 'The webhook-id header: the event\'s UUIDv7' }),
  type: Type.String({ description: 'The event type' }),
  status: Type.Union([Type.Literal('pending'), Type.Literal('delivering'), Type.Literal('succeeded'), Type.Literal('failed'), Type.Literal('cancelled')]),
  attempt_count: Type.Integer({ minimum: 0 }),
  next_attempt_at: Nullable(Timestamp),
  created_at: Timestamp,
  updated_at: Timestamp,
  attempts: Type.Array(WebhookAttempt, { description: 'Oldest first' }),
}, { examples: [deliveryExample] });

export const WebhookDeliveryList = Type.Object({ data: Type.Array(WebhookDelivery) }, { examples: [{ data: [deliveryExample] }] });

export const WebhookEventTypes = Type.Object({
  data: Type.Array(Type.String(), { description: 'Event types, sorted' }),
}, { examples: [{ data: ['community.broadcast.published', 'document.completed', 'document.failed', 'document.status', 'video.ready', 'webhook.disabled', 'webhook.test'] }] });
