// First start on empty storage: a demo organization, app, hub and contact, written to
// <dataDir>/dev-credentials.json so a newcomer can call the API at once. Never overwrites anything,
// is made once even when several nodes start together, and only where a demo belongs (development).
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Config } from '../config/index.js';
import { driverFor, type Storage } from '../storage/index.js';
import type { TenancyService } from '../tenancy/index.js';
import { randomToken } from '../util/ids.js';

export interface DevCredentials {
  readonly organization_id: string;
  readonly api_key: string;
  readonly app: { readonly id: string; readonly secret_key: string; readonly public_key: string };
  readonly hub_id: string;
  readonly contact_id: string;
  readonly contact_token: string;
  readonly contact_token_expires_at: string;
}

const DEMO_CREDITS_MICRO = 1_000_000;
const DEMO_TOKEN_TTL_SECONDS = 7 * 24 * 3600;

/** The setting whose first writer makes the demo: nodes starting together on an empty database race for it. */
const DEMO_CLAIM = 'dev_credentials_claim';

/** Explicitly set, or by default: development only (embedded mode, NODE_ENV not production). */
export function devCredentialsEnabled(config: Config, nodeEnv = process.env.NODE_ENV): boolean {
  if (config.devCredentials !== null) return config.devCredentials;
  const embedded = driverFor(config.databaseUrl) === 'sqlite' && config.redisUrl === null;
  return embedded && nodeEnv !== 'production';
}

/** Writes the file and returns its path, or undefined when storage already holds data or the file exists. */
export async function writeDevCredentials(storage: Storage, tenancy: TenancyService, dataDir: string): Promise<string | undefined> {
  const path = resolve(join(dataDir, 'dev-credentials.json'));
  if (existsSync(path)) return undefined;
  if ((await storage.orgs.list(1, 0)).length > 0) return undefined;
  const mine = randomToken(16);
  if ((await storage.settings.getOrInit(DEMO_CLAIM, mine)) !== mine) return undefined;
  const { org, apiKey } = await tenancy.createOrg('Demo organization', DEMO_CREDITS_MICRO, 'test');
  const app = await tenancy.createApp(org.id, { name: 'Demo app', environment: 'development', allowedOrigins: [] });
  const hub = await tenancy.createHub(org.id, 'Demo hub');
  const contact = await tenancy.createContact(hub.id, 'Demo member');
  const token = await tenancy.mintContactToken(hub.id, contact.id, DEMO_TOKEN_TTL_SECONDS);
  const creds: DevCredentials = {
    organization_id: org.id,
    api_key: apiKey,
    app: { id: app.app.id, secret_key: app.secretKey, public_key: app.publicKey },
    hub_id: hub.id,
    contact_id: contact.id,
    contact_token: token.accessToken,
    contact_token_expires_at: token.expiresAt,
  };
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(path, JSON.stringify(creds, null, 2) + '\n', { mode: 0o600, flag: 'wx' });
  return path;
}
