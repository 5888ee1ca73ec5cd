// documents: a fresh organization uploads small text PDFs (each with its own Idempotency-Key, retried
// with the same key on network errors and 5xx) while one fault hits at a random point of the upload
// and processing window: a node dies mid-processing, or Redis or PostgreSQL restarts. A `recent=100`
// SSE stream follows every upload and resumes with Last-Event-ID after each disconnect. Then the
// outcome is checked: each upload settled once, billed once, and reported once on the stream.
import { randomBytes } from 'node:crypto';
import { buildLetterPdf } from '../../test/fixtures/documents.js';
import { retryServerErrors, type Attempt } from '../clients/http.js';
import { dataTerminal, ResilientSubscriber } from '../clients/sse-subscriber.js';
import { downTime, FAULT_KINDS } from '../faults.js';
import { firstOutOfOrder, repeated, sample } from '../invariants.js';
import { cursorAt } from '../lib/cursor.js';
import { field, isObject, numberField, parseJson, stringField, type Json } from '../lib/json.js';
import { sleep } from '../lib/net.js';
import { checkWritesDuringRedisOutage } from './redis-outage.js';
import { DELIVERY_BOUND_MS, type IterationContext, type Scenario } from './scenario.js';

const INITIAL_CREDITS = 1_000_000;
/** From the heal: a document must have settled by then (a lapsed worker lease is 2 s, retries back off from 100 ms). */
const SETTLE_BOUND_MS = 60_000;
const UPLOAD_DEADLINE_MS = 45_000;
const TERMINAL = new Set(['completed', 'failed']);

let letterPdf: Promise<string> | undefined;
const pdfBase64 = (): Promise<string> => (letterPdf ??= buildLetterPdf().then((bytes) => Buffer.from(bytes).toString('base64')));

interface Upload {
  readonly index: number;
  readonly key: string;
  readonly body: { readonly file_base64: string; readonly file_name: string };
  readonly attempts: readonly Attempt[];
  readonly documentId: string | undefined;
  readonly finalStatus: number | undefined;
}

interface StreamStatus {
  readonly id: string;
  readonly documentId: string;
  readonly status: string;
  readonly progress: string;
  readonly node: string;
}

