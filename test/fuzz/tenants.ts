// The tenants a fuzz run works with, made through the real APIs: the fuzzed tenant (whose valid
// credentials get requests past authentication), another tenant (whose ids and credentials must get
// nothing of the first), and the pools of ids and credentials the request generator draws from.
// The healthy clients' tenant is made elsewhere and never appears in these pools, so no fuzzed
// request can ban, revoke or rename what they depend on.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { makeHub } from '../helpers/hub.js';
import { ADMIN_TOKEN, type TestServer } from '../helpers/server.js';
import { makeApp, uploadVideo } from '../helpers/videos.js';

const MP4 = readFileSync(new URL('../fixtures/videos/no-audio.mp4', import.meta.url));

export interface Tenant {
  readonly orgId: string;
  readonly apiKey: string;
  readonly secretKey: string;
  readonly publicKey: string;
  readonly hubId: string;
  /** An admin of the hub: its token reaches every member route. */
  readonly memberToken: string;
  readonly realtimeToken: string;
  /** A query string the upload gateway accepts (a presigned part URL's). */
  readonly presignedQuery: string;
  readonly ids: Readonly<Record<IdKind, readonly string[]>>;
}

export type IdKind = 'org' | 'key' | 'app' | 'hub' | 'contact' | 'segment' | 'space' | 'discussion' | 'conversation' | 'message' | 'file' | 'job' | 'video' | 'upload' | 'document';

/** Which id kind a path parameter or body field names. */
export const ID_KIND_OF: Readonly<Record<string, IdKind>> = {
  org_id: 'org', key_id: 'key', app_id: 'app', hub_id: 'hub', contact_id: 'contact', contact_ids: 'contact', segment_ids: 'segment',
  space_id: 'space', discussion_id: 'discussion', conversation_id: 'conversation', message_id: 'message', file_id: 'file', file_ids: 'file',
  job_id: 'job', id: 'video', videoId: 'video', video_id: 'video', uploadId: 'upload', document_id: 'document', document_ids: 'document',
};

async function ok(res: Promise<{ status: number; body: Record<string, unknown> }>, status: number): Promise<Record<string, unknown>> {
  const r = await res;
  assert.equal(r.status, status, JSON.stringify(r.body));
  return r.body;
}

