// Organizations, their keys, developer apps, hubs and contacts: the operations behind the admin API
// and `capstan admin`. Keys are returned once, here, and only their hashes are stored. A revocation
// commits with the event that ends the streams opened with the key, on every node.
import { allowedOriginList, generateKey, KEY_PREFIXES, type TokenService } from '../auth/index.js';
import { grantCredits } from '../billing/index.js';
import { ACCESS_EVENTS, orgTopic, type EventPublisher } from '../events/index.js';
import { AppError } from '../http/errors.js';
import type { App, AppKey, Contact, Hub, LedgerEntry, Org, OrgKey, Repos, Storage } from '../storage/index.js';
import { newId } from '../util/ids.js';
import { nowIso } from '../util/time.js';

export type KeyMode = 'test' | 'live';

export interface CreatedOrg {
  readonly org: Org;
  readonly apiKey: string;
  readonly key: OrgKey;
}

export interface CreatedKey {
  readonly key: OrgKey;
  readonly apiKey: string;
}

export interface AppKeyPair {
  readonly secretKey: string;
  readonly publicKey: string;
}

export interface CreatedApp extends AppKeyPair {
  readonly app: App;
}

export interface AppWithKeys {
  readonly app: App;
  readonly keys: AppKey[];
}

export interface AppPatch {
  readonly name?: string;
  readonly allowedOrigins?: readonly string[];
}

export interface AppInput {
  readonly name: string;
  readonly environment: App['environment'];
  readonly allowedOrigins: readonly string[];
}

export class TenancyService {
  constructor(
    private readonly storage: Storage,
    private readonly tokens: TokenService,
    private readonly publisher: EventPublisher,
    private readonly contactTokenTtlSeconds: number,
  ) {}

  async createOrg(name: string, creditsMicro = 0, mode: KeyMode = 'test'): Promise<CreatedOrg> {
    if (!Number.isSafeInteger(creditsMicro) || creditsMicro < 0 || creditsMicro > MAX_OPERATOR_CREDITS_MICRO) {
      throw new AppError('invalid_request', `credits_micro must be an integer from 0 to ${MAX_OPERATOR_CREDITS_MICRO}`);
    }
    const at = nowIso();
    const orgId = newId('org');
    return this.storage.transaction(async (tx) => {
      await tx.orgs.create({ id: orgId, name, credits_micro: 0, created_at: at, updated_at: at });
      const { key, apiKey } = await this.addKey(tx.orgs, orgId, mode, at);
      if (creditsMicro > 0) await grantCredits(tx, { orgId, amountMicro: creditsMicro, reason: 'grant' });
      const org = await tx.orgs.get(orgId);
      if (!org) throw new Error('organization vanished inside its own transaction');
      return { org, apiKey, key };
    });
  }

  async getOrg(orgId: string): Promise<Org> {
    const org = await this.storage.orgs.get(orgId);
    if (!org) throw new AppError('not_found', 'Organization not found');
    return org;
  }

  async createOrgKey(orgId: string, mode: KeyMode = 'test'): Promise<CreatedKey> {
    await this.getOrg(orgId);
    // In a transaction, so that an Idempotency-Key is claimed with the key (http/idempotency.ts).
    return this.storage.transaction((tx) => this.addKey(tx.orgs, orgId, mode, nowIso()));
  }

  async listOrgKeys(orgId: string): Promise<OrgKey[]> {
    await this.getOrg(orgId);
    return this.storage.orgs.listKeys(orgId);
  }

  async revokeOrgKey(orgId: string, keyId: string): Promise<void> {
    await this.getOrg(orgId);
    await this.storage.transaction(async (tx) => {
      if (!(await tx.orgs.revokeKey(orgId, keyId, nowIso()))) throw new AppError('not_found', 'Key not found');
      await this.keysRevoked(tx, orgId, [keyId]);
    });
  }

  /**
   * A new key of the same mode, and the old one revoked, in one transaction: the revocation ends the
   * old key's streams and drops it from every node's key cache, exactly as revokeOrgKey does.
   */
  async rotateOrgKey(orgId: string, keyId: string): Promise<CreatedKey> {
    await this.getOrg(orgId);
    const old = (await this.storage.orgs.listKeys(orgId)).find((k) => k.id === keyId && k.revoked_at === null);
    if (!old) throw new AppError('not_found', 'Key not found');
    const at = nowIso();
    return this.storage.transaction(async (tx) => {
      if (!(await tx.orgs.revokeKey(orgId, keyId, at))) throw new AppError('not_found', 'Key not found');
      const created = await this.addKey(tx.orgs, orgId, old.mode, at);
      await this.keysRevoked(tx, orgId, [keyId]);
      return created;
    });
  }

