// `capstan admin …`: the admin API's operations, offline against the configured storage, as JSON.
import { TokenService } from '../auth/index.js';
import type { Config } from '../config/index.js';
import { schemas } from '../http/index.js';
import { openStorage, storageOptionsOf } from '../storage/index.js';
import { MAX_OPERATOR_CREDITS_MICRO, presentApp, presentContact, presentHub, presentKey, presentOrg, TenancyService } from '../tenancy/index.js';
import { EventPublisher } from '../events/index.js';
import { eventTypeRegistry } from '../server/event-types.js';
import { resolveTokenSecret } from '../server/token-secret.js';
import { presentDelivery, presentEndpoint, urlPolicy, webhookHttpError, webhookSecretBox, WebhookService } from '../webhooks/index.js';
import { ADMIN_USAGE } from './admin-usage.js';
import { UsageError } from './usage-error.js';

type Flags = ReadonlyMap<string, string>;

/** The flags that name a record: refused, as the API refuses them, unless they have an id's form. */
const ID_FLAGS = new Set(['org', 'key', 'app', 'hub', 'contact', 'webhook', 'delivery']);

function need(flags: Flags, name: string): string {
  const v = flags.get(`--${name}`);
  if (v === undefined || v === '' || v === 'true') throw new UsageError(`--${name} is required`);
  if (ID_FLAGS.has(name) && !schemas.isId(v)) throw new UsageError(`--${name} must be an id: 1-64 letters, digits, _ or -`);
  return v;
}

function int(flags: Flags, name: string, fallback: number | undefined, min: number, max: number): number {
  const raw = flags.get(`--${name}`);
  if (raw === undefined && fallback !== undefined) return fallback;
  const n = raw !== undefined && /^-?\d+$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) throw new UsageError(`--${name} must be an integer from ${min} to ${max}`);
  return n;
}

/** Each command's flags, as its usage line lists them: any other is a typo, refused rather than ignored. */
const COMMAND_FLAGS: ReadonlyMap<string, readonly string[]> = new Map(
  ADMIN_USAGE.split('\n')
    .slice(1)
    .map((line) => {
      const [resource = '', action = ''] = line.trim().split(/\s+/);
      return [`${resource} ${action}`, [...line.matchAll(/--([a-z-]+)/g)].map((m) => `--${m[1]}`)] as const;
    }),
);

function refuseUnknownFlags(command: string, flags: Flags): void {
  const known = COMMAND_FLAGS.get(command);
  if (!known) return;
  const unknown = [...flags.keys()].find((flag) => !known.includes(flag));
  if (unknown !== undefined) throw new UsageError(`unknown flag ${unknown} for admin ${command}; it takes ${known.join(', ') || 'no flags'}`);
}

function oneOf<const T extends string>(flags: Flags, name: string, values: readonly T[], fallback?: NoInfer<T>): T {
  const raw = flags.get(`--${name}`) ?? fallback;
  if (raw === undefined || !values.includes(raw as T)) throw new UsageError(`--${name} must be one of ${values.join(', ')}`);
  return raw as T;
}

function checkName(name: string): string {
  if ([...name].length > 200 || !/\S/.test(name) || schemas.CONTROL_CHARACTER.test(name)) throw new UsageError('name must be 1-200 characters without control characters');
  return name;
}

/**
 * A comma-separated list flag, split as the configuration splits lists: spaces around entries ignored,
 * an empty value the empty list. An empty entry (`a,,b`, a trailing comma) is a slip, refused as the
 * API refuses an empty string in the array, as are more entries, or longer ones, than it takes.
 * Undefined when the flag is not given.
 */
function list(flags: Flags, name: string, bounds: { readonly maxItems: number; readonly maxLength: number }): string[] | undefined {
  const raw = flags.get(`--${name}`);
  if (raw === undefined) return undefined;
  if (raw === 'true') throw new UsageError(`--${name} needs a value`);
  const entries = raw.trim() === '' ? [] : raw.split(',').map((s) => s.trim());
  if (entries.includes('')) throw new UsageError(`--${name} has an empty entry (a,,b, or a trailing comma): give the entries separated by single commas`);
  if (entries.length > bounds.maxItems) throw new UsageError(`--${name} takes at most ${bounds.maxItems} entries`);
  if (entries.some((e) => e.length > bounds.maxLength)) throw new UsageError(`--${name} entries are at most ${bounds.maxLength} characters`);
  return entries;
}

/** A webhook's events filter: at least one entry, as the API's; leaving the flag out means every event. */
function eventsFilter(flags: Flags): string[] | undefined {
  const events = list(flags, 'events', { maxItems: 100, maxLength: 100 });
  if (events?.length === 0) throw new UsageError('--events needs at least one event type or prefix.* (leave it out for every event)');
  return events;
}

/** A webhook's description, held to the API's rule: at most 500 characters, no control characters. */
function checkDescription(text: string | undefined): string | undefined {
  if (text !== undefined && ([...text].length > 500 || schemas.CONTROL_CHARACTER.test(text))) throw new UsageError('--description must be at most 500 characters without control characters');
  return text;
}

