// Calls to the community hub's member API as a contact, and members with a role.
import assert from 'node:assert/strict';
import type { Member, TestHub } from './hub.js';
import type { TestServer } from './server.js';

export interface Reply {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

/** A member API call (`path` after `/hubs/:hub_id`) authenticated with `who`'s contact token. */
export async function as(ts: TestServer, hub: TestHub, who: Member | string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Reply> {
  const token = typeof who === 'string' ? who : who.token;
  const res = await fetch(`${ts.url}/hubs/${hub.hubId}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

/** A contact of the hub with the given role, and its token. */
export async function memberWithRole(ts: TestServer, hub: TestHub, name: string, role: 'member' | 'moderator' | 'admin'): Promise<Member> {
  const c = await ts.admin('POST', `/hubs/${hub.hubId}/contacts`, { name, role });
  assert.equal(c.status, 201, JSON.stringify(c.body));
  const id = c.body.id as string;
  return { id, token: await hub.token(id) };
}

/** Asserts the status (showing the body when it differs) and returns the body. */
export function expectStatus(r: Reply, status: number): Record<string, unknown> {
  assert.equal(r.status, status, JSON.stringify(r.body));
  return r.body;
}
