// video: the developer video API's multipart upload (create, initiate, presign a part, PUT it to S3,
// complete) with the fault aimed at one complete — the node it is in flight on is killed, or Redis or
// PostgreSQL goes down as it leaves — and, for some videos, a delete racing the complete. The client
// completes again after an unknown outcome, as the seed's SDK would. Checked: no video stays stuck
// half-completed, a video deleted before it was measured is not billed, and none is billed twice.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { retryServerErrors, type Attempt } from '../clients/http.js';
import { namedTerminal, ResilientSubscriber } from '../clients/sse-subscriber.js';
import { VIDEO_PRICE_PER_MINUTE_MICRO } from '../environment.js';
import { downTime, FAULT_KINDS, type ActiveFault } from '../faults.js';
import { sample } from '../invariants.js';
import { cursorAt } from '../lib/cursor.js';
import { field, numberField, parseJson, stringField, type Json } from '../lib/json.js';
import { sleep } from '../lib/net.js';
import { checkWritesDuringRedisOutage } from './redis-outage.js';
import { DELIVERY_BOUND_MS, type IterationContext, type Scenario } from './scenario.js';

const INITIAL_CREDITS = 1_000_000;
/** From the heal: a video must be ready, failed or deleted by then, and a complete must have an answer. */
const SETTLE_BOUND_MS = 45_000;
const VIDEO = readFileSync(fileURLToPath(new URL('../../test/fixtures/videos/no-audio.mp4', import.meta.url)));
/** The fixture lasts 2 s: what a video deleted before it was measured would have cost. */
const VIDEO_COST = Math.ceil((2 * VIDEO_PRICE_PER_MINUTE_MICRO) / 60);

interface VideoApp {
  readonly secretKey: string;
  readonly publicKey: string;
}

interface Prepared {
  readonly videoId: string;
  readonly uploadId: string;
  readonly etag: string;
  readonly raceDelete: boolean;
}

interface Completed extends Prepared {
  /** completed · already-complete · not-found · refused:<status> · stuck-completing · no-answer */
  readonly outcome: string;
  readonly attempts: readonly Attempt[];
  readonly deleteStatus: number | undefined;
}

