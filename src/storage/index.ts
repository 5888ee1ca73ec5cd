export { openStorage, createRepos, type Storage, type Repos } from './storage.js';
export { driverFor, sqlitePath, type Driver } from './connect.js';
export type { Database } from './schema.js';
export type { Org, OrgKey, OrgRepo } from './repos/orgs.js';
export type { App, AppKey, AppRepo } from './repos/apps.js';
export type { Hub, Contact, HubRepo } from './repos/hubs.js';
export type { LedgerEntry, LedgerRepo, LedgerChange } from './repos/ledger.js';
export type { SettingsRepo } from './repos/settings.js';