export const documents: Scenario = {
  name: 'documents',
  title: 'Uploads with Idempotency-Key while a node dies mid-processing, or Redis or PostgreSQL restarts',
  faults: FAULT_KINDS,
  async run(ctx) {
    const { env, prng, checks, sizes } = ctx;
    const org = await ctx.admin.createOrg(`chaos documents ${ctx.iteration}`, INITIAL_CREDITS);
    const keyHeader = { 'capout-api-key': org.apiKey };
    const api = async (method: string, path: string, body?: unknown): Promise<Json | undefined> => {
      const { answer } = await ctx.client.retrying({ method, path, headers: keyHeader, body }, { retryOn: retryServerErrors, deadlineMs: 15_000 });
      if (!answer || answer.status < 200 || answer.status > 299) throw new Error(`${method} ${path}: ${answer ? `${answer.status} ${answer.text}` : 'no answer'}`);
      return answer.body;
    };
    const price = numberField(await api('GET', '/credits'), 'price_per_page_micro_credits');

    const stream = openStream(ctx, keyHeader, Date.now() - 1000);
    if (!(await stream.waitFor(() => stream.connected, 15_000))) throw new Error(`the documents stream did not connect: ${JSON.stringify(stream.connections)}`);

    // Uploads leave one after another; the fault lands anywhere in the upload and processing window.
    const file = await pdfBase64();
    const gaps = Array.from({ length: sizes.uploads }, () => prng.int(100, 300));
    const windowMs = gaps.reduce((a, b) => a + b, 0) + 2500;
    const faultDelay = prng.int(0, windowMs);
    const downMs = downTime(ctx.fault, prng);
    ctx.log(`${sizes.uploads} uploads; fault ${ctx.fault} after ${faultDelay} ms, down ${downMs} ms`);
    const fault = sleep(faultDelay).then(() => ctx.faults.inject(ctx.fault, prng, downMs));
    const uploads: Promise<Upload>[] = [];
    for (let i = 0; i < sizes.uploads; i++) {
      uploads.push(upload(ctx, keyHeader, i, file));
      await sleep(gaps[i] ?? 0);
    }
    const done = await Promise.all(uploads);
    await fault;
    const healedAt = await env.heal();

    for (const u of done) {
      checks.expect('documents.accepted', u.documentId !== undefined, () => `upload ${u.index} (key ${u.key}) was not accepted within ${UPLOAD_DEADLINE_MS / 1000} s: last ${u.finalStatus ?? 'no answer'}; attempts ${describeAttempts(u.attempts)}`);
    }
    const accepted = done.filter((u): u is Upload & { documentId: string } => u.documentId !== undefined);

    // GET /status until every accepted document is completed or failed.
    const final = new Map<string, string>();
    let settledAt = healedAt;
    while (final.size < accepted.length && Date.now() < healedAt + SETTLE_BOUND_MS) {
      for (const u of accepted) {
        if (final.has(u.documentId)) continue;
        const status = await api('GET', `/status/${u.documentId}`).then((b) => field(b, 'status'), () => undefined);
        if (typeof status === 'string' && TERMINAL.has(status)) {
          final.set(u.documentId, status);
          settledAt = Date.now();
        }
      }
      if (final.size < accepted.length) await sleep(300);
    }
    for (const u of accepted) {
      checks.expect('documents.terminal', final.has(u.documentId), () => `${u.documentId} (upload ${u.index}) was not completed or failed ${SETTLE_BOUND_MS / 1000} s after the heal`);
    }

    // The stream has until the delivery bound after the last document settled; then a moment more, so a late duplicate shows.
    const statusesOf = (id: string) => streamStatuses(stream).filter((s) => s.documentId === id);
    await stream.waitFor(() => accepted.every((u) => statusesOf(u.documentId).some((s) => TERMINAL.has(s.status))), Math.max(0, settledAt + DELIVERY_BOUND_MS - Date.now()));
    await sleep(1000);

    // A client whose 201 was lost sends the upload again with its key: the first answer, nothing new.
    for (const u of prng.shuffle(accepted).slice(0, 2)) {
      const again = await ctx.client.retrying({ method: 'POST', path: '/upload', headers: { ...keyHeader, 'idempotency-key': u.key }, body: u.body, timeoutMs: 20_000 }, { retryOn: retryServerErrors, deadlineMs: 20_000 });
      const id = field(again.answer?.body, 'document_id');
      checks.expect('documents.one-per-key', again.answer?.status === 201 && id === u.documentId, () => `upload ${u.index} sent again with key ${u.key} answered ${again.answer?.status ?? 'nothing'} naming ${String(id)}, first accepted as ${u.documentId}`);
    }

    // One document per key: the organization holds exactly the accepted documents.
    const listed = field(await api('GET', '/documents?limit=100'), 'data');
    const listedIds = Array.isArray(listed) ? listed.map((d) => stringField(d, 'document_id')) : [];
    const acceptedIds = new Set(accepted.map((u) => u.documentId));
    const extra = listedIds.filter((id) => !acceptedIds.has(id));
    const absent = [...acceptedIds].filter((id) => !listedIds.includes(id));
    checks.expect('documents.one-per-key', extra.length === 0 && absent.length === 0 && repeated(listedIds).size === 0, () => `the organization lists ${listedIds.length} documents for ${accepted.length} accepted uploads: not accepted ${sample(extra)}; missing ${sample(absent)}`);

    // Ledger: what is not failed is paid for, once.
    let expected = INITIAL_CREDITS;
    for (const id of listedIds) {
      if (final.get(id) === 'failed') continue;
      const pages = field(await api('GET', `/documents/${id}/result`), 'page_count');
      expected -= (typeof pages === 'number' ? pages : 1) * price;
    }
    const balance = numberField(await api('GET', '/credits'), 'balance_micro_credits');
    const adminBalance = numberField((await ctx.admin.call('GET', `/orgs/${org.id}`)).body, 'credits_micro');
    const counts = { completed: [...final.values()].filter((s) => s === 'completed').length, failed: [...final.values()].filter((s) => s === 'failed').length };
    checks.expect('documents.ledger', balance === expected && adminBalance === expected, () => `balance ${balance} (admin: ${adminBalance}) but ${INITIAL_CREDITS} − cost of ${listedIds.length - counts.failed} documents not failed (${counts.completed} completed, ${counts.failed} failed, price ${price}/page) = ${expected}; difference ${balance - expected}`);

    checkStream(ctx, stream, accepted.map((u) => u.documentId), final);
    checkWritesDuringRedisOutage(ctx, done.map((u) => ({ label: `upload ${u.index}`, attempts: u.attempts })));
    return {
      uploads: done.length,
      accepted: accepted.length,
      completed: counts.completed,
      failed: counts.failed,
      uploadRetries: done.reduce((sum, u) => sum + u.attempts.length - 1, 0),
      streamMessages: stream.events.length,
      reconnects: stream.connections.length - 1,
    };
  },
};

