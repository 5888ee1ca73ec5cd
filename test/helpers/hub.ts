// Builds a hub with members through the admin API, and publishes events to it.
import assert from 'node:assert/strict';
import type { TestServer } from './server.js';

export interface Member {
  readonly id: string;
  readonly token: string;
}

export interface TestHub {
  readonly orgId: string;
  readonly hubId: string;
  member(name?: string, ttlSeconds?: number): Promise<Member>;
  token(contactId: string, ttlSeconds?: number): Promise<string>;
  publish(body: Record<string, unknown>): Promise<string>;
  streamUrl(query?: string): string;
}

export async function makeHub(ts: TestServer, orgId?: string): Promise<TestHub> {
  const org = orgId ?? ((await ts.admin('POST', '/orgs', { name: 'hub org' })).body.id as string);
  const hub = await ts.admin('POST', `/orgs/${org}/hubs`, { name: 'hub' });
  assert.equal(hub.status, 201);
  const hubId = hub.body.id as string;
  const token = async (contactId: string, ttlSeconds?: number) => {
    const res = await ts.admin('POST', `/hubs/${hubId}/contacts/${contactId}/tokens`, ttlSeconds === undefined ? {} : { ttl_seconds: ttlSeconds });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body.access_token as string;
  };
  return {
    orgId: org,
    hubId,
    token,
    async member(name = 'member', ttlSeconds) {
      const c = await ts.admin('POST', `/hubs/${hubId}/contacts`, { name });
      assert.equal(c.status, 201);
      const id = c.body.id as string;
      return { id, token: await token(id, ttlSeconds) };
    },
    async publish(body) {
      const res = await ts.admin('POST', `/hubs/${hubId}/events`, body);
      assert.equal(res.status, 202, JSON.stringify(res.body));
      return res.body.id as string;
    },
    streamUrl: (query = '') => `${ts.url}/realtime/events?hub_id=${hubId}${query}`,
  };
}
