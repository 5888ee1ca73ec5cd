// The SDK's types are checked against the server's API documents at build time: a server change that
// drops a field of a shape the SDK returns must break the SDK's build, not its users. Shown on a copy
// of the package whose generated types come from a changed document.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { openApiTypes } from '../../scripts/api-types.js';

const PACKAGE = new URL('../../packages/client/', import.meta.url).pathname;
const TSC = new URL('../../node_modules/typescript/bin/tsc', import.meta.url).pathname;
const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** A copy of the package with generated/openapi.ts made from `openapi`; the compiler's output. */
async function buildWith(openapi: string): Promise<{ status: number | null; output: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'capstan-client-types-'));
  dirs.push(dir);
  cpSync(join(PACKAGE, 'src'), join(dir, 'src'), { recursive: true });
  cpSync(join(PACKAGE, 'tsconfig.json'), join(dir, 'tsconfig.json'));
  writeFileSync(join(dir, 'src/generated/openapi.ts'), await openApiTypes(openapi));
  const res = spawnSync(process.execPath, [TSC, '-p', join(dir, 'tsconfig.json'), '--noEmit'], { encoding: 'utf8' });
  return { status: res.status, output: res.stdout + res.stderr };
}

const published = readFileSync(new URL('../../docs/openapi.json', import.meta.url), 'utf8');

test('the SDK builds against the published document', async () => {
  const { status, output } = await buildWith(published);
  assert.equal(status, 0, output);
});

test('a server that stops sending a field of GET /status breaks the SDK build where the shapes are compared', async () => {
  const doc = JSON.parse(published) as { paths: Record<string, Record<string, { responses: Record<string, { content: Record<string, { schema: { properties: Record<string, unknown>; required: string[] } }> }> }>> };
  const schema = doc.paths['/status/{document_id}']?.get?.responses['200']?.content['application/json']?.schema;
  assert.ok(schema?.properties.workflow_complete, 'the status schema has workflow_complete');
  delete schema.properties.workflow_complete;
  schema.required = schema.required.filter((f) => f !== 'workflow_complete');
  const { status, output } = await buildWith(JSON.stringify(doc));
  assert.notEqual(status, 0, 'the build fails');
  assert.match(output, /contract-check\.ts/, output);
});