  /** The organization's credit ledger, newest first. */
  async ledger(orgId: string, limit: number, offset: number): Promise<LedgerEntry[]> {
    await this.getOrg(orgId);
    return this.storage.ledger.entries(orgId, limit, offset);
  }

  /** An operator's grant or correction; the API and the CLI take the same amounts and reasons. */
  async addCredits(orgId: string, amountMicro: number, reason = 'grant'): Promise<number> {
    checkOperatorCredits(amountMicro, reason);
    return this.storage.transaction((tx) => grantCredits(tx, { orgId, amountMicro, reason }));
  }

  async createApp(orgId: string, input: AppInput): Promise<CreatedApp> {
    await this.getOrg(orgId);
    const at = nowIso();
    const app: App = {
      id: newId('app'),
      org_id: orgId,
      name: input.name,
      environment: input.environment,
      allowed_origins: JSON.stringify(allowedOriginList(input.allowedOrigins)),
      created_at: at,
      updated_at: at,
    };
    return this.storage.transaction(async (tx) => {
      await tx.apps.create(app);
      return { app, ...(await this.addAppKeys(tx.apps, app.id, at)) };
    });
  }

  async getApp(appId: string): Promise<App> {
    const app = await this.storage.apps.get(appId);
    if (!app) throw new AppError('not_found', 'App not found');
    return app;
  }

  /** The organization's apps, oldest first, each with every key it ever had (hashes stay in storage). */
  async listApps(orgId: string): Promise<AppWithKeys[]> {
    await this.getOrg(orgId);
    const apps = await this.storage.apps.listForOrg(orgId);
    const keys = await this.storage.apps.listKeys(apps.map((a) => a.id));
    return apps.map((app) => ({ app, keys: keys.filter((k) => k.app_id === app.id) }));
  }

  /**
   * Renames an app or replaces its allowed origins. Its keys are dropped from every node's key cache
   * in the same transaction (an access.key_changed event), so the next public-key call is checked
   * against the new origins; its open streams go on.
   */
  async updateApp(appId: string, patch: AppPatch): Promise<AppWithKeys> {
    const before = await this.getApp(appId);
    return this.storage.transaction(async (tx) => {
      await tx.apps.update(appId, {
        ...(patch.name !== undefined ? { name: patch.name } : {}),
        ...(patch.allowedOrigins !== undefined ? { allowed_origins: JSON.stringify(allowedOriginList(patch.allowedOrigins)) } : {}),
        updated_at: nowIso(),
      });
      const app = await tx.apps.get(appId);
      if (!app) throw new AppError('not_found', 'App not found');
      const keys = await tx.apps.listKeys([appId]);
      const active = keys.filter((k) => k.revoked_at === null).map((k) => k.id);
      if (active.length > 0) {
        await this.publisher.append(tx, { topic: orgTopic(before.org_id), orgId: before.org_id, type: ACCESS_EVENTS.keyChanged, scope: {}, data: { key_ids: active } });
      }
      return { app, keys };
    });
  }

  /** Issues a new key pair and revokes the old one in the same transaction: the old pair stops at once. */
  async regenerateAppKeys(appId: string): Promise<AppKeyPair> {
    const app = await this.getApp(appId);
    const at = nowIso();
    return this.storage.transaction(async (tx) => {
      const revoked = await tx.apps.revokeKeys(appId, at);
      if (revoked.length > 0) await this.keysRevoked(tx, app.org_id, revoked);
      return this.addAppKeys(tx.apps, appId, at);
    });
  }

  async createHub(orgId: string, name: string): Promise<Hub> {
    await this.getOrg(orgId);
    const hub: Hub = { id: newId('hub'), org_id: orgId, name, created_at: nowIso() };
    await this.storage.transaction((tx) => tx.hubs.create(hub));
    return hub;
  }

  async listHubs(orgId: string): Promise<Hub[]> {
    await this.getOrg(orgId);
    return this.storage.hubs.listForOrg(orgId);
  }