function openStream(ctx: IterationContext, keyHeader: Record<string, string>, since: number): ResilientSubscriber {
  let token: string | undefined;
  const stream = new ResilientSubscriber({
    name: 'documents-stream',
    cluster: ctx.env.cluster,
    prng: ctx.prng.fork('stream'),
    async request() {
      if (token === undefined) {
        const { answer } = await ctx.client.retrying({ method: 'POST', path: '/ws/token', headers: keyHeader }, { retryOn: retryServerErrors, deadlineMs: 10_000 });
        token = stringField(answer?.body, 'token');
      }
      return { path: `/sse/status?token=${encodeURIComponent(token)}&recent=100`, headers: {} };
    },
    terminalOf: dataTerminal,
    credentialsExpired: () => void (token = undefined),
    refused: () => false,
    idleTimeoutMs: 10_000,
    // From just before the first upload: the replay brings every upload's first status, so no race with the subscription.
    initialCursor: cursorAt(since),
  });
  stream.start();
  ctx.defer(() => stream.stop());
  return stream;
}

async function upload(ctx: IterationContext, keyHeader: Record<string, string>, index: number, file: string): Promise<Upload> {
  const key = `chaos-upload-${ctx.iteration}-${index}-${randomBytes(4).toString('hex')}`;
  const body = { file_base64: file, file_name: `chaos-${ctx.iteration}-${index}.pdf` };
  const { answer, attempts } = await ctx.client.retrying(
    { method: 'POST', path: '/upload', headers: { ...keyHeader, 'idempotency-key': key }, body, timeoutMs: 20_000 },
    { retryOn: retryServerErrors, deadlineMs: UPLOAD_DEADLINE_MS },
  );
  const id = answer?.status === 201 ? field(answer.body, 'document_id') : undefined;
  return { index, key, body, attempts, documentId: typeof id === 'string' ? id : undefined, finalStatus: answer?.status };
}

/** The stream's status messages that carry an id (the snapshot ones carry none). */
function streamStatuses(stream: ResilientSubscriber): StreamStatus[] {
  return stream.events.flatMap((e) => {
    if (e.id === undefined) return [];
    const data = parseJson(e.data);
    const documentId = field(data, 'document_id');
    const status = field(data, 'status');
    if (!isObject(data) || typeof documentId !== 'string' || typeof status !== 'string') return [];
    return [{ id: e.id, documentId, status, progress: JSON.stringify(data.progress ?? null), node: e.node }];
  });
}

function checkStream(ctx: IterationContext, stream: ResilientSubscriber, ids: readonly string[], final: ReadonlyMap<string, string>): void {
  const { checks } = ctx;
  const messages = streamStatuses(stream);
  const allIds = messages.map((m) => m.id);
  const dup = repeated(allIds);
  checks.expect('documents.stream-order', dup.size === 0, () => `${dup.size} ids arrived more than once: ${sample([...dup].map(([id, n]) => `${id}×${n}`))}`);
  const disorder = firstOutOfOrder(allIds);
  checks.expect('documents.stream-order', disorder === undefined, () => `id ${disorder?.next} arrived after ${disorder?.previous} (message ${disorder?.index} of ${allIds.length}; connections ${stream.connections.map((c) => `${c.node}:${c.status}:${c.end ?? 'open'}`).join(', ')})`);
  for (const id of ids) {
    const own = messages.filter((m) => m.documentId === id);
    const repeats = own.filter((m, i) => i > 0 && own[i - 1]?.status === m.status && own[i - 1]?.progress === m.progress);
    checks.expect('documents.stream-changes', repeats.length === 0, () => `${id}: ${repeats.length} status messages repeat the one before (${sample(repeats.map((m) => `${m.status} ${m.progress} again as ${m.id}@${m.node}`), 3)}); sequence ${own.map((m) => m.status).join(' → ')}`);
    const terminals = own.filter((m) => TERMINAL.has(m.status));
    const last = own.at(-1);
    checks.expect('documents.stream-terminal', terminals.length === 1 && last !== undefined && TERMINAL.has(last.status) && last.status === final.get(id), () => `${id}: ${terminals.length} terminal messages (${terminals.map((m) => `${m.status} ${m.id}`).join(', ') || 'none'}), last ${last ? `${last.status}` : 'none'} of ${own.length} messages, GET /status says ${final.get(id) ?? 'not settled'}`);
  }
  checks.expect('documents.stream-alive', stream.end === undefined, () => `the stream stopped for good: ${JSON.stringify(stream.end)}; terminals ${JSON.stringify(stream.terminals.map((t) => t.type))}`);
}

function describeAttempts(attempts: readonly Attempt[]): string {
  return sample(attempts.map((a) => `${a.node}:${a.status ?? a.error}`), 8);
}
