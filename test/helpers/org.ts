// An organization with an API key, made through the admin API, and calls authenticated with it.
import assert from 'node:assert/strict';
import type { TestServer } from './server.js';

export interface TestOrg {
  readonly id: string;
  readonly apiKey: string;
  call(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<{ status: number; body: Record<string, unknown>; headers: Headers }>;
}

export async function makeOrg(ts: TestServer, creditsMicro = 1_000_000): Promise<TestOrg> {
  const res = await ts.admin('POST', '/orgs', { name: 'docs org', credits_micro: creditsMicro });
  assert.equal(res.status, 201);
  const apiKey = res.body.api_key as string;
  return {
    id: res.body.id as string,
    apiKey,
    async call(method, path, body, headers = {}) {
      const r = await fetch(ts.url + path, {
        method,
        headers: { 'capout-api-key': apiKey, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await r.text();
      return { status: r.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {}, headers: r.headers };
    },
  };
}

export async function waitForStatus(org: TestOrg, documentId: string, done: (s: Record<string, unknown>) => boolean, tries = 600): Promise<Record<string, unknown>> {
  for (let i = 0; i < tries; i++) {
    const r = await org.call('GET', `/status/${documentId}`);
    if (done(r.body)) return r.body;
    await new Promise((res) => setTimeout(res, 50));
  }
  throw new Error(`document ${documentId} did not reach the expected status`);
}