  async listContacts(hubId: string, limit: number, offset: number): Promise<Contact[]> {
    await this.getHub(hubId);
    return this.storage.hubs.listContacts(hubId, limit, offset);
  }

  async getHub(hubId: string): Promise<Hub> {
    const hub = await this.storage.hubs.get(hubId);
    if (!hub) throw new AppError('not_found', 'Hub not found');
    return hub;
  }

  async createContact(hubId: string, name: string, role: Contact['role'] = 'member'): Promise<Contact> {
    await this.getHub(hubId);
    const at = nowIso();
    const contact: Contact = { id: newId('ct'), hub_id: hubId, name, role, status: 'active', created_at: at, updated_at: at };
    await this.storage.transaction((tx) => tx.hubs.addContact(contact));
    return contact;
  }

  async getContact(hubId: string, contactId: string): Promise<Contact> {
    const contact = await this.storage.hubs.getContact(hubId, contactId);
    if (contact) return contact;
    // Only on a miss: a hub that does not exist is what the caller got wrong, not its contact.
    await this.getHub(hubId);
    throw new AppError('not_found', 'Contact not found');
  }

  /** A signed contact access token for the hub's member APIs and its realtime stream. */
  async mintContactToken(hubId: string, contactId: string, ttlSeconds?: number): Promise<{ accessToken: string; expiresAt: string }> {
    const contact = await this.getContact(hubId, contactId);
    if (contact.status !== 'active') throw new AppError('not_found', 'Contact not found');
    const issued = await this.tokens.issue('contact', contact.id, { hub_id: hubId }, ttlSeconds ?? this.contactTokenTtlSeconds);
    return { accessToken: issued.token, expiresAt: issued.expiresAt };
  }

  private async keysRevoked(tx: Repos, orgId: string, keyIds: readonly string[]): Promise<void> {
    await this.publisher.append(tx, { topic: orgTopic(orgId), orgId, type: ACCESS_EVENTS.keyRevoked, scope: {}, data: { key_ids: [...keyIds] } });
  }

  private async addKey(orgs: Storage['orgs'], orgId: string, mode: KeyMode, at: string): Promise<CreatedKey> {
    const gen = generateKey(mode === 'live' ? KEY_PREFIXES.orgLive : KEY_PREFIXES.orgTest);
    const key: OrgKey = { id: newId('key'), org_id: orgId, mode, display: gen.display, key_hash: gen.hash, created_at: at, revoked_at: null };
    await orgs.addKey(key);
    return { key, apiKey: gen.key };
  }

  private async addAppKeys(apps: Storage['apps'], appId: string, at: string): Promise<AppKeyPair> {
    const secret = generateKey(KEY_PREFIXES.appSecret);
    const pub = generateKey(KEY_PREFIXES.appPublic);
    await apps.addKey({ id: newId('key'), app_id: appId, kind: 'secret', display: secret.display, key_hash: secret.hash, created_at: at, revoked_at: null });
    await apps.addKey({ id: newId('key'), app_id: appId, kind: 'public', display: pub.display, key_hash: pub.hash, created_at: at, revoked_at: null });
    return { secretKey: secret.key, publicKey: pub.key };
  }
}

/** The most an operator adds or takes at once, in micro-credits (ten billion dollars). */
export const MAX_OPERATOR_CREDITS_MICRO = 1e15;
/** Reasons Capstan writes itself: the usage report counts them as charges and refunds, so no operator entry may carry them. */
const SYSTEM_REASONS: ReadonlySet<string> = new Set(['refund', 'document', 'video']);

function checkOperatorCredits(amountMicro: number, reason: string): void {
  if (!Number.isSafeInteger(amountMicro) || amountMicro === 0 || Math.abs(amountMicro) > MAX_OPERATOR_CREDITS_MICRO) {
    throw new AppError('invalid_request', `amount_micro must be a non-zero integer from -${MAX_OPERATOR_CREDITS_MICRO} to ${MAX_OPERATOR_CREDITS_MICRO}`);
  }
  if (!/^[a-z0-9_.-]{1,64}$/.test(reason)) throw new AppError('invalid_request', 'reason must be 1-64 characters of a-z, 0-9, _ . -');
  if (SYSTEM_REASONS.has(reason)) throw new AppError('invalid_request', `reason "${reason}" is the one Capstan writes for its own charges and refunds; give another (grant, correction, goodwill…)`);
}
