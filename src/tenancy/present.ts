// Response shapes of the admin API. Key hashes never leave storage; keys appear only at creation.
import type { App, AppKey, Contact, Hub, LedgerEntry, Org, OrgKey } from '../storage/index.js';

export const presentOrg = (org: Org) => ({ id: org.id, name: org.name, credits_micro: org.credits_micro, created_at: org.created_at, updated_at: org.updated_at });

export const presentKey = (key: OrgKey) => ({ id: key.id, mode: key.mode, display: key.display, created_at: key.created_at, revoked_at: key.revoked_at });

export const presentApp = (app: App) => ({
  id: app.id,
  org_id: app.org_id,
  name: app.name,
  environment: app.environment,
  allowed_origins: JSON.parse(app.allowed_origins) as string[],
  created_at: app.created_at,
});

export const presentHub = (hub: Hub) => ({ id: hub.id, org_id: hub.org_id, name: hub.name, created_at: hub.created_at });

export const presentContact = (c: Contact) => ({ id: c.id, hub_id: c.hub_id, name: c.name, role: c.role, status: c.status, created_at: c.created_at, updated_at: c.updated_at });

export const presentAppKey = (key: AppKey) => ({ id: key.id, kind: key.kind, display: key.display, created_at: key.created_at, revoked_at: key.revoked_at });

export const presentLedgerEntry = (e: LedgerEntry) => ({ id: e.id, amount_micro: e.amount_micro, balance_micro: e.balance_after_micro, reason: e.reason, ref: e.ref, created_at: e.created_at });