export const video: Scenario = {
  name: 'video',
  title: 'Multipart video uploads whose complete meets a node kill, a Redis or PostgreSQL restart, or a racing delete',
  faults: FAULT_KINDS,
  async run(ctx) {
    const { env, prng, checks, sizes } = ctx;
    const org = await ctx.admin.createOrg(`chaos video ${ctx.iteration}`, INITIAL_CREDITS);
    const app = await ctx.admin.createApp(org.id, 'chaos video');
    const events = openEvents(ctx, app, Date.now() - 1000);
    if (!(await events.waitFor(() => events.connected, 15_000))) throw new Error(`the developer event stream did not connect: ${JSON.stringify(events.connections)}`);

    const prepared: Prepared[] = [];
    for (let i = 0; i < sizes.videos; i++) prepared.push(await prepare(ctx, app, i, prng.next() < 0.5));

    const target = prng.int(0, prepared.length - 1);
    const aimDelayMs = prng.int(0, 30);
    const downMs = downTime(ctx.fault, prng);
    let fault: Promise<void> | undefined;
    const aim = (index: number) => (url: string) => {
      if (index !== target || fault !== undefined) return;
      ctx.log(`fault ${ctx.fault} at the complete of video ${index} (sent to ${env.cluster.nodeOf(url)}), down ${downMs} ms`);
      fault = (async () => {
        await sleep(aimDelayMs);
        const active: ActiveFault = await ctx.faults.begin(ctx.fault, prng, ctx.fault === 'node-kill' ? env.cluster.nodeOf(url) : undefined);
        await sleep(downMs);
        await active.recover();
      })();
    };
    const completed: Completed[] = await Promise.all(prepared.map(async (v, i) => {
      await sleep(i * prng.int(50, 200));
      const deletion = v.raceDelete ? sleep(prng.int(0, 40)).then(() => remove(ctx, app, v.videoId)) : Promise.resolve(undefined);
      const [result, deleteStatus] = await Promise.all([completeUntilAnswered(ctx, app, v, aim(i)), deletion]);
      return { ...v, ...result, deleteStatus };
    }));
    await fault;
    const healedAt = await env.heal();

    // Each video settles: ready, failed, or gone because it was deleted.
    const settled = new Map<string, string>();
    // A complete that never got its answer has already had its bound: only the others are waited for.
    const answered = completed.filter((v) => v.outcome !== 'stuck-completing' && v.outcome !== 'no-answer');
    while (answered.some((v) => !settled.has(v.videoId)) && Date.now() < healedAt + SETTLE_BOUND_MS) {
      for (const v of answered) {
        if (settled.has(v.videoId)) continue;
        const state = await videoState(ctx, app, v.videoId);
        if (state !== undefined && state !== 'pending') settled.set(v.videoId, state);
      }
      if (answered.some((v) => !settled.has(v.videoId))) await sleep(300);
    }
    for (const v of completed) {
      const state = settled.get(v.videoId);
      checks.expect('video.settles', v.outcome !== 'stuck-completing' && v.outcome !== 'no-answer' && state !== undefined, () => `video ${v.videoId}${v.raceDelete ? ` (delete raced: ${v.deleteStatus ?? 'no answer'})` : ''}: complete ended ${v.outcome} after ${v.attempts.length} attempts (${sample(v.attempts.map((a) => `${a.node}:${a.status ?? a.error}`), 6)}); state ${state ?? 'neither ready, failed nor deleted'} ${SETTLE_BOUND_MS / 1000} s after the heal`);
    }

    // Every video that ended ready was reported ready once on the developer stream.
    const readyEvents = () => namedEvents(events, 'video.ready');
    const endedReady = completed.filter((v) => settled.get(v.videoId) === 'ready');
    await events.waitFor(() => endedReady.every((v) => readyEvents().some((e) => e.videoId === v.videoId)), DELIVERY_BOUND_MS);
    await sleep(500);
    const ready = readyEvents();
    for (const v of endedReady) {
      const reported = ready.filter((e) => e.videoId === v.videoId);
      checks.expect('video.ready-reported', reported.length === 1, () => `video ${v.videoId} is ready but the developer stream reported video.ready ${reported.length} times (${sample(reported.map((e) => e.id))}); stream connections ${events.connections.map((c) => `${c.node}:${c.status}:${c.end ?? 'open'}`).join(', ')}`);
    }

    // The ledger: the measured videos (ready now, or reported ready before a delete), each billed once.
    const measured = new Set([...endedReady.map((v) => v.videoId), ...ready.map((e) => e.videoId)]);
    const expected = INITIAL_CREDITS - measured.size * VIDEO_COST;
    const balance = numberField(field(await rest(ctx, app, 'GET', '/usage'), 'data'), 'balanceMicroCredits');
    const adminBalance = numberField((await ctx.admin.call('GET', `/orgs/${org.id}`)).body, 'credits_micro');
    // Deleted: the delete said so, or the video is gone (a delete whose 200 was lost is retried into a 404).
    const deleted = completed.filter((v) => v.deleteStatus === 200 || settled.get(v.videoId) === 'deleted');
    const deletedUnmeasured = deleted.filter((v) => !measured.has(v.videoId));
    const overbilled = expected - balance;
    // Extra debits the size of deleted, never-measured videos point at the delete race; anything else at double billing.
    const invariant = overbilled > 0 && overbilled % VIDEO_COST === 0 && overbilled / VIDEO_COST <= deletedUnmeasured.length ? 'video.deleted-not-billed' : 'video.billed-once';
    checks.expect(invariant, balance === expected && adminBalance === expected, () => `balance ${balance} (admin ${adminBalance}), expected ${INITIAL_CREDITS} − ${measured.size} measured videos × ${VIDEO_COST} = ${expected} (${sample([...measured])}); deleted before being measured: ${sample(deletedUnmeasured.map((v) => v.videoId)) || 'none'}`);
    const deletedIds = new Map(namedEvents(events, 'video.deleted').map((e) => [e.videoId, e.id]));
    for (const v of deleted) {
      const deletedId = deletedIds.get(v.videoId);
      const late = ready.filter((e) => e.videoId === v.videoId && deletedId !== undefined && e.id > deletedId);
      checks.expect('video.deleted-not-billed', late.length === 0, () => `video ${v.videoId} was measured and billed (video.ready ${late[0]?.id}) after it was deleted (video.deleted ${deletedId})`);
    }
    checkWritesDuringRedisOutage(ctx, completed.map((v) => ({ label: `complete of ${v.videoId}`, attempts: v.attempts })));
    return {
      videos: completed.length,
      racedDeletes: completed.filter((v) => v.raceDelete).length,
      ready: [...settled.values()].filter((s) => s === 'ready').length,
      completeRetries: completed.reduce((sum, v) => sum + v.attempts.length - 1, 0),
    };
  },
};

function openEvents(ctx: IterationContext, app: VideoApp, since: number): ResilientSubscriber {
  const events = new ResilientSubscriber({
    name: 'developer-events',
    cluster: ctx.env.cluster,
    prng: ctx.prng.fork('events'),
    request: async () => ({ path: '/api/developer/v1/events', headers: { authorization: `Bearer ${app.secretKey}` } }),
    terminalOf: namedTerminal,
    credentialsExpired: () => undefined,
    refused: () => false,
    idleTimeoutMs: 10_000,
    initialCursor: cursorAt(since),
  });
  events.start();
  ctx.defer(() => events.stop());
  return events;
}

function namedEvents(events: ResilientSubscriber, type: string): { id: string; videoId: string }[] {
  return events.events.flatMap((e) => {
    if (e.event !== type || e.id === undefined) return [];
    const videoId = field(parseJson(e.data), 'id');
    return typeof videoId === 'string' ? [{ id: e.id, videoId }] : [];
  });
}

