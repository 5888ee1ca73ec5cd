// The admin API calls the scenarios set themselves up with (organizations, hubs, contacts, tokens).
// Set-up runs between faults, but still retries transient failures: a node may just have restarted.
import { stringField } from '../lib/json.js';
import { retryServerErrors, type Answer, type ClusterClient } from './http.js';

export class AdminApi {
  constructor(
    private readonly client: ClusterClient,
    private readonly token: string,
  ) {}

  get authorization(): Record<string, string> {
    return { authorization: `Bearer ${this.token}` };
  }

  /** Retries network errors and 5xx for up to `deadlineMs`; anything but a 2xx in the end throws. */
  async call(method: string, path: string, body?: unknown, deadlineMs = 30_000): Promise<Answer> {
    const { answer, attempts } = await this.client.retrying({ method, path: `/admin/v1${path}`, body, headers: this.authorization }, { retryOn: retryServerErrors, deadlineMs });
    if (!answer || answer.status < 200 || answer.status > 299) {
      throw new Error(`${method} /admin/v1${path} failed: ${answer ? `${answer.status} ${answer.text}` : 'no answer'} after ${attempts.length} attempts (${JSON.stringify(attempts.slice(-3))})`);
    }
    return answer;
  }

  async createOrg(name: string, creditsMicro: number): Promise<{ id: string; apiKey: string }> {
    const org = await this.call('POST', '/orgs', { name, credits_micro: creditsMicro });
    return { id: stringField(org.body, 'id'), apiKey: stringField(org.body, 'api_key') };
  }

  async createHub(orgId: string, name: string): Promise<string> {
    return stringField((await this.call('POST', `/orgs/${orgId}/hubs`, { name })).body, 'id');
  }

  async createContact(hubId: string, name: string): Promise<string> {
    return stringField((await this.call('POST', `/hubs/${hubId}/contacts`, { name })).body, 'id');
  }

  async contactToken(hubId: string, contactId: string, ttlSeconds = 3600): Promise<string> {
    return stringField((await this.call('POST', `/hubs/${hubId}/contacts/${contactId}/tokens`, { ttl_seconds: ttlSeconds })).body, 'access_token');
  }

  async createApp(orgId: string, name: string): Promise<{ id: string; secretKey: string; publicKey: string }> {
    const app = await this.call('POST', `/orgs/${orgId}/apps`, { name, environment: 'development', allowed_origins: [] });
    return { id: stringField(app.body, 'id'), secretKey: stringField(app.body, 'secret_key'), publicKey: stringField(app.body, 'public_key') };
  }
}
