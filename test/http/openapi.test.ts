// The OpenAPI document is complete enough to generate a client from: every operation has an id, its
// real success status with a schema, its error codes, its security and a surface tag; the linter finds
// no error; and the copy checked in at docs/openapi.json is what the server serves.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { staleApiDocuments } from '../../scripts/api-docs.js';
import { ERRORS } from '../../src/http/index.js';
import { startServer, type TestServer } from '../helpers/server.js';

interface Operation {
  operationId?: string;
  summary?: string;
  tags?: string[];
  security?: Record<string, string[]>[];
  requestBody?: { content?: Record<string, { schema?: JsonSchema }> };
  responses?: Record<string, { description?: string; content?: Record<string, { schema?: JsonSchema }> }>;
}
interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  additionalProperties?: boolean | JsonSchema;
  required?: string[];
  enum?: unknown[];
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
}
interface OpenApi {
  openapi: string;
  info: { title: string; version: string; description: string };
  servers: { url: string }[];
  tags: { name: string }[];
  'x-tagGroups': { name: string; tags: string[] }[];
  paths: Record<string, Record<string, Operation>>;
  components: { securitySchemes: Record<string, unknown> };
}

const METHODS = ['get', 'post', 'put', 'patch', 'delete'];
let server: TestServer;
let doc: OpenApi;
const operations = (): [string, string, Operation][] =>
  Object.entries(doc.paths).flatMap(([path, ops]) => Object.entries(ops).filter(([m]) => METHODS.includes(m)).map(([m, op]): [string, string, Operation] => [m.toUpperCase(), path, op]));

before(async () => {
  server = await startServer();
  doc = (await (await fetch(server.url + '/openapi.json')).json()) as OpenApi;
});
after(() => server.close());

test('the document is OpenAPI 3.1 with servers, surface tags grouped in the published order (admin last) and a security scheme per credential', () => {
  assert.equal(doc.openapi, '3.1.0');
  assert.ok(doc.servers.length > 0);
  assert.deepEqual(doc['x-tagGroups'].map((g) => g.name), ['Documents', 'Organizer', 'Videos', 'Hub', 'Meta', 'Admin']);
  const grouped = new Set(doc['x-tagGroups'].flatMap((g) => g.tags));
  for (const t of doc.tags) assert.ok(grouped.has(t.name), `tag ${t.name} is in a group`);
  for (const scheme of ['orgApiKey', 'orgApiKeyQuery', 'realtimeToken', 'adminToken', 'consoleSession', 'appSecretKey', 'appPublicKey', 'contactToken']) assert.ok(doc.components.securitySchemes[scheme], scheme);
  for (const code of Object.keys(ERRORS)) assert.match(doc.info.description, new RegExp('`' + code + '`'), `the error catalogue in info.description lists ${code}`);
});

test('every operation has a unique operationId, a summary, a known tag and its security stated', () => {
  const ids = new Set<string>();
  const tags = new Set(doc.tags.map((t) => t.name));
  const schemes = new Set(Object.keys(doc.components.securitySchemes));
  for (const [method, path, op] of operations()) {
    const where = `${method} ${path}`;
    assert.ok(op.operationId && /^[a-z][A-Za-z0-9]+$/.test(op.operationId), `${where} has a camelCase operationId`);
    assert.ok(!ids.has(op.operationId), `${where}: operationId ${op.operationId} is unique`);
    ids.add(op.operationId);
    assert.ok(op.summary, `${where} has a summary`);
    assert.ok(op.tags?.length && op.tags.every((t) => tags.has(t)), `${where} has a known tag`);
    assert.ok(Array.isArray(op.security), `${where} states its security (an empty list when public)`);
    for (const req of op.security) for (const name of Object.keys(req)) assert.ok(schemes.has(name), `${where}: security scheme ${name} is defined`);
  }
  assert.ok(ids.size >= 100, `the document has every operation (${ids.size})`);
});

