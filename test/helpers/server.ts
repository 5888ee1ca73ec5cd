// Boots a real Capstan on port 0 with its own data directory, for tests that talk HTTP to it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, type Config } from '../../src/config/index.js';
import { createServer, type CapstanServer } from '../../src/server/index.js';

export const ADMIN_TOKEN = 'test-admin-token-0123456789';

export interface TestServer {
  readonly url: string;
  readonly server: CapstanServer;
  readonly config: Config;
  readonly dataDir: string;
  admin(method: string, path: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown>; headers: Headers }>;
  close(): Promise<void>;
}

export function tempDir(prefix = 'capstan-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/**
 * Every answer is checked against its route's OpenAPI declaration (checkResponses): a route that
 * answers a status or shape it does not declare fails the test that reached it.
 *
 * Transcription is off unless a test asks for it: the built-in engine, on by default where it is
 * installed, would spend a core on every uploaded video with audio.
 */
export async function startServer(overrides: Partial<Record<keyof Config, unknown>> = {}): Promise<TestServer> {
  const dataDir = tempDir();
  const config = loadConfig({
    env: {},
    overrides: { port: 0, host: '127.0.0.1', dataDir, adminToken: ADMIN_TOKEN, logLevel: 'silent', devCredentials: false, rateLimitPerMinute: 0, httpMaxConnectionsPerAddress: 0, transcriber: 'none', checkResponses: true, ...overrides },
  });
  const server = await createServer(config);
  const url = await server.listen();
  return {
    url,
    server,
    config,
    dataDir,
    async admin(method, path, body) {
      const res = await fetch(url + '/admin/v1' + path, {
        method,
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {}, headers: res.headers };
    },
    async close() {
      await server.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