export async function runAdmin(config: Config, positionals: readonly string[], flags: Flags): Promise<unknown> {
  const [resource, action] = positionals;
  refuseUnknownFlags(`${resource ?? ''} ${action ?? ''}`, flags);
  const storage = openStorage(config.databaseUrl, config.dataDir, storageOptionsOf(config));
  try {
    await storage.migrate();
    // Changes made here reach running servers through the event log, like their own.
    const publisher = new EventPublisher(eventTypeRegistry(), storage, config.eventMaxPayloadBytes);
    const tokenSecret = await resolveTokenSecret(config.tokenSecret, storage);
    const tenancy = new TenancyService(storage, new TokenService(tokenSecret), publisher, config.contactTokenTtlSeconds);
    if (resource === 'webhooks') return await runWebhooks(new WebhookService(storage, { policy: urlPolicy(config), registry: eventTypeRegistry(), box: webhookSecretBox(tokenSecret) }), action, flags);
    switch (`${resource ?? ''} ${action ?? ''}`) {
      case 'orgs create': {
        const c = await tenancy.createOrg(checkName(need(flags, 'name')), int(flags, 'credits-micro', 0, 0, MAX_OPERATOR_CREDITS_MICRO), oneOf(flags, 'key-mode', ['test', 'live'], 'test'));
        return { ...presentOrg(c.org), api_key: c.apiKey, api_key_id: c.key.id };
      }
      case 'orgs get': {
        const org = await tenancy.getOrg(need(flags, 'org'));
        return { ...presentOrg(org), keys: (await tenancy.listOrgKeys(org.id)).map(presentKey) };
      }
      case 'orgs list':
        return { data: (await storage.orgs.list(int(flags, 'limit', 50, 1, 1000), int(flags, 'offset', 0, 0, schemas.MAX_OFFSET))).map(presentOrg) };
      case 'keys create': {
        const k = await tenancy.createOrgKey(need(flags, 'org'), oneOf(flags, 'mode', ['test', 'live'], 'test'));
        return { ...presentKey(k.key), api_key: k.apiKey };
      }
      case 'keys revoke':
        await tenancy.revokeOrgKey(need(flags, 'org'), need(flags, 'key'));
        return { success: true };
      case 'credits add':
        return { org_id: need(flags, 'org'), credits_micro: await tenancy.addCredits(need(flags, 'org'), int(flags, 'amount-micro', undefined, -MAX_OPERATOR_CREDITS_MICRO, MAX_OPERATOR_CREDITS_MICRO), flags.get('--reason') ?? 'grant') };
      case 'apps create': {
        const origins = list(flags, 'allowed-origins', { maxItems: 100, maxLength: 255 }) ?? [];
        const c = await tenancy.createApp(need(flags, 'org'), { name: checkName(need(flags, 'name')), environment: oneOf(flags, 'environment', ['development', 'production']), allowedOrigins: origins });
        return { ...presentApp(c.app), secret_key: c.secretKey, public_key: c.publicKey };
      }
      case 'apps regenerate-keys': {
        const pair = await tenancy.regenerateAppKeys(need(flags, 'app'));
        return { app_id: need(flags, 'app'), secret_key: pair.secretKey, public_key: pair.publicKey };
      }
      case 'hubs create':
        return presentHub(await tenancy.createHub(need(flags, 'org'), checkName(need(flags, 'name'))));
      case 'contacts create':
        return presentContact(await tenancy.createContact(need(flags, 'hub'), checkName(need(flags, 'name')), oneOf(flags, 'role', ['member', 'moderator', 'admin'], 'member')));
      case 'contacts token': {
        const t = await tenancy.mintContactToken(need(flags, 'hub'), need(flags, 'contact'), flags.has('--ttl-seconds') ? int(flags, 'ttl-seconds', undefined, 1, 2_592_000) : undefined);
        return { access_token: t.accessToken, token_type: 'Bearer', expires_at: t.expiresAt };
      }
      default:
        throw new UsageError(`unknown admin command "${positionals.join(' ')}"; try capstan help`);
    }
  } finally {
    await storage.close();
  }
}

const STATUSES = ['pending', 'delivering', 'succeeded', 'failed', 'cancelled'] as const;

/** `capstan admin webhooks …`: changes land in storage; running servers deliver them. */
async function runWebhooks(webhooks: WebhookService, action: string | undefined, flags: Flags): Promise<unknown> {
  try {
    switch (action ?? '') {
      case 'create': {
        const { endpoint, secret } = await webhooks.create(need(flags, 'org'), { url: need(flags, 'url'), events: eventsFilter(flags), description: checkDescription(flags.get('--description')) });
        return { ...presentEndpoint(endpoint), secret };
      }
      case 'list':
        return { data: (await webhooks.list(need(flags, 'org'))).map(presentEndpoint) };
      case 'get':
        return presentEndpoint(await webhooks.get(need(flags, 'webhook')));
      case 'update': {
        const enabled = flags.has('--enabled') ? oneOf(flags, 'enabled', ['true', 'false']) === 'true' : undefined;
        const events = flags.get('--events') === 'all' ? null : eventsFilter(flags);
        return presentEndpoint(await webhooks.update(need(flags, 'webhook'), { url: flags.get('--url'), events, description: checkDescription(flags.get('--description')), enabled }));
      }
      case 'delete':
        await webhooks.remove(need(flags, 'webhook'));
        return { success: true };
      case 'rotate-secret': {
        const { endpoint, secret } = await webhooks.rotateSecret(need(flags, 'webhook'));
        return { ...presentEndpoint(endpoint), secret };
      }
      case 'deliveries': {
        const status = flags.has('--status') ? oneOf(flags, 'status', STATUSES) : undefined;
        return { data: (await webhooks.deliveries(need(flags, 'webhook'), status, int(flags, 'limit', 50, 1, 1000), int(flags, 'offset', 0, 0, schemas.MAX_OFFSET))).map(presentDelivery) };
      }
      case 'retry':
        return presentDelivery(await webhooks.retry(need(flags, 'webhook'), need(flags, 'delivery')));
      case 'test':
        return presentDelivery({ delivery: await webhooks.sendTest(need(flags, 'webhook')), attempts: [] });
      default:
        throw new UsageError(`unknown admin command "webhooks ${action ?? ''}"; try capstan help`);
    }
  } catch (e) {
    throw webhookHttpError(e);
  }
}