async function call(ts: TestServer, method: string, path: string, headers: Record<string, string>, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(ts.url + path, {
    method,
    headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

/**
 * A tenant with one of everything. Ids the fuzzer must not destroy are left out of `ids`: the key,
 * app and member whose credentials it uses (it gets a spare of each to revoke, regenerate and ban).
 */
export async function makeTenant(ts: TestServer, name: string): Promise<Tenant> {
  const org = await ok(ts.admin('POST', '/orgs', { name, credits_micro: 10_000_000 }), 201);
  const orgId = org.id as string;
  const apiKey = org.api_key as string;
  const spareKey = await ok(ts.admin('POST', `/orgs/${orgId}/keys`, {}), 201);
  const app = await makeApp(ts, { orgId });
  const spareApp = await makeApp(ts, { orgId });
  const hub = await makeHub(ts, orgId);
  const adminContact = await ok(ts.admin('POST', `/hubs/${hub.hubId}/contacts`, { name: `${name} admin`, role: 'admin' }), 201);
  const memberToken = await hub.token(adminContact.id as string);
  const other = await hub.member(`${name} member`);
  const spare = await hub.member(`${name} spare`);
  const segment = await ok(ts.admin('POST', `/hubs/${hub.hubId}/segments`, { name: 'segment' }), 201);
  const bearer = { authorization: `Bearer ${memberToken}` };
  const space = await ok(call(ts, 'POST', `/hubs/${hub.hubId}/spaces`, bearer, { name: 'space' }), 201);
  await ok(call(ts, 'POST', `/hubs/${hub.hubId}/spaces/${space.id as string}/join`, bearer), 200);
  const discussion = await ok(call(ts, 'POST', `/hubs/${hub.hubId}/spaces/${space.id as string}/discussions`, bearer, { title: 'title', body: 'body' }), 201);
  const conversation = await ok(call(ts, 'POST', `/hubs/${hub.hubId}/conversations`, bearer, { contact_ids: [other.id, spare.id], name: 'group' }), 201);
  const message = await ok(call(ts, 'POST', `/hubs/${hub.hubId}/conversations/${conversation.id as string}/messages`, bearer, { body: 'hello' }), 201);
  const orgKey = { 'capout-api-key': apiKey };
  const files = await ok(call(ts, 'POST', '/api/v1/files', orgKey, { name: 'a.txt', content_base64: Buffer.from('fuzz').toString('base64') }), 201);
  const fileId = (files.files as Record<string, unknown>[])[0]!.fileId as string;
  const job = await ok(call(ts, 'POST', '/api/v1/jobs', orgKey, { file_ids: [fileId] }), 201);
  const realtime = await ok(call(ts, 'POST', '/ws/token', orgKey), 200);
  const video = await app.sdk('/videos/create', { name: 'video' });
  assert.equal(video.status, 200, JSON.stringify(video.body));
  const videoId = video.body.videoId as string;
  const initiated = await app.sdk('/upload/multipart/initiate', { videoId });
  assert.equal(initiated.status, 200, JSON.stringify(initiated.body));
  const uploadId = initiated.body.uploadId as string;
  const presigned = await app.sdk('/upload/multipart/presign-part', { videoId, uploadId, partNumber: 1 });
  assert.equal(presigned.status, 200, JSON.stringify(presigned.body));
  // An uploaded one: its bytes are served, so Range headers reach the range code.
  const uploaded = await uploadVideo(app, MP4, MP4.length);
  return {
    orgId,
    apiKey,
    secretKey: app.secretKey,
    publicKey: app.publicKey,
    hubId: hub.hubId,
    memberToken,
    realtimeToken: realtime.token as string,
    presignedQuery: new URL(presigned.body.presignedUrl as string).search,
    ids: {
      org: [orgId],
      key: [spareKey.id as string],
      app: [spareApp.id],
      hub: [hub.hubId],
      contact: [other.id, spare.id],
      segment: [segment.id as string],
      space: [space.id as string],
      discussion: [discussion.id as string],
      conversation: [conversation.id as string],
      message: [message.id as string],
      file: [fileId],
      job: [job.jobId as string],
      video: [videoId, uploaded],
      upload: [uploadId],
      document: [],
    },
  };
}

/** Credentials offered to the fuzzer, valid and not; `admin` only where its use may be spent. */
export function credentialPool(own: Tenant, other: Tenant, options: { admin: boolean }): readonly [string, string][] {
  const bearer = (token: string): [string, string] => ['authorization', `Bearer ${token}`];
  return [
    ...(options.admin ? [bearer(ADMIN_TOKEN), ['authorization', `bearer   ${ADMIN_TOKEN}`] as [string, string]] : []),
    bearer(`${ADMIN_TOKEN}x`),
    ['capout-api-key', own.apiKey],
    bearer(own.apiKey),
    ['capout-api-key', other.apiKey],
    ['capout-api-key', `${own.apiKey.slice(0, -1)}X`],
    ['capout-api-key', 'capout_test_'],
    bearer(own.secretKey),
    bearer(own.publicKey),
    bearer(other.secretKey),
    bearer(other.publicKey),
    bearer(own.memberToken),
    bearer(other.memberToken),
    // The same token with its signature cut, and with "alg": "none".
    bearer(own.memberToken.slice(0, own.memberToken.lastIndexOf('.') + 1)),
    bearer(`${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${own.memberToken.split('.')[1] ?? ''}.`),
    bearer(own.realtimeToken),
    ['authorization', 'Basic dXNlcjpwYXNz'],
    ['authorization', 'Bearer'],
    ['authorization', ''],
  ];
}
