// An endpoint's events filter: exact event types and `prefix.*` patterns, checked against the types
// that exist when the endpoint is saved; no filter means every event.
import type { EventTypeRegistry, EventTypeSpec } from '../events/index.js';
import { WebhookError } from './errors.js';

/** Webhook-only types: derived from a document.status whose status is terminal, and the test message. */
export const DERIVED_TYPES = ['document.completed', 'document.failed'] as const;
export const TEST_TYPE = 'webhook.test';
export const DISABLED_TYPE = 'webhook.disabled';

/** Recorded in the log when an endpoint is disabled for failing (internal: no stream shows it, no API publishes it). */
export const WEBHOOK_EVENT_TYPES: readonly EventTypeSpec[] = [
  { type: DISABLED_TYPE, scope: 'org', description: 'A webhook endpoint was disabled: it answered 410, or every attempt failed for CAPSTAN_WEBHOOK_DISABLE_AFTER_SECONDS (internal)', internal: true },
];

/** Every type a webhook can carry: the log's public types, webhook.disabled, and the webhook-only ones. */
export function deliverableTypes(registry: EventTypeRegistry): string[] {
  const logged = registry.list().filter((s) => s.internal !== true || s.type === DISABLED_TYPE).map((s) => s.type);
  return [...new Set([...logged, ...DERIVED_TYPES, TEST_TYPE])].sort();
}

/** Whether an event of this type from the log goes to webhooks at all. */
export function isDeliverable(registry: EventTypeRegistry, type: string): boolean {
  return registry.isPublic(type) || type === DISABLED_TYPE;
}

/** The filter to store (undefined: every event); throws WebhookError unknown_event_type. */
export function checkFilter(events: readonly string[] | undefined, known: readonly string[]): string[] | undefined {
  if (events === undefined) return undefined;
  for (const entry of events) {
    const ok = entry.endsWith('.*') ? known.some((t) => t.startsWith(entry.slice(0, -1))) : known.includes(entry);
    if (!ok) throw new WebhookError('unknown_event_type', `events: "${entry}" is not an event type or a prefix of one (see GET /admin/v1/webhook-event-types)`);
  }
  return [...new Set(events)];
}

export function matchesFilter(filter: readonly string[] | null, type: string): boolean {
  if (filter === null) return true;
  return filter.some((entry) => (entry.endsWith('.*') ? type.startsWith(entry.slice(0, -1)) : entry === type));
}
