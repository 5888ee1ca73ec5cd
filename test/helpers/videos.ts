// A developer app (made through the admin API) and calls to the developer REST and SDK APIs with its
// keys, plus a multipart upload the way a browser SDK does it: presign, PUT, keep the ETag, complete.
import assert from 'node:assert/strict';
import type { TestServer } from './server.js';

/**
 * Server options for following a video's whole life quickly: small parts, a transcriber that answers
 * at once, quick retries and key re-checks.
 */
export const QUICK_VIDEO_SERVER = {
  multipartMinPartBytes: 8 * 1024,
  transcriber: 'command',
  transcriberCommand: process.execPath,
  transcriberArgs: JSON.stringify(['-e', "process.stdout.write('transcript')"]),
  developerKeyRecheckMs: 100,
  workflowBackoffMs: 50,
} as const;

export interface Reply {
  readonly status: number;
  readonly body: Record<string, unknown>;
  readonly headers: Headers;
}

export interface TestApp {
  readonly id: string;
  readonly orgId: string;
  readonly secretKey: string;
  readonly publicKey: string;
  /** REST API (/api/developer/v1) with the secret key. */
  rest(method: string, path: string, headers?: Record<string, string>): Promise<Reply>;
  /** SDK API (/api/developer/sdk/v1) with the public key; `origin` is sent as Origin. */
  sdk(path: string, body?: unknown, headers?: Record<string, string>): Promise<Reply>;
}

export interface AppOptions {
  readonly creditsMicro?: number;
  readonly environment?: 'development' | 'production';
  readonly allowedOrigins?: readonly string[];
  /** Put the app in an existing organization. */
  readonly orgId?: string;
}

export async function call(url: string, method: string, key: string | undefined, body?: unknown, headers: Record<string, string> = {}): Promise<Reply> {
  const res = await fetch(url, {
    method,
    headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {}, headers: res.headers };
}

export async function makeApp(ts: Pick<TestServer, 'url' | 'admin'>, options: AppOptions = {}): Promise<TestApp> {
  let orgId = options.orgId;
  if (orgId === undefined) {
    const org = await ts.admin('POST', '/orgs', { name: 'video org', credits_micro: options.creditsMicro ?? 1_000_000 });
    assert.equal(org.status, 201);
    orgId = org.body.id as string;
  }
  const created = await ts.admin('POST', `/orgs/${orgId}/apps`, { name: 'video app', environment: options.environment ?? 'development', allowed_origins: options.allowedOrigins ?? [] });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const secretKey = created.body.secret_key as string;
  const publicKey = created.body.public_key as string;
  return {
    id: created.body.id as string,
    orgId,
    secretKey,
    publicKey,
    rest: (method, path, headers) => call(`${ts.url}/api/developer/v1${path}`, method, secretKey, undefined, headers),
    sdk: (path, body, headers) => call(`${ts.url}/api/developer/sdk/v1${path}`, 'POST', publicKey, body ?? {}, headers),
  };
}

export interface UploadedPart {
  readonly partNumber: number;
  readonly etag: string;
  readonly size: number;
}

/** PUTs one part to a presigned URL (as a browser would) and returns its ETag. */
export async function putPart(app: TestApp, videoId: string, uploadId: string, partNumber: number, bytes: Uint8Array): Promise<UploadedPart> {
  const presigned = await app.sdk('/upload/multipart/presign-part', { videoId, uploadId, partNumber });
  assert.equal(presigned.status, 200, JSON.stringify(presigned.body));
  const res = await fetch(presigned.body.presignedUrl as string, { method: 'PUT', body: new Uint8Array(bytes) });
  assert.equal(res.status, 200, await res.text());
  const etag = res.headers.get('etag');
  assert.ok(etag, 'the part upload answers with an ETag');
  return { partNumber, etag, size: bytes.byteLength };
}

/** Initiate, upload `bytes` in parts of `partSize` (in parallel), and return what complete needs. */
export async function uploadParts(app: TestApp, videoId: string, bytes: Uint8Array, partSize: number, contentType = 'video/mp4'): Promise<{ uploadId: string; parts: UploadedPart[] }> {
  const initiated = await app.sdk('/upload/multipart/initiate', { videoId, contentType });
  assert.equal(initiated.status, 200, JSON.stringify(initiated.body));
  const uploadId = initiated.body.uploadId as string;
  const slices: Uint8Array[] = [];
  for (let at = 0; at < bytes.byteLength; at += partSize) slices.push(bytes.subarray(at, at + partSize));
  const parts = await Promise.all(slices.map((slice, i) => putPart(app, videoId, uploadId, i + 1, slice)));
  return { uploadId, parts };
}

export async function createVideo(app: TestApp, body: Record<string, unknown> = {}, headers: Record<string, string> = {}): Promise<string> {
  const created = await app.sdk('/videos/create', body, headers);
  assert.equal(created.status, 200, JSON.stringify(created.body));
  return created.body.videoId as string;
}

/**
 * Create (unless `existing` names a video made already), upload (sent as `contentType`) and complete
 * with `extra` (durationInSecs…); returns the video's id.
 */
export async function uploadVideo(app: TestApp, bytes: Uint8Array, partSize: number, extra: Record<string, unknown> = {}, contentType = 'video/mp4', existing?: string): Promise<string> {
  const videoId = existing ?? (await createVideo(app));
  const { uploadId, parts } = await uploadParts(app, videoId, bytes, partSize, contentType);
  const completed = await app.sdk('/upload/multipart/complete', { videoId, uploadId, parts, ...extra });
  assert.equal(completed.status, 200, JSON.stringify(completed.body));
  assert.deepEqual(completed.body, { success: true });
  return videoId;
}

export async function waitForVideo(app: TestApp, videoId: string, done: (status: Record<string, unknown>) => boolean, tries = 600): Promise<Record<string, unknown>> {
  let last: Record<string, unknown> = {};
  for (let i = 0; i < tries; i++) {
    const r = await app.rest('GET', `/videos/${videoId}/status`);
    last = r.body.data as Record<string, unknown>;
    if (r.status === 200 && done(last)) return last;
    await new Promise((res) => setTimeout(res, 50));
  }
  throw new Error(`video ${videoId} did not reach the expected status; last ${JSON.stringify(last)}`);
}

/** Failed, or ready with its transcription settled and no stage left running. */
export const settled = (s: Record<string, unknown>): boolean => s.error !== undefined || (s.ready === true && s.transcriptionStatus !== 'PROCESSING' && s.processing === undefined);

/**
 * What each stage of a video's workflow said when it failed (ffmpeg's complaint for a probe that
 * found the file truncated, say): the status API gives only the reason code, and a test that fails
 * now and then needs the message to be diagnosed.
 */
export async function stageErrors(server: TestServer, videoId: string): Promise<{ stage: string; status: string; error: string | null }[]> {
  const video = await server.server.ctx.storage.videos.getById(videoId);
  if (!video?.workflow_id) return [];
  const stages = await server.server.ctx.storage.workflows.stages(video.workflow_id);
  return stages.filter((st) => st.error !== null).map((st) => ({ stage: st.stage, status: st.status, error: st.error }));
}