test('every operation declares a success answer with a body schema and its errors as {error, code} with the codes it can give', () => {
  for (const [method, path, op] of operations()) {
    const where = `${method} ${path}`;
    const responses = op.responses ?? {};
    const success = Object.keys(responses).filter((s) => /^[123]\d\d$/.test(s) && s !== '304');
    assert.ok(success.length > 0, `${where} declares a success status`);
    for (const status of success) {
      if (status === '204' || status === '101') continue;
      assert.ok(responses[status]?.content && Object.keys(responses[status].content).length > 0, `${where} ${status} has a body schema`);
    }
    for (const [status, res] of Object.entries(responses)) {
      if (!/^[45]\d\d$/.test(status)) continue;
      const schema = res.content?.['application/json']?.schema;
      assert.deepEqual(schema?.required?.slice(0, 2), ['error', 'code'], `${where} ${status} is {error, code}`);
      const codes = schema?.properties?.code?.enum ?? [];
      assert.ok(codes.length > 0, `${where} ${status} lists its codes`);
      for (const code of codes) assert.equal(ERRORS[code as keyof typeof ERRORS]?.status, Number(status), `${where}: ${String(code)} is a ${status} code`);
    }
    for (const shared of ['400', '429', '500', '503']) assert.ok(responses[shared], `${where} declares ${shared}`);
    // What Node's parser or the connection guard answers before any route runs, on any path.
    for (const [status, code] of [['408', 'request_timeout'], ['429', 'too_many_connections'], ['431', 'headers_too_large'], ['501', 'not_implemented']] as const) {
      assert.ok((responses[status]?.content?.['application/json']?.schema?.properties?.code?.enum ?? []).includes(code), `${where} declares ${status} ${code}`);
    }
    if ((op.security ?? []).length > 0) assert.ok(responses['401'], `${where} (secured) declares 401`);
  }
});

/** True when every object schema in a JSON request body refuses unknown properties (or says it is open on purpose). */
function closed(schema: JsonSchema | undefined, where: string): void {
  if (!schema) return;
  for (const sub of [...(schema.anyOf ?? []), ...(schema.oneOf ?? []), ...(schema.allOf ?? [])]) closed(sub, where);
  if (schema.type === 'object' && schema.properties) {
    assert.ok(schema.additionalProperties === false || typeof schema.additionalProperties === 'object' || (schema as { 'x-open'?: boolean })['x-open'] === true, `${where}: the body object with ${Object.keys(schema.properties).join(', ')} refuses unknown properties`);
  }
}

test('every JSON request body refuses unknown properties', () => {
  let bodies = 0;
  for (const [method, path, op] of operations()) {
    const schema = op.requestBody?.content?.['application/json']?.schema;
    if (!schema) continue;
    bodies++;
    closed(schema, `${method} ${path}`);
  }
  assert.ok(bodies >= 40, `request bodies are described (${bodies})`);
});

test('a query parameter with a default is optional: the server fills it in', async () => {
  const raw = (await (await fetch(server.url + '/openapi.json')).json()) as { paths: Record<string, Record<string, { parameters?: { in: string; name: string; required?: boolean; schema?: { default?: unknown } }[] }>> };
  let defaults = 0;
  for (const [path, ops] of Object.entries(raw.paths)) {
    for (const [method, op] of Object.entries(ops)) {
      for (const p of op.parameters ?? []) {
        if (p.in !== 'query' || p.schema?.default === undefined) continue;
        defaults++;
        assert.notEqual(p.required, true, `${method.toUpperCase()} ${path} ?${p.name} has a default yet is required`);
      }
    }
  }
  assert.ok(defaults >= 20, `query parameters with defaults are described (${defaults})`);
});

test('redocly lint finds no error in the document', () => {
  const dir = mkdtempSync(join(tmpdir(), 'capstan-openapi-'));
  try {
    const file = join(dir, 'openapi.json');
    writeFileSync(file, JSON.stringify(doc));
    const res = spawnSync(process.execPath, ['node_modules/@redocly/cli/bin/cli.js', 'lint', file, '--config', 'redocly.yaml', '--format', 'json'], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' } });
    const report = JSON.parse(res.stdout) as { problems: { severity: string; ruleId: string; message: string; location: { pointer: string }[] }[] };
    const errors = report.problems.filter((p) => p.severity === 'error');
    assert.deepEqual(errors.map((p) => `${p.ruleId} ${p.location[0]?.pointer}: ${p.message}`), []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('docs/openapi.json and docs/asyncapi.json are what the server serves (npm run docs:api writes them)', async () => {
  assert.deepEqual(await staleApiDocuments(), []);
});
