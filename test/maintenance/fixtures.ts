// Rows and options for the cleanup tests: rows are written straight into the tables, with the ages
// the test needs, so no service has to run for days first.
import { Writable } from 'node:stream';
import pino from 'pino';
import type { CleanupOptions } from '../../src/maintenance/index.js';
import { BLOB_KEY_PREFIXES, REMOVABLE_WORKFLOW_KINDS } from '../../src/server/create-server.js';
import type { Storage, WorkflowRun } from '../../src/storage/index.js';

export const SECOND = 1000;
export const HOUR = 3600 * SECOND;
export const DAY = 24 * HOUR;

/** The server's own choices (kinds, prefixes) with the documented default windows. */
export function cleanupOptions(overrides: Partial<CleanupOptions> = {}): CleanupOptions {
  return {
    batchSize: 500,
    idempotencyRetentionMs: DAY,
    removableWorkflowKinds: REMOVABLE_WORKFLOW_KINDS,
    workflowRetentionMs: 7 * DAY,
    webhookDeliveryRetentionMs: 30 * DAY,
    blobPrefixes: BLOB_KEY_PREFIXES,
    blobOrphanGraceMs: HOUR,
    deletedVideoRetentionMs: 7 * DAY,
    multipartExpiryMs: DAY,
    ...overrides,
  };
}

export const iso = (ms: number): string => new Date(ms).toISOString();

/** A logger whose lines the test reads back. */
export function capturingLogger(): { logger: pino.Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { logger: pino({ level: 'info' }, sink), lines };
}

let counter = 0;
const unique = (prefix: string): string => `${prefix}_${process.pid}_${++counter}`;

/** An organization and an app, for rows that reference them. */
export async function seedOrgAndApp(storage: Storage): Promise<{ orgId: string; appId: string }> {
  const orgId = unique('org');
  const appId = unique('app');
  const at = iso(Date.now());
  await storage.db.insertInto('orgs').values({ id: orgId, name: 'cleanup', credits_micro: 0, created_at: at, updated_at: at }).execute();
  await storage.db
    .insertInto('apps')
    .values({ id: appId, org_id: orgId, name: 'cleanup', environment: 'development', allowed_origins: '[]', created_at: at, updated_at: at })
    .execute();
  return { orgId, appId };
}

export async function insertIdempotencyKey(storage: Storage, createdAt: number): Promise<string> {
  const key = unique('key');
  await storage.db
    .insertInto('idempotency_keys')
    .values({ scope: 'org_cleanup', key, request_hash: 'h', status_code: 201, response: '{}', created_at: iso(createdAt) })
    .execute();
  return key;
}

export async function idempotencyKeys(storage: Storage): Promise<string[]> {
  return (await storage.db.selectFrom('idempotency_keys').select('key').orderBy('key').execute()).map((r) => r.key);
}

/** A run with two stages; `completedAt` unset: a run still queued or running. */
export async function insertRun(storage: Storage, kind: string, status: WorkflowRun['status'], completedAt?: number): Promise<string> {
  const id = unique('wf');
  const created = iso((completedAt ?? Date.now()) - HOUR);
  await storage.db
    .insertInto('workflow_runs')
    .values({
      id, kind, org_id: 'org_cleanup', resource_id: unique('res'), status, attempts: 0, lease_owner: null, lease_expires_at: null, run_after: 0,
      error: null, input: '{}', created_at: created, updated_at: created, completed_at: completedAt === undefined ? null : iso(completedAt),
    })
    .execute();
  for (const stage of ['first', 'second']) {
    await storage.db
      .insertInto('workflow_stages')
      .values({ run_id: id, stage, status: 'complete', output: '{"kept":true}', attempts: 1, error: null, started_at: created, finished_at: created })
      .execute();
  }
  return id;
}

export async function runIds(storage: Storage): Promise<string[]> {
  return (await storage.db.selectFrom('workflow_runs').select('id').orderBy('id').execute()).map((r) => r.id);
}

export async function stageRunIds(storage: Storage): Promise<string[]> {
  return [...new Set((await storage.db.selectFrom('workflow_stages').select('run_id').execute()).map((r) => r.run_id))].sort();
}

export async function insertDocument(storage: Storage, orgId: string, blobKey: string): Promise<void> {
  const at = iso(Date.now());
  await storage.db
    .insertInto('documents')
    .values({ id: unique('doc'), org_id: orgId, workflow_id: unique('wf'), file_name: 'a.pdf', source: 'base64', blob_key: blobKey, cost_micro: 0, created_at: at, updated_at: at })
    .execute();
}

export async function insertOrganizerFile(storage: Storage, orgId: string, blobKey: string): Promise<void> {
  const at = iso(Date.now());
  await storage.db
    .insertInto('organizer_files')
    .values({ id: unique('file'), org_id: orgId, name: 'a.txt', size_bytes: 1, kind: 'text', blob_key: blobKey, folder: '', locked: 0, created_at: at, updated_at: at })
    .execute();
}

export async function insertVideo(storage: Storage, ids: { orgId: string; appId: string }, s3Key: string, deletedAt: number | null): Promise<void> {
  const at = iso(Date.now());
  await storage.db
    .insertInto('videos')
    .values({
      id: unique('vid'), org_id: ids.orgId, app_id: ids.appId, name: 'v', s3_key: s3Key, content_type: 'video/mp4', state: 'ready',
      deleted_at: deletedAt === null ? null : iso(deletedAt), created_at: at, updated_at: at,
    })
    .execute();
}