async function sdk(ctx: IterationContext, app: VideoApp, path: string, body: unknown): Promise<Json | undefined> {
  const { answer } = await ctx.client.retrying({ method: 'POST', path: `/api/developer/sdk/v1${path}`, headers: { authorization: `Bearer ${app.publicKey}` }, body }, { retryOn: retryServerErrors, deadlineMs: 15_000 });
  if (answer?.status !== 200) throw new Error(`${path}: ${answer ? `${answer.status} ${answer.text}` : 'no answer'}`);
  return answer.body;
}

async function rest(ctx: IterationContext, app: VideoApp, method: string, path: string): Promise<Json | undefined> {
  const { answer } = await ctx.client.retrying({ method, path: `/api/developer/v1${path}`, headers: { authorization: `Bearer ${app.secretKey}` } }, { retryOn: retryServerErrors, deadlineMs: 15_000 });
  if (answer?.status !== 200) throw new Error(`${method} ${path}: ${answer ? `${answer.status} ${answer.text}` : 'no answer'}`);
  return answer.body;
}

/** Create, initiate, presign part 1 and PUT the whole file to S3 (one part may be any size). */
async function prepare(ctx: IterationContext, app: VideoApp, index: number, raceDelete: boolean): Promise<Prepared> {
  const videoId = stringField(await sdk(ctx, app, '/videos/create', { name: `chaos ${ctx.iteration}-${index}` }), 'videoId');
  const uploadId = stringField(await sdk(ctx, app, '/upload/multipart/initiate', { videoId, contentType: 'video/mp4' }), 'uploadId');
  const url = stringField(await sdk(ctx, app, '/upload/multipart/presign-part', { videoId, uploadId, partNumber: 1 }), 'presignedUrl');
  const put = await fetch(url, { method: 'PUT', body: new Uint8Array(VIDEO), signal: AbortSignal.timeout(15_000) });
  await put.arrayBuffer();
  const etag = put.headers.get('etag');
  if (put.status !== 200 || !etag) throw new Error(`PUT of the part answered ${put.status}`);
  return { videoId, uploadId, etag, raceDelete };
}

/**
 * Completes as a careful SDK does: a network error or 5xx leaves the outcome unknown, so complete
 * again; "being completed" (409) means another complete is in progress, so wait and ask again.
 */
async function completeUntilAnswered(ctx: IterationContext, app: VideoApp, v: Prepared, onDispatch: (url: string) => void): Promise<{ outcome: string; attempts: Attempt[] }> {
  const attempts: Attempt[] = [];
  // The fault heals within seconds of the first attempt; the settle bound counts from about then.
  const deadline = Date.now() + SETTLE_BOUND_MS;
  let completing = false;
  const body = { videoId: v.videoId, uploadId: v.uploadId, parts: [{ partNumber: 1, etag: v.etag, size: VIDEO.length }] };
  while (Date.now() < deadline) {
    const urls = ctx.env.cluster.liveUrls();
    if (urls.length === 0) {
      await sleep(100);
      continue;
    }
    const url = ctx.prng.pick(urls);
    const node = ctx.env.cluster.nodeOf(url) ?? url;
    const startedAt = Date.now();
    const pending = ctx.client.send(url, { method: 'POST', path: '/api/developer/sdk/v1/upload/multipart/complete', headers: { authorization: `Bearer ${app.publicKey}` }, body, timeoutMs: 15_000 });
    onDispatch(url);
    try {
      const answer = await pending;
      attempts.push({ node, status: answer.status, startedAt, ms: Date.now() - startedAt });
      if (answer.status === 200) return { outcome: 'completed', attempts };
      if (answer.status === 409) {
        if (!answer.text.includes('being completed')) return { outcome: 'already-complete', attempts };
        completing = true;
        await sleep(500);
        continue;
      }
      if (answer.status === 404) return { outcome: 'not-found', attempts };
      if (answer.status < 500) return { outcome: `refused:${answer.status}`, attempts };
    } catch (e) {
      attempts.push({ node, error: e instanceof Error ? e.message : String(e), startedAt, ms: Date.now() - startedAt });
    }
    await sleep(200);
  }
  return { outcome: completing ? 'stuck-completing' : 'no-answer', attempts };
}

async function remove(ctx: IterationContext, app: VideoApp, videoId: string): Promise<number | undefined> {
  const { answer } = await ctx.client.retrying({ method: 'DELETE', path: `/api/developer/v1/videos/${videoId}`, headers: { authorization: `Bearer ${app.secretKey}` } }, { retryOn: retryServerErrors, deadlineMs: 20_000 });
  return answer?.status;
}

/** ready · failed · deleted (404) · pending (neither yet); undefined when no answer. */
async function videoState(ctx: IterationContext, app: VideoApp, videoId: string): Promise<string | undefined> {
  const { answer } = await ctx.client.retrying({ method: 'GET', path: `/api/developer/v1/videos/${videoId}/status`, headers: { authorization: `Bearer ${app.secretKey}` } }, { retryOn: retryServerErrors, deadlineMs: 5_000 });
  if (answer?.status === 404) return 'deleted';
  if (answer?.status !== 200) return undefined;
  const data = field(answer.body, 'data');
  if (field(data, 'ready') === true) return 'ready';
  return field(data, 'error') !== undefined ? 'failed' : 'pending';
}
