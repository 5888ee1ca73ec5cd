// The API shapes of endpoints and deliveries (the admin API and the CLI print the same). Secrets never
// appear here: they are shown once, by the calls that make them.
import type { WebhookAttempt, WebhookEndpoint } from '../storage/index.js';
import type { DeliveryWithAttempts } from './service.js';

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

export function presentEndpoint(e: WebhookEndpoint) {
  return {
    id: e.id,
    org_id: e.org_id,
    url: e.url,
    events: e.events === null ? null : (JSON.parse(e.events) as string[]),
    description: e.description,
    enabled: e.enabled === 1,
    disabled_reason: e.disabled_reason,
    failing_since: iso(e.failing_since),
    previous_secret_expires_at: e.previous_secret_expires_at !== null && e.previous_secret_expires_at > Date.now() ? iso(e.previous_secret_expires_at) : null,
    created_at: e.created_at,
    updated_at: e.updated_at,
  };
}

function presentAttempt(a: WebhookAttempt) {
  return {
    attempt: a.attempt,
    started_at: a.started_at,
    duration_ms: a.duration_ms,
    status_code: a.status_code,
    outcome: a.outcome,
    error: a.error,
    response_body: a.response_body,
    next_attempt_at: iso(a.next_attempt_at),
  };
}

export function presentDelivery({ delivery: d, attempts }: DeliveryWithAttempts) {
  return {
    id: d.id,
    endpoint_id: d.endpoint_id,
    event_id: d.event_id,
    type: d.event_type,
    status: d.status,
    attempt_count: d.attempts,
    next_attempt_at: iso(d.next_attempt_at),
    created_at: d.created_at,
    updated_at: d.updated_at,
    attempts: attempts.map(presentAttempt),
  };
}
