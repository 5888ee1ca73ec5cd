// Which URLs an endpoint may have: the document fetcher's SSRF guard (every resolved address public
// unless CAPSTAN_FETCH_ALLOW_HOSTS names it), https unless the operator allows http. Checked when an
// endpoint is saved, and again — DNS re-resolved — on every attempt (send.ts).
import { FetchError, resolveAllowed, type CheckedTarget } from '../util/safe-fetch.js';
import { WebhookError } from './errors.js';

export const MAX_URL_LENGTH = 2048;

export interface UrlPolicy {
  readonly allow: readonly string[];
  readonly allowHttp: boolean;
}

/** The parsed URL, or a WebhookError invalid_url saying why it is not one Capstan sends to. */
export function parseEndpointUrl(raw: string, policy: UrlPolicy): URL {
  if (raw.length > MAX_URL_LENGTH) throw new WebhookError('invalid_url', `url is longer than ${MAX_URL_LENGTH} characters`);
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new WebhookError('invalid_url', 'url is not a valid URL');
  }
  if (url.protocol === 'http:' && !policy.allowHttp) throw new WebhookError('invalid_url', 'url must be https (http needs CAPSTAN_WEBHOOK_ALLOW_HTTP=true)');
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new WebhookError('invalid_url', 'url must be https');
  if (url.username || url.password) throw new WebhookError('invalid_url', 'url must not carry credentials');
  // Port 0 names no listener: every attempt would be refused.
  if (url.port === '0') throw new WebhookError('invalid_url', 'url port must be 1-65535');
  return url;
}

/** Resolves the URL's host and checks every address; throws WebhookError url_not_allowed or invalid_url. */
export async function resolveEndpoint(url: URL, policy: UrlPolicy): Promise<CheckedTarget> {
  try {
    return await resolveAllowed(url.hostname, policy.allow);
  } catch (e) {
    if (e instanceof FetchError && e.reason === 'blocked_address') throw new WebhookError('url_not_allowed', 'url points to a non-public address');
    throw new WebhookError('invalid_url', 'url host cannot be resolved');
  }
}

/** The normalized URL an endpoint is saved with, after both checks. */
export async function checkEndpointUrl(raw: string, policy: UrlPolicy): Promise<string> {
  const url = parseEndpointUrl(raw, policy);
  await resolveEndpoint(url, policy);
  return url.toString();
}
