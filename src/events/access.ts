// Access changes are events of the log too: a ban, a removal, new segments or a revoked key is
// appended in the transaction that makes it, so every open stream on every node applies it in order,
// even when the bus was down when it happened. Clients never see these events.
import type { EventTypeSpec } from './registry.js';
import type { EventRecord } from './types.js';

export const ACCESS_EVENTS = {
  /** The contacts in scope.contact_ids may no longer see the hub: their streams end. */
  contactRevoked: 'access.contact_revoked',
  /** The contacts in scope.contact_ids see something else now (segments changed): reload their access. */
  contactChanged: 'access.contact_changed',
  /** data.key_ids were revoked: streams opened with one of them end. */
  keyRevoked: 'access.key_revoked',
  /** data.key_ids stay valid but authorize something else now (an app's allowed origins): read them again. */
  keyChanged: 'access.key_changed',
} as const;

export const ACCESS_EVENT_TYPES: readonly EventTypeSpec[] = [
  { type: ACCESS_EVENTS.contactRevoked, scope: 'direct', description: 'Contacts banned or removed (internal)', internal: true },
  { type: ACCESS_EVENTS.contactChanged, scope: 'direct', description: "Contacts' segments changed (internal)", internal: true },
  { type: ACCESS_EVENTS.keyRevoked, scope: 'org', description: 'API keys revoked (internal)', internal: true },
  { type: ACCESS_EVENTS.keyChanged, scope: 'org', description: 'What API keys authorize changed (internal)', internal: true },
];

export const isAccessEvent = (event: EventRecord): boolean => event.type.startsWith('access.');

/** The key ids a key-revocation event names. */
export function revokedKeyIds(event: EventRecord): readonly string[] {
  const ids = event.data.key_ids;
  return Array.isArray(ids) ? ids.filter((x): x is string => typeof x === 'string') : [];
}
