// Organizer test helpers: uploads (multipart through fetch's FormData, or JSON), a WebSocket that
// collects the seed's events, and polling for a job to end.
import assert from 'node:assert/strict';
import { WebSocket } from 'ws';
import type { TestOrg } from '../helpers/org.js';
import type { TestServer } from '../helpers/server.js';
import { textPdf } from './everyday-files.js';

export type Msg = Record<string, unknown>;

export async function until(cond: () => boolean, what = 'condition', tries = 1200): Promise<void> {
  for (let i = 0; i < tries && !cond(); i++) await new Promise((r) => setTimeout(r, 25));
  assert.ok(cond(), `timed out waiting for ${what}`);
}

/** Objects stored for the organization's files, listed from the blob store (what an upload left on disk). */
export async function storedFiles(ts: TestServer, org: TestOrg): Promise<number> {
  let count = 0;
  let cursor: string | undefined;
  do {
    const page = await ts.server.ctx.blobs.list(`organizer/${org.id}/`, cursor === undefined ? {} : { cursor });
    count += page.objects.length;
    cursor = page.next;
  } while (cursor !== undefined);
  return count;
}

export async function uploadForm(ts: TestServer, org: TestOrg, files: { name: string; body: Buffer | string; type?: string }[]): Promise<{ status: number; body: Msg }> {
  const form = new FormData();
  for (const f of files) form.append('file', new Blob([typeof f.body === 'string' ? f.body : new Uint8Array(f.body)], { type: f.type ?? 'application/octet-stream' }), f.name);
  const res = await fetch(`${ts.url}/api/v1/files`, { method: 'POST', headers: { 'capout-api-key': org.apiKey }, body: form });
  return { status: res.status, body: (await res.json()) as Msg };
}

export async function uploadJson(org: TestOrg, files: { name: string; body: Buffer | string }[]): Promise<string[]> {
  const res = await org.call('POST', '/api/v1/files', { files: files.map((f) => ({ name: f.name, content_base64: Buffer.from(f.body).toString('base64') })) });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return (res.body.files as Msg[]).map((f) => f.fileId as string);
}

export interface Listener {
  readonly ws: WebSocket;
  readonly received: Msg[];
  close(): void;
}

export async function listen(ts: TestServer, token: string, clientId: string = crypto.randomUUID()): Promise<Listener> {
  const ws = new WebSocket(`${ts.url.replace('http', 'ws')}/api/v1/ws/${clientId}?token=${token}`);
  const received: Msg[] = [];
  ws.on('message', (data) => received.push(JSON.parse(String(data)) as Msg));
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  return { ws, received, close: () => ws.close() };
}

/** The status code of a refused upgrade. */
export async function refusal(url: string): Promise<{ status: number; body: Msg }> {
  const ws = new WebSocket(url);
  return new Promise((resolve, reject) => {
    ws.once('open', () => reject(new Error('the upgrade was accepted')));
    ws.once('unexpected-response', (_req, res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as Msg }));
    });
    ws.once('error', () => undefined);
  });
}

export async function waitForJob(org: TestOrg, jobId: string, tries = 2400): Promise<Msg> {
  let job: Msg = {};
  for (let i = 0; i < tries; i++) {
    job = (await org.call('GET', `/api/v1/jobs/${jobId}`)).body;
    if (job.status !== 'queued' && job.status !== 'running') return job;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`job ${jobId} did not end: ${JSON.stringify(job)}`);
}

/** A real one-page PDF whose only date is its CreationDate (kept, as pdf-lib writes it, in a compressed object stream). */
export const pdfWithDate = (ymd: string): Promise<Buffer> => textPdf(['Scanned document'], { created: new Date(`${ymd}T12:00:00Z`) });
/** A PNG signature and the start of its header: a PNG to a sniffer, unreadable to an OCR engine. */
export const PNG = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex');

/** Events of one type, in order. */
export const only = (received: Msg[], type: string): Msg[] => received.filter((m) => m.type === type);

/** Uploads files (JSON) and organizes them with one job; the job once it has ended. */
export async function organize(org: TestOrg, files: { name: string; body: Buffer | string }[]): Promise<{ ids: string[]; job: Msg }> {
  const ids = await uploadJson(org, files);
  const created = await org.call('POST', '/api/v1/jobs', { file_ids: ids });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  return { ids, job: await waitForJob(org, created.body.jobId as string) };
}

export async function fileOf(org: TestOrg, id: string): Promise<Msg> {
  const res = await org.call('GET', `/api/v1/files/${id}`);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body;
}
