// Writes the OpenAPI and AsyncAPI documents the server serves to docs/openapi.json and
// docs/asyncapi.json, where readers find them without a running server, and the client SDK's types
// generated from them to packages/client/src/generated/. `--check` only compares, and fails when a
// checked-in file is stale.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../src/config/index.js';
import { createServer } from '../src/server/index.js';
import { asyncApiTypes, openApiTypes } from './api-types.js';

export const API_DOCUMENTS = {
  openapi: 'docs/openapi.json',
  asyncapi: 'docs/asyncapi.json',
  openapiTypes: 'packages/client/src/generated/openapi.ts',
  asyncapiTypes: 'packages/client/src/generated/asyncapi.ts',
} as const;
const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** The two documents as a server with the admin API on answers them, pretty-printed, and the SDK's types. */
export async function renderApiDocuments(): Promise<Record<keyof typeof API_DOCUMENTS, string>> {
  const dataDir = mkdtempSync(join(tmpdir(), 'capstan-api-docs-'));
  const server = await createServer(loadConfig({ env: {}, overrides: { dataDir, adminToken: 'api-docs-admin-token-0123456789', logLevel: 'silent', devCredentials: false, transcriber: 'none' } }));
  try {
    const get = async (url: string) => JSON.stringify((await server.app.inject({ url })).json(), null, 2) + '\n';
    const openapi = await get('/openapi.json');
    const asyncapi = await get('/asyncapi.json');
    return { openapi, asyncapi, openapiTypes: await openApiTypes(openapi), asyncapiTypes: await asyncApiTypes(asyncapi) };
  } finally {
    await server.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** Names of the checked-in documents that differ from what the server serves. */
export async function staleApiDocuments(): Promise<string[]> {
  const fresh = await renderApiDocuments();
  return (Object.keys(API_DOCUMENTS) as (keyof typeof API_DOCUMENTS)[]).filter((k) => {
    try {
      return readFileSync(join(ROOT, API_DOCUMENTS[k]), 'utf8') !== fresh[k];
    } catch {
      return true;
    }
  }).map((k) => API_DOCUMENTS[k]);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (process.argv.includes('--check')) {
    const stale = await staleApiDocuments();
    if (stale.length > 0) {
      console.error(`${stale.join(' and ')} differ from what the server serves; run \`npm run docs:api\``);
      process.exit(1);
    }
  } else {
    const docs = await renderApiDocuments();
    mkdirSync(join(ROOT, 'packages/client/src/generated'), { recursive: true });
    for (const k of Object.keys(API_DOCUMENTS) as (keyof typeof API_DOCUMENTS)[]) writeFileSync(join(ROOT, API_DOCUMENTS[k]), docs[k]);
    console.log(`wrote ${Object.values(API_DOCUMENTS).join(' and ')}`);
  }
}
